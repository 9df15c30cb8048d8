"""The CLI never prints a store's or a broker's password (issue 13, item 5).

Each command gets a URL with a password whose server is unreachable (a loopback port nothing
listens on: connection refused, no lab needed); the password must appear nowhere in stdout or
stderr, where the worker's and the run's logs go too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.helpers import write
from tests.pg import free_port
from tests.unit.inventory.test_schema import MINIMAL

SECRET = "S3cretPW"


def scanner(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner.cli", *args],
        cwd=cwd,
        # A task key, so the broker commands get as far as connecting (workers refuse to start
        # without one).
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "SCANNER_TASK_KEY": "ab" * 32},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_hidden(proc: subprocess.CompletedProcess[str], shown: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert shown in proc.stderr.replace("\n", ""), proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    assert SECRET not in proc.stdout.replace("\n", "") + proc.stderr.replace("\n", "")


@pytest.mark.parametrize("command", [["runs"], ["findings"], ["issues", "--json"]])
def test_a_bad_postgresql_url_keeps_its_password(tmp_path: Path, command: list[str]) -> None:
    url = f"postgresql://audit:{SECRET}@127.0.0.1:{free_port()}/x"
    proc = scanner(*command, "--db", url, cwd=tmp_path)
    assert_hidden(proc, "audit:***@127.0.0.1")
    assert "Connection refused" in proc.stderr


@pytest.mark.parametrize(
    "scheme", ["redis://audit:{}@127.0.0.1:{}/0", "amqp://audit:{}@127.0.0.1:{}//"]
)
def test_a_bad_broker_url_keeps_its_password(tmp_path: Path, scheme: str) -> None:
    url = scheme.format(SECRET, free_port())
    proc = scanner("worker", "--broker", url, "--db", f"sqlite:///{tmp_path}/s.db", cwd=tmp_path)
    assert_hidden(proc, "cannot reach the broker")


def test_a_run_with_a_bad_broker_keeps_its_password(tmp_path: Path) -> None:
    inv = write(tmp_path / "inv.yaml", MINIMAL)
    url = f"redis://:{SECRET}@127.0.0.1:{free_port()}/0"
    proc = scanner(
        "run",
        str(inv),
        "--profile",
        "remote",
        "--db",
        f"sqlite:///{tmp_path}/s.db",
        "--broker",
        url,
        cwd=tmp_path,
    )
    assert_hidden(proc, "redis://:***@127.0.0.1")


def test_a_broker_that_is_not_a_url_keeps_its_password(tmp_path: Path) -> None:
    proc = scanner("worker", "--broker", f"audit:{SECRET}@127.0.0.1", cwd=tmp_path)
    assert_hidden(proc, "is not a URL")
