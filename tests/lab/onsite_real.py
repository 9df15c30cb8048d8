"""On-site hosts as hardening baselines leave them (issue 14): how many sessions each host's sshd
allows, and how the lab audit user becomes root there.

CIS and MLPS baselines limit the sessions of one SSH connection (``MaxSessions``) and make sudo
ask for the user's password; a host without sudo is administered through ``su`` with root's
password, restricted to one group by pam_wheel. The audit must complete on such hosts too, so
the lab has them:

=================  ===========  ===========  ==================================================
host               address      MaxSessions  root for the audit user
=================  ===========  ===========  ==================================================
onsite-weak        127.0.10.5   (10)         ``sudo`` without a password (NOPASSWD)
onsite-hardened    127.0.10.6   2            ``sudo`` asking the audit user's password
onsite-maxsess1    127.0.10.7   1            ``sudo`` asking the audit user's password
onsite-su          127.0.10.8   2            no sudo; ``su`` with root's password, group sugroup
=================  ===========  ===========  ==================================================

onsite-maxsess1 and onsite-su are **derived** hosts: each gets every file of its profile host
(:data:`ONSITE_PROFILE`: onsite-hardened) from ``onsite_etc``, with its own identity (address,
hostname, host key, machine-id) and the differences above. The passwords are lab secrets
(``STATE/secrets/onsite-audit-sudo.password``, ``onsite-root.password``), written for whoever
runs an audit as ``STATE/secrets/onsite.env`` (``NAME=value`` lines: the variables of
:data:`ONSITE_ENV`, which the demo inventory's credentials name). The audit user's and root's
password hashes (SHA-512 crypt, made by ``openssl passwd -6 -stdin``: never on a command line)
go into each host's copy of /etc/shadow.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

from tests.lab.system import LabError, read_or_make_secret, write_file

#: Derived on-site hosts and the host whose files each gets.
ONSITE_PROFILE: Final[Mapping[str, str]] = MappingProxyType(
    {"onsite-maxsess1": "onsite-hardened", "onsite-su": "onsite-hardened"}
)
#: sshd ``MaxSessions`` per host (written first in its sshd_config: the first value wins).
ONSITE_SESSIONS: Final[Mapping[str, int]] = MappingProxyType(
    {"onsite-hardened": 2, "onsite-maxsess1": 1, "onsite-su": 2}
)
#: How the audit user becomes root on each host: the credential setting an audit needs.
ONSITE_PRIVILEGE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "onsite-weak": "sudo",
        "onsite-hardened": "sudo_password",
        "onsite-maxsess1": "sudo_password",
        "onsite-su": "su",
    }
)
#: The environment variables of STATE/secrets/onsite.env and the secret file behind each.
AUDIT_SUDO_ENV: Final = "LAB_AUDIT_SUDO_PASSWORD"
ROOT_SU_ENV: Final = "LAB_ROOT_PASSWORD"
ONSITE_ENV: Final[Mapping[str, str]] = MappingProxyType(
    {AUDIT_SUDO_ENV: "onsite-audit-sudo.password", ROOT_SU_ENV: "onsite-root.password"}
)
ONSITE_ENV_FILE: Final = "onsite.env"
#: The group pam_wheel lets use su on onsite-su (the audit user is its only member).
SU_GROUP: Final = "sugroup"
SU_GID: Final = 2908  # free here; 2900-2904 are the lab's other accounts and groups
#: sudoers defaults a hardening baseline sets (CIS 5.3: a pty, a log of every command).
_SUDO_DEFAULTS: Final = 'Defaults use_pty\nDefaults logfile="/var/log/sudo.log"\n'


def onsite_passwords(state_dir: Path) -> dict[str, str]:
    """The on-site passwords by variable (made once, kept), and STATE/secrets/onsite.env."""
    secrets_dir = state_dir / "secrets"
    values = {env: read_or_make_secret(secrets_dir / name) for env, name in ONSITE_ENV.items()}
    write_file(
        secrets_dir / ONSITE_ENV_FILE,
        "".join(f"{env}={value}\n" for env, value in values.items()),
        mode=0o600,
    )
    return values


def onsite_env(state_dir: Path) -> dict[str, str]:
    """The variables of STATE/secrets/onsite.env (empty when the lab has not written it)."""
    try:
        text = (state_dir / "secrets" / ONSITE_ENV_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def sshd_limits(host: str) -> str:
    """The sshd_config lines that limit ``host``'s sessions (empty: OpenSSH's default 10)."""
    sessions = ONSITE_SESSIONS.get(host)
    return "" if sessions is None else f"MaxSessions {sessions}\n"


def _crypt(password: str) -> str:
    """A SHA-512 crypt hash of ``password`` (given to openssl on stdin, not its arguments)."""
    try:
        res = subprocess.run(
            ["openssl", "passwd", "-6", "-stdin"],
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"openssl passwd failed: {exc}") from exc
    if res.returncode != 0 or not res.stdout.startswith("$6$"):
        raise LabError(f"openssl passwd failed (exit {res.returncode}): {res.stderr.strip()}")
    return res.stdout.strip()


def _edit(path: Path, text: str) -> None:
    """Replace a file of a host's copy keeping its mode and owner."""
    st = path.stat()
    write_file(path, text, mode=st.st_mode & 0o7777)
    os.chown(path, st.st_uid, st.st_gid)


def _set_hash(etc: Path, user: str, hashed: str) -> None:
    """Set ``user``'s password hash in the copy's shadow."""
    lines = (etc / "shadow").read_text(encoding="utf-8").splitlines()
    out = [
        ":".join([f[0], hashed, *f[2:]]) if f[0] == user and len(f) > 2 else line
        for line in lines
        for f in [line.split(":")]
    ]
    if out == lines:
        raise LabError(f"{etc}/shadow has no line for {user}")
    _edit(etc / "shadow", "\n".join(out) + "\n")


def onsite_privilege(state_dir: Path, etc: Path, host: str, user: str) -> None:
    """How ``user`` becomes root on ``host`` (:data:`ONSITE_PRIVILEGE`), in its copy of /etc:
    the sudoers rule, the password hashes, and on onsite-su pam_wheel for su."""
    how = ONSITE_PRIVILEGE[host]
    rule = etc / "sudoers.d" / user
    if how == "sudo":
        return  # onsite_etc's NOPASSWD rule stays
    passwords = onsite_passwords(state_dir)
    if how == "sudo_password":
        write_file(
            rule,
            f"# Generated by tests/lab/lab.py ({host}): sudo asks {user}'s password.\n"
            f"{_SUDO_DEFAULTS}{user} ALL=(root) ALL\n",
            mode=0o440,
        )
        _set_hash(etc, user, _crypt(passwords[AUDIT_SUDO_ENV]))
        return
    rule.unlink(missing_ok=True)  # su: no sudo rule for the user at all
    _set_hash(etc, "root", _crypt(passwords[ROOT_SU_ENV]))
    group = (etc / "group").read_text(encoding="utf-8")
    _edit(etc / "group", group + f"{SU_GROUP}:x:{SU_GID}:{user}\n")
    if (etc / "gshadow").exists():
        gshadow = (etc / "gshadow").read_text(encoding="utf-8")
        _edit(etc / "gshadow", gshadow + f"{SU_GROUP}:!::{user}\n")
    pam = etc / "pam.d" / "su"
    lines = [
        line for line in pam.read_text(encoding="utf-8").splitlines() if "pam_wheel" not in line
    ]
    # after pam_rootok (root itself may still su), where Debian's commented example stands
    rootok = [i for i, line in enumerate(lines) if "pam_rootok" in line and line.startswith("auth")]
    first = (
        rootok[0] + 1 if rootok else next(i for i, ln in enumerate(lines) if ln.startswith("auth"))
    )
    lines.insert(first, f"auth       required   pam_wheel.so use_uid group={SU_GROUP}")
    _edit(pam, "\n".join(lines) + "\n")
