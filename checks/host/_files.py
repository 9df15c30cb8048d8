"""Several configuration files of an audited host read with one command, and parsed back safely.

A check that judges a configuration spread over many files (a main file, a ``.d`` folder, the
same file at a distribution's other path) builds one read-only shell loop with
:func:`cat_command` and declares it; :func:`parse_files` splits what came back into one text per
file. Each file is announced by a marker line; files that exist but cannot be read are named as
such, and a final end marker shows the output is complete: without it (output cut at the cap or
the deadline, or a shell that did not run the loop) :func:`parse_files` raises ``Inconclusive``,
so a check never judges half a configuration.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from checks.host._output import END
from scanner.api import CommandResult, Inconclusive

FILE = "#=scanner-file=# "
UNREADABLE = "#=scanner-unreadable=# "
TAIL = "#=scanner-tail=#"


@dataclass(frozen=True)
class Files:
    """The files that exist, in the order the command listed them.

    Attributes:
        texts: path -> content, for every regular file that exists and could be read.
        unreadable: paths that exist but could not be read (no root).
    """

    texts: dict[str, str]
    unreadable: tuple[str, ...]

    def existing(self, *prefixes: str) -> list[str]:
        """Paths read that start with one of ``prefixes`` (all of them without prefixes)."""
        return [p for p in self.texts if not prefixes or p.startswith(prefixes)]


def cat_command(paths: Sequence[str], *, tail: str = "", root: bool = False) -> str:
    """A POSIX shell loop that prints each existing regular file of ``paths`` (shell globs
    allowed) after a marker, then runs ``tail`` (another read-only command), then the end marker.
    ``root``: wrapped in ``sh -c '...'``, as a root command must be (sudo runs one program).
    """
    loop = (
        f'for f in {" ".join(paths)}; do if [ -f "$f" ]; then if [ -r "$f" ]; then '
        f'echo "{FILE}$f"; cat -- "$f"; echo; else echo "{UNREADABLE}$f"; fi; fi; done'
    )
    command = f"{loop}; echo '{TAIL}'; {tail + '; ' if tail else ''}echo '{END}'"
    return f"sh -c {shlex.quote(command)}" if root else command


def parse_files(result: CommandResult, what: str) -> tuple[Files, str]:
    """The files in ``result``'s output, and what ``tail`` printed; ``Inconclusive`` naming
    ``what`` when the output is incomplete."""
    text = result.text
    body, sep, _ = text.rpartition(f"\n{END}")
    if not sep or TAIL not in body:
        cut = " (cut at the output limit or the deadline)" if result.truncated else ""
        said = next((ln for ln in result.stderr.decode("utf-8", "replace").splitlines()), "")
        raise Inconclusive(
            f"reading {what} did not complete{cut}: its output has no end mark"
            + (f" (stderr: {said[:200]!r})" if said else "")
        )
    texts: dict[str, list[str]] = {}
    unreadable: list[str] = []
    tail: list[str] = []
    current: list[str] | None = None  # the lines of the file being read, or of the tail
    for line in body.splitlines():
        if line.startswith(FILE):
            current = texts.setdefault(line.removeprefix(FILE), [])
        elif line.startswith(UNREADABLE):
            unreadable.append(line.removeprefix(UNREADABLE))
            current = None
        elif line == TAIL:
            current = tail
        elif current is not None:
            current.append(line)
    return Files({p: "\n".join(t) for p, t in texts.items()}, tuple(unreadable)), "\n".join(tail)
