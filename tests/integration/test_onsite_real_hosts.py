"""On-site audits of hosts hardened the way baselines leave them, against the lab's real sshds:
``MaxSessions 1`` and ``2``, sudo asking the user's password, no sudo at all (su with root's
password), and no privilege declared.

Each run audits one host with every on-site check and asserts: no error attempt (where the
credential can become root), exactly one SSH login (the host's sshd log), and the privilege each
attempt recorded. A rejected password is sent once: the host's sudo log shows one incorrect
attempt, and every root-only check ends with the same reason.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import paramiko
import pytest

from scanner.app.compile import compile_run
from scanner.app.runs import start_run
from scanner.core.models import Privilege
from scanner.inventory.schema import Credential, load_inventory
from scanner.store import Store
from scanner.store.attempts import AttemptRow
from scanner.transport.ssh import Elevation, SshSession, TrustedKey
from tests.helpers import write
from tests.lab import lab
from tests.unit.inventory.test_schema import MINIMAL

pytestmark = pytest.mark.lab

#: Checks that read as root on these hosts (others record no privilege, or the one asked).
ROOT_CHECKS = {
    "host.empty-password",
    "host.firewall-inactive",
    "host.ssh-root-login",
    "host.unusual-suid",
    "host.world-writable-system-files",
}
#: Checks that read nothing as root here (apt runs unprivileged on Debian).
UNPRIVILEGED = {
    "host.password-max-days",
    "host.pending-security-updates",
    "host.ssh-hostkey-changed",
    "host.uid0-extra-account",
}


#: The profile: every on-site check but the package vulnerabilities, which need imported feeds
#: (tests/checks/host/test_vulnerable_package.py runs them with the test feeds).
ONSITE_PROFILE_LINES = "    modes: [onsite]\n    exclude: [host.vulnerable-package]"


def known_hosts(state: lab.LabState, host: str, tmp_path: Path) -> Path:
    """A known_hosts file with ``host``'s key (STATE/known_hosts is rewritten by every lab start,
    also by checkouts that do not know the newer hosts)."""
    key = (state.state_dir / "hosts" / host / "ssh_host_ed25519_key.pub").read_text().split()
    return write(tmp_path / "known_hosts", f"{lab.LAB_HOSTS[host].address} {key[0]} {key[1]}\n")


def inventory(state: lab.LabState, tmp_path: Path, host: str, privilege: str) -> Path:
    """One on-site asset, ``host``, every on-site check, the audit key and ``privilege``
    (credential lines)."""
    address = lab.LAB_HOSTS[host].address
    text = MINIMAL.replace(
        "      - id: web\n        host: 127.0.10.1\n",
        f"      - id: host\n        onsite: {address}\n        credentials: audit\n"
        "        expected_services: [22/tcp]\n",
    ).replace("    modes: [remote]", ONSITE_PROFILE_LINES)
    text += (
        f"credentials:\n  audit:\n    username: {lab.AUDIT_USER}\n"
        f"    key_file: {state.audit_key}\n"
        f"    known_hosts: {known_hosts(state, host, tmp_path)}\n{privilege}"
    )
    return write(tmp_path / "inv.yaml", text)


def logins(state: lab.LabState, host: str) -> int:
    """Public-key logins of the audit user so far on ``host`` (its sshd log)."""
    log = (state.state_dir / "logs" / f"sshd-{host}.log").read_text(errors="replace")
    return len(re.findall("Accepted publickey for audit", log))


def sudo_failures(state: lab.LabState, host: str) -> int:
    """Incorrect sudo passwords the host's sudo has logged (its /var/log/sudo.log)."""
    log = state.state_dir / "hosts" / host / "var-log" / "sudo.log"
    return (
        log.read_text(errors="replace").count("incorrect password attempt") if log.exists() else 0
    )


def audit(
    state: lab.LabState, tmp_path: Path, host: str, privilege: str
) -> tuple[list[AttemptRow], int]:
    """The attempts of one run over ``host`` and the logins it made there."""
    inv = load_inventory(inventory(state, tmp_path, host, privilege))
    store = Store.open(f"sqlite:///{tmp_path / 'scanner.db'}")
    before = logins(state, host)
    result = start_run(compile_run(inv, "remote"), store)
    attempts = store.attempts.of_run(result.run_id)
    # what the notice and the summary count as not verified for lack of privilege
    lacking = [a for a in attempts if a.status == "error" and a.privilege in ("none", "refused")]
    assert store.attempts.lacking_privilege(result.run_id, "ent") == len(lacking)
    return attempts, logins(state, host) - before


def reset_faillock(state: lab.LabState, host: str) -> None:
    """Clear the audit user's failed-login records on ``host`` (a hardened PAM stack counts the
    rejected sudo password; the records live in the machine's shared /run/faillock)."""
    current = lab.load_state(state.state_dir)
    assert current is not None
    anchor = current.process(f"anchor-{host}").pid
    subprocess.run(
        ["nsenter", "-t", str(anchor), "-m", "-u", "--", "faillock", "--user", lab.AUDIT_USER,
         "--reset"],
        capture_output=True, check=False, timeout=30,
    )  # fmt: skip


def by_check(attempts: list[AttemptRow]) -> dict[str, AttemptRow]:
    return {a.check_id: a for a in attempts}


@pytest.mark.parametrize(
    ("host", "privilege", "recorded"),
    [
        ("onsite-maxsess1", f"    sudo_password_env: {lab.AUDIT_SUDO_ENV}\n", "sudo_password"),
        ("onsite-su", f"    su_password_env: {lab.ROOT_SU_ENV}\n", "su"),
        ("onsite-hardened", f"    sudo_password_env: {lab.AUDIT_SUDO_ENV}\n", "sudo_password"),
    ],
    ids=["maxsessions1-sudo-password", "maxsessions2-su", "hardened-maxsessions2-sudo-password"],
)
def test_every_check_completes_with_one_login(
    lab_state: lab.LabState, tmp_path: Path, host: str, privilege: str, recorded: str
) -> None:
    assert lab.ONSITE_SESSIONS[host] in (1, 2)
    attempts, made = audit(lab_state, tmp_path, host, privilege)
    assert made == 1
    assert len(attempts) >= 18
    assert [(a.check_id, a.reason) for a in attempts if a.status == "error"] == []
    checks = by_check(attempts)
    assert {checks[c].privilege for c in ROOT_CHECKS} == {recorded}
    assert {checks[c].privilege for c in UNPRIVILEGED} == {None}
    assert {a.privilege for a in attempts} == {recorded, None}
    # root's reads really ran as root: /etc/shadow was read and the hardened host has no
    # account with an empty password
    assert checks["host.empty-password"].status == "pass"


def test_a_rejected_sudo_password_is_sent_once(
    lab_state: lab.LabState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAB_WRONG_PASSWORD", "not-the-password")
    failures = sudo_failures(lab_state, "onsite-maxsess1")
    try:
        attempts, made = audit(
            lab_state, tmp_path, "onsite-maxsess1", "    sudo_password_env: LAB_WRONG_PASSWORD\n"
        )
    finally:
        reset_faillock(lab_state, "onsite-maxsess1")
    assert made == 1
    assert sudo_failures(lab_state, "onsite-maxsess1") - failures == 1
    # the one attempt was the quick password check, not one of the checks' commands
    log = (lab_state.state_dir / "hosts" / "onsite-maxsess1" / "var-log" / "sudo.log").read_text()
    last = log.rsplit("incorrect password attempt", 1)[1][:300]
    assert "COMMAND=/usr/bin/true" in " ".join(last.split())
    checks = by_check(attempts)
    assert {checks[c].privilege for c in ROOT_CHECKS} == {"refused"}
    refused = [a for a in attempts if a.privilege is not None]
    assert all(a.status == "error" and a.privilege == "refused" for a in refused)
    assert all("sudo rejected the password from sudo_password_env" in a.reason for a in refused)
    assert "not-the-password" not in "".join(a.reason + a.traceback for a in attempts)
    assert [a.check_id for a in attempts if a.privilege is None and a.status == "error"] == []


def test_no_privilege_says_which_setting_fixes_it(lab_state: lab.LabState, tmp_path: Path) -> None:
    attempts, made = audit(lab_state, tmp_path, "onsite-su", "")
    assert made == 1
    shadow = by_check(attempts)["host.empty-password"]
    assert shadow.status == "error" and shadow.privilege == "none"
    assert "declares no privilege" in shadow.reason
    assert "sudo_password_env or su_password_env" in shadow.reason
    assert {a.privilege for a in attempts} <= {None, "none"}


def test_sudo_n_on_a_host_asking_a_password(lab_state: lab.LabState, tmp_path: Path) -> None:
    attempts, made = audit(lab_state, tmp_path, "onsite-maxsess1", "    sudo: true\n")
    assert made == 1
    shadow = by_check(attempts)["host.empty-password"]
    assert shadow.status == "error" and shadow.privilege == "refused"
    assert "sudo asks for a password" in shadow.reason and "sudo_password_env" in shadow.reason


def logged_in(state: lab.LabState, host: str, deadline: float) -> SshSession:
    """A session to ``host`` logged in as the audit user (its host key from STATE/hosts)."""
    address = lab.LAB_HOSTS[host].address
    public = (state.state_dir / "hosts" / host / "ssh_host_ed25519_key.pub").read_text()
    key = paramiko.PKey.from_type_string(public.split()[0], base64.b64decode(public.split()[1]))
    session = SshSession(
        socket.create_connection((address, 22), timeout=10),
        address,
        [TrustedKey(key, "test")],
        deadline,
    )
    try:
        cred = Credential(username=lab.AUDIT_USER, key_file=state.audit_key)
        session.login(cred, Path("/"), deadline)
    except BaseException:
        session.close()
        raise
    return session


@pytest.mark.parametrize("host", ["onsite-maxsess1", "onsite-su"])
def test_the_session_learns_the_servers_channel_limit(lab_state: lab.LabState, host: str) -> None:
    """Eight commands at once over one connection to a server allowing one or two sessions:
    all complete, the refusals teach the session the limit, and no channel is refused twice
    per command on average (it waits for a channel to close instead of hammering)."""
    sessions = lab.ONSITE_SESSIONS[host]
    deadline = time.monotonic() + 30
    session = logged_in(lab_state, host, deadline)
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: session.run(f"echo {i}", deadline), range(8)))
    finally:
        session.close()
    assert [r.text for r in results] == [f"{i}\n" for i in range(8)]
    assert all(r.exit_status == 0 for r in results)
    assert session.sessions == sessions
    assert 0 < session.refusals < 16


def test_a_nopasswd_host_is_never_sent_the_password(lab_state: lab.LabState) -> None:
    """sudo_password_env on the weak host, whose sudo asks nothing (NOPASSWD): the password is
    sent only when sudo shows its prompt, so even a command reading stdin never gets it."""
    deadline = time.monotonic() + 20
    session = logged_in(lab_state, "onsite-weak", deadline)
    secret = Elevation(Privilege.SUDO_PASSWORD, "lab-secret-never-sent", "sudo_password_env X")
    try:
        ran = session.run("id -u", deadline, elevation=secret)
        echoed = session.run("cat", time.monotonic() + 2, elevation=secret)
    finally:
        session.close()
    assert ran.text == "0\n" and ran.privilege == Privilege.SUDO_PASSWORD
    assert "lab-secret-never-sent" not in ran.command + echoed.command
    assert b"lab-secret-never-sent" not in echoed.stdout + echoed.stderr
    assert echoed.timed_out  # cat waited on a stdin that never brought the password


def test_the_cli_reports_what_lacked_privilege(lab_state: lab.LabState, tmp_path: Path) -> None:
    inv = inventory(lab_state, tmp_path, "onsite-su", "")
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    proc = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "run", str(inv), "--profile", "remote", "--json",
         "--db", db],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    lacking = [e for e in result["errors"] if e["privilege"] in ("none", "refused")]
    assert result["unverified_privilege"] == len(lacking) > 0
    shown = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "findings", "--errors", "--db", db],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert "inconclusive (privilege none): " in shown.stdout


#: The address of this file's own sshd (in the range of the real-host lab families).
OWN_ADDR = "127.0.10.9"


@contextmanager
def own_sshd(
    state: lab.LabState, tmp_path: Path, host: str, sessions: int
) -> Iterator[tuple[str, Path]]:
    """An sshd on :data:`OWN_ADDR` with ``MaxSessions sessions`` inside ``host``'s namespaces
    (its accounts, sudoers and PAM), with a host key of its own; yields the address and a
    known_hosts file. Stopped by PID at the end."""
    key = tmp_path / "ssh_host_ed25519_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(key)], check=True
    )
    config = write(
        tmp_path / "sshd_config",
        f"ListenAddress {OWN_ADDR}:22\nHostKey {key}\nPidFile none\nUsePAM yes\n"
        "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
        f"MaxSessions {sessions}\n",
    )
    current = lab.load_state(state.state_dir)
    assert current is not None
    anchor = current.process(f"anchor-{host}").pid
    log = tmp_path / "sshd.log"
    with log.open("wb") as sink:
        sshd = subprocess.Popen(  # nsenter execs sshd: the PID is sshd's
            ["nsenter", "-t", str(anchor), "-m", "-u", "--", "/usr/sbin/sshd", "-D", "-e",
             "-f", str(config)],
            stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        started = time.monotonic()
        while "Server listening" not in log.read_text(errors="replace"):
            assert sshd.poll() is None and time.monotonic() - started < 10, log.read_text()
            time.sleep(0.05)
        public = key.with_suffix(".pub").read_text().split()
        yield OWN_ADDR, write(tmp_path / "own_known_hosts", f"{OWN_ADDR} {public[0]} {public[1]}\n")
    finally:
        sshd.terminate()
        sshd.wait(5)


def test_maxsessions_2_and_sudo_with_a_password(lab_state: lab.LabState, tmp_path: Path) -> None:
    """The hardened baseline's pair, MaxSessions 2 and sudo asking the password, on an sshd of
    this test's own inside onsite-maxsess1 (the lab's onsite-hardened gets the same settings at
    its next restart): every check completes over one login."""
    with own_sshd(lab_state, tmp_path, "onsite-maxsess1", 2) as (address, known):
        text = MINIMAL.replace(
            "      - id: web\n        host: 127.0.10.1\n",
            f"      - id: host\n        onsite: {address}\n        credentials: audit\n"
            "        expected_services: [22/tcp]\n",
        ).replace("    modes: [remote]", ONSITE_PROFILE_LINES)
        text += (
            f"credentials:\n  audit:\n    username: {lab.AUDIT_USER}\n"
            f"    key_file: {lab_state.audit_key}\n    known_hosts: {known}\n"
            f"    sudo_password_env: {lab.AUDIT_SUDO_ENV}\n"
        )
        inv = load_inventory(write(tmp_path / "own.yaml", text))
        store = Store.open(f"sqlite:///{tmp_path / 'own.db'}")
        result = start_run(compile_run(inv, "remote"), store)
        attempts = store.attempts.of_run(result.run_id)
        log = (tmp_path / "sshd.log").read_text(errors="replace")
    assert log.count("Accepted publickey for audit") == 1
    assert [(a.check_id, a.reason) for a in attempts if a.status == "error"] == []
    checks = by_check(attempts)
    assert {checks[c].privilege for c in ROOT_CHECKS} == {"sudo_password"}
    assert checks["host.empty-password"].status == "pass"


def test_a_server_refusing_every_channel_ends_at_the_deadline(
    lab_state: lab.LabState, tmp_path: Path
) -> None:
    """sshd ``MaxSessions 0`` (logins, but no session channel at all): the command is refused,
    waited for and asked again until the deadline, then a timeout naming MaxSessions; bounded."""
    with own_sshd(lab_state, tmp_path, "onsite-weak", 0) as (address, known):
        line = known.read_text().split()
        trusted = paramiko.PKey.from_type_string(line[1], base64.b64decode(line[2]))
        deadline = time.monotonic() + 3
        session = SshSession(
            socket.create_connection((address, 22), timeout=5),
            address,
            [TrustedKey(trusted, "test")],
            deadline,
        )
        try:
            cred = Credential(username=lab.AUDIT_USER, key_file=lab_state.audit_key)
            session.login(cred, Path("/"), deadline)
            t0 = time.monotonic()
            with pytest.raises(TimeoutError, match="MaxSessions"):
                session.run("echo hi", deadline)
            assert time.monotonic() - t0 < 4
            assert session.refusals >= 2 and session.sessions == 1
        finally:
            session.close()
