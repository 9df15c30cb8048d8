"""host.ssh-hostkey-changed on the on-site lab hosts: the keys on record pass on both hosts; a
record that names another key for the weak host is a finding there, made from the handshake
alone."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.checks.host.lab_onsite import Audit, accepted_logins, audit
from tests.helpers import write
from tests.lab import lab

pytestmark = pytest.mark.lab

ID = "host.ssh-hostkey-changed"


def test_both_hosts_present_the_recorded_key(onsite_audit: Audit) -> None:
    for asset in ("weak", "hardened"):
        assert onsite_audit.found(ID, asset) == {}
        assert onsite_audit.attempt(ID, asset).status == "pass"


def test_another_recorded_key_is_a_finding(lab_state: lab.LabState, tmp_path: Path) -> None:
    key = tmp_path / "other_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True
    )  # fmt: skip
    other = " ".join(key.with_suffix(".pub").read_text().split()[:2])
    weak = lab.ONSITE_WEAK_ADDR
    lines = [
        f"{line.split()[0]} {other}" if line.split()[0] in (weak, f"[{weak}]:22") else line
        for line in lab_state.known_hosts.read_text().splitlines()
    ]
    known = write(tmp_path / "known_hosts", "\n".join(lines) + "\n")
    before = accepted_logins(lab_state)
    result = audit(lab_state, tmp_path, checks=[ID], known_hosts=known)
    [(location, finding)] = result.found(ID, "weak").items()
    assert (location, finding.severity) == ("ssh host key 22/tcp", "high")
    assert finding.evidence.startswith("presented ssh-ed25519 SHA256:")
    assert "; recorded ssh-ed25519 SHA256:" in finding.evidence
    assert result.attempt(ID, "hardened").status == "pass"
    assert accepted_logins(lab_state)["onsite-weak"] == before["onsite-weak"]  # no credential
