"""Start-up time of the ``scanner`` command: ``--help``, ``--version`` and ``validate``.

Each command runs ``--runs`` times (default 10), each in a fresh interpreter
(``python -m scanner.cli ...``, which imports what the ``scanner`` console script imports), from
the repository root with the repository first on ``PYTHONPATH``, after one warm-up run that is
not counted. Printed per command: the median
wall time and the median user+sys CPU time of the child (from ``os.wait4``). On a loaded machine
the CPU time is the steadier figure: wall time includes waiting for a core.

``validate targets.example.yaml`` reads the lab's audit key files, so it needs the lab's state
(``tests/lab/.run``); without it the command is reported as failed and skipped.

Bytecode is cached as for an installed ``scanner`` (``PYTHONDONTWRITEBYTECODE`` is dropped from
the children's environment, so the warm-up writes ``__pycache__``; without it each run would
compile every module of the repository it imports, about 0.1 s of ``validate``).

Target: under 0.5 s for each command.

Usage: ``.venv/bin/python bench/startup.py [--runs N]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from _common import REPO_ROOT

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("--version",),
    ("validate", "targets.example.yaml"),
)


def time_once(args: tuple[str, ...]) -> tuple[float, float, int]:
    """One fresh interpreter running ``scanner ARGS``: (wall s, user+sys s, exit status)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
    return wall, usage.ru_utime + usage.ru_stime, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="Runs per command (default 10).")
    args = parser.parse_args()
    print(
        f"scanner start-up, median of {args.runs} fresh interpreters "
        "(bytecode cached; target < 0.5 s)"
    )
    for command in COMMANDS:
        walls: list[float] = []
        cpus: list[float] = []
        time_once(command)  # warm-up: bytecode written, files in the page cache
        for _ in range(args.runs):
            wall, cpu, code = time_once(command)
            if code != 0:
                print(f"  scanner {' '.join(command)}: exit status {code}; skipped")
                break
            walls.append(wall)
            cpus.append(cpu)
        else:
            print(
                f"  scanner {' '.join(command):<32} wall {statistics.median(walls):6.3f} s"
                f"  user+sys {statistics.median(cpus):6.3f} s"
                f"  (wall min {min(walls):.3f} s)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
