"""Host keys pinned in the store: ``scanner hostkeys approve`` end to end against the hardened
on-site lab host, a run that trusts only the pin, a pin that no longer matches, and revocation."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import paramiko
import pytest
from click.testing import CliRunner

from scanner.app.hostkeys import list_pins, pin_key
from scanner.cli.main import main
from scanner.store import Store
from tests.integration.test_ssh_transport import (  # noqa: F401 - sshds: the fixture, shared
    OwnSshd,
    inventory,
    keygen,
    run,
    sshds,
    start_sshd,
)
from tests.lab import lab

pytestmark = pytest.mark.lab

HARDENED = lab.ONSITE_HARDENED_ADDR


def lab_fingerprint(state: lab.LabState, name: str) -> str:
    pub = state.state_dir / "hosts" / name / "ssh_host_ed25519_key.pub"
    return subprocess.run(
        ["ssh-keygen", "-lf", str(pub)], capture_output=True, text=True, check=True
    ).stdout.split()[1]


def accepted(state: lab.LabState) -> int:
    log = state.state_dir / "logs" / "sshd-onsite-hardened.log"
    return len(re.findall("Accepted publickey for audit", log.read_text(errors="replace")))


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_approve_pins_only_the_confirmed_key_and_a_run_logs_in_with_the_pin_alone(
    lab_state: lab.LabState, tmp_path: Path, db_url: str
) -> None:
    inv = inventory(tmp_path, HARDENED, known_hosts=None, key_file=lab_state.audit_key)
    fp = lab_fingerprint(lab_state, "onsite-hardened")
    # before approval: unknown key, inconclusive, with the fix
    attempts, _, _ = run(inv, db_url)
    assert attempts["host.ssh-root-login"].error_reason == "inconclusive"
    assert fp in attempts["host.ssh-root-login"].reason
    # a wrong fingerprint, or none without a terminal: nothing is pinned
    code, output = cli(
        "hostkeys",
        "approve",
        "--inventory",
        str(inv),
        "ent/box",
        "--fingerprint",
        "SHA256:" + "A" * 43,
        "--db",
        db_url,
    )
    assert code == 2 and "not pinned" in output and fp in output
    code, output = cli("hostkeys", "approve", "--inventory", str(inv), "box", "--db", db_url)
    assert code == 2 and "not pinned" in output and "--fingerprint" in output
    assert list_pins(Store.open(db_url)) == []
    # the fingerprint the entity read on the host: pinned
    code, output = cli(
        "hostkeys",
        "approve",
        "--inventory",
        str(inv),
        HARDENED,
        "--fingerprint",
        f"ssh-ed25519 {fp}",
        "--approver",
        "inspector-li",
        "--db",
        db_url,
    )
    assert code == 0, output
    assert f"presents ssh-ed25519 {fp}" in output and "pinned" in output
    [pin] = list_pins(Store.open(db_url))
    assert (pin.host, pin.port, pin.key_type, pin.fingerprint, pin.approved_by) == (
        HARDENED,
        22,
        "ssh-ed25519",
        fp,
        "inspector-li",
    )
    code, output = cli("hostkeys", "list", "--json", "--db", db_url)
    assert code == 0 and fp in output
    # a run with the pin and no known_hosts logs in, once, and audits the host
    before = accepted(lab_state)
    attempts, findings, _ = run(inv, db_url)
    assert accepted(lab_state) - before == 1
    assert attempts["host.ssh-root-login"].status == "pass"
    assert attempts["host.ssh-hostkey-changed"].status == "pass"
    assert [f for f in findings if f.severity in ("critical", "high")] == []
    # revoked: unknown again
    code, output = cli("hostkeys", "revoke", HARDENED, "--fingerprint", fp, "--db", db_url)
    assert code == 0 and "revoked 1 pin" in output
    attempts, _, _ = run(inv, db_url)
    assert attempts["host.ssh-root-login"].error_reason == "inconclusive"


def test_approve_refuses_assets_outside_the_inventory(
    lab_state: lab.LabState, tmp_path: Path, db_url: str
) -> None:
    inv = inventory(tmp_path, HARDENED, known_hosts=None, key_file=lab_state.audit_key)
    code, output = cli(
        "hostkeys", "approve", "--inventory", str(inv), lab.ONSITE_WEAK_ADDR, "--db", db_url
    )
    assert code == 2 and "is not an on-site asset of the inventory" in output


def test_approve_on_a_terminal_asks_and_pins_after_yes(
    lab_state: lab.LabState, tmp_path: Path, db_url: str
) -> None:
    inv = inventory(tmp_path, HARDENED, known_hosts=None, key_file=lab_state.audit_key)
    fp = lab_fingerprint(lab_state, "onsite-hardened")
    primary, secondary = os.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scanner.cli",
            "hostkeys",
            "approve",
            "--inventory",
            str(inv),
            "box",
            "--approver",
            "tty-user",
            "--db",
            db_url,
        ],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        close_fds=True,
    )
    os.close(secondary)
    seen = b""
    deadline = time.monotonic() + 30
    while b"[y/N]" not in seen and time.monotonic() < deadline:
        try:
            seen += os.read(primary, 4096)
        except OSError:
            break
    assert fp.encode() in seen, seen
    os.write(primary, b"y\n")
    process.wait(30)
    os.close(primary)
    assert process.returncode == 0
    [pin] = list_pins(Store.open(db_url))
    assert (pin.fingerprint, pin.approved_by) == (fp, "tty-user")


def test_a_pin_that_no_longer_matches_is_a_changed_key(
    lab_state: lab.LabState,
    tmp_path: Path,
    db_url: str,
    sshds: list[OwnSshd],  # noqa: F811
) -> None:
    sshd = start_sshd(lab_state, sshds, tmp_path / "sshd", "127.0.10.78")
    old = paramiko.PKey.from_path(keygen(tmp_path / "old_key"))
    pin_key(Store.open(db_url), sshd.address, 22, old, "inspector-wang")
    inv = inventory(tmp_path, sshd.address, known_hosts=None, key_file=lab_state.audit_key)
    attempts, findings, _ = run(inv, db_url)
    [finding] = findings
    assert finding.check_id == "host.ssh-hostkey-changed"
    assert f"recorded ssh-ed25519 {old.fingerprint}" in finding.evidence
    assert "pinned in the store by inspector-wang" in finding.evidence
    assert attempts["host.uid0-extra-account"].error_reason == "inconclusive"
    assert "userauth-request" not in sshd.log_text()
    # approving the new key is refused while the old pin stands
    code, output = cli(
        "hostkeys",
        "approve",
        "--inventory",
        str(inv),
        "box",
        "--fingerprint",
        sshd.fingerprint,
        "--db",
        db_url,
    )
    assert code == 2 and "already has a pinned" in output and "revoke" in output
