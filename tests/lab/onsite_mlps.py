"""The on-site hosts' fixtures for the MLPS level-3 host checks (issue 14, coverage): applied to
each host's copy of /etc (and a few per-host folders) after ``onsite_etc`` has built it.

**onsite-weak** carries every weakness: no login lockout, no TMOUT, sshd without
ClientAliveInterval or AllowUsers/AllowGroups, sudo rules with NOPASSWD and full root for a
non-admin in a 0644 sudoers file, su open to all, an auditd configuration that writes no logs,
rotates them away, has one rule and no ``-e 2`` (and no auditd running), no log forwarding, a
system account (games) with a shell and a password, an expired MD5-hashed account (olduser),
``ENCRYPT_METHOD MD5``, no password history, no second factor, /etc/shadow 0644, umask 022,
open cron files and no cron.allow, no AppArmor/SELinux, telnet in inetd.conf (and the
machine's telnetd, inetd and plain vsftpd packages), no anti-malware, no HIDS, no AIDE, and
weak sysctls in /etc/sysctl.d.

**onsite-hardened** gets each right. What is fixture and not real there: the PAM modules
named (pam_faillock, pam_pwhistory, pam_wheel are Debian's own; pam_google_authenticator is
configured for sshd's PAM stack, which key logins never run, and need not be installed), an
``auditd`` that is a stand-in process (a copy of ``sleep`` named auditd, started by
``onsite.py`` in the host's namespace: no real auditd can reach the kernel's audit system from
here), audit rules that are read from files (no ``auditctl``), AppArmor and fail2ban and
journal-upload enabled by their links only, a ClamAV signature database that is a header with
today's build time, an AIDE database of fixture bytes, the package database (a copy of the
machine's dpkg folder, made at start, whose status leaves out the clear-text servers and
inetd), and sysctl files (the live values are the machine's).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from tests.lab.system import LabError, make_dir, run_tool, write_file

GAMES_HASH: Final = "$6$labsalt$" + "x" * 86  # a SHA-512-shaped hash nobody can match
OLDUSER: Final = "olduser"
OLDUSER_UID: Final = 2902
OLDUSER_HASH: Final = "$1$labsalt$" + "y" * 22  # MD5-crypt shaped
WHEEL_GID: Final = 2903  # hardened: su is for the wheel group (the audit user in it)
SSHUSERS_GID: Final = 2904  # hardened: AllowGroups sshusers (the audit user in it)
#: sshd settings added to each host's sshd_config (before the host's own settings).
MLPS_SSHD: Final = {
    "onsite-weak": {},
    "onsite-hardened": {
        "ClientAliveInterval": "300",
        "ClientAliveCountMax": "2",
        "AllowGroups": "sshusers",
    },
}
WEAK_SUDOERS: Final = (
    "# lab fixture (onsite-weak): broad and passwordless sudo rules, mode 0644\n"
    "labops ALL=(ALL) ALL\n"
    "labdev ALL=(ALL) NOPASSWD: ALL\n"
)
WEAK_SYSCTL: Final = (
    "# lab fixture (onsite-weak): hardening switched off\nnet.ipv4.ip_forward = 1\n"
    "net.ipv4.conf.all.accept_redirects = 1\nnet.ipv4.conf.all.send_redirects = 1\n"
    "net.ipv4.conf.all.accept_source_route = 1\nnet.ipv4.tcp_syncookies = 0\n"
    "kernel.randomize_va_space = 0\n"
)
HARDENED_SYSCTL: Final = (
    "# lab fixture (onsite-hardened)\nnet.ipv4.ip_forward = 0\n"
    "net.ipv4.conf.all.accept_redirects = 0\nnet.ipv4.conf.all.send_redirects = 0\n"
    "net.ipv4.conf.all.accept_source_route = 0\nnet.ipv4.tcp_syncookies = 1\n"
    "kernel.randomize_va_space = 2\n"
)
HARDENED_AUDIT_RULES: Final = (
    "# lab fixture (onsite-hardened): the rest of the MLPS audit coverage\n"
    "-w /etc/gshadow -p wa -k identity\n-w /etc/sudoers.d -p wa -k scope\n"
    "-w /var/run/faillock -p wa -k logins\n"
    "-a always,exit -F arch=b64 -S adjtimex,settimeofday,clock_settime -k time-change\n"
    "-w /etc/localtime -p wa -k time-change\n"
    "-a always,exit -F path=/usr/bin/sudo -F perm=x -F auid>=1000 -F auid!=unset -k privileged\n"
    "-a always,exit -F path=/usr/bin/su -F perm=x -F auid>=1000 -F auid!=unset -k privileged\n"
)
#: Folders on this machine the hardened host's copies are mounted over (made empty if absent).
MOUNT_POINTS: Final = ("/var/lib/clamav", "/var/lib/aide")
#: Packages the hardened host's dpkg status leaves out (the machine has them for the lab).
HARDENED_REMOVED: Final = ("inetutils-telnetd", "inetutils-inetd", "vsftpd", "telnetd")


def _edit(path: Path, edit: Callable[[str], str]) -> None:
    """Rewrite ``path`` through ``edit(text) -> text``, keeping mode and owner."""
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    new = edit(text)
    write_file(path, new, mode=st.st_mode & 0o7777)
    os.chown(path, st.st_uid, st.st_gid)


def _append(path: Path, text: str, mode: int = 0o644) -> None:
    if path.exists():
        _edit(path, lambda old: old + ("" if old.endswith("\n") or not old else "\n") + text)
    else:
        write_file(path, text, mode=mode)


def _link(etc: Path, target: str, unit: str) -> None:
    wants = make_dir(etc / "systemd" / "system" / target)
    (wants / unit).unlink(missing_ok=True)
    (wants / unit).symlink_to(f"/lib/systemd/system/{unit}")


def _set_defs(path: Path, values: dict[str, str]) -> None:
    """Set login.defs keywords (replacing the active line, else appending)."""

    def edit(text: str) -> str:
        for key, value in values.items():
            line = f"{key}\t\t{value}"
            if re.search(rf"^{key}\s", text, re.M):
                text = re.sub(rf"^{key}\s.*$", line, text, count=1, flags=re.M)
            else:
                text += ("" if text.endswith("\n") else "\n") + line + "\n"
        return text

    _edit(path, edit)


def _sshd(etc: Path, name: str) -> None:
    """The host's MLPS sshd settings, after the first line of its sshd_config."""
    settings = MLPS_SSHD[name]
    if not settings:
        return
    lines = "".join(f"{k} {v}\n" for k, v in settings.items())
    _edit(etc / "ssh" / "sshd_config", lambda t: t.replace("\n", "\n" + lines, 1))


def _accounts(etc: Path, weak: bool) -> None:
    today = int(time.time() // 86400)
    if weak:
        _edit(
            etc / "passwd",
            lambda t: re.sub(r"^(games:[^\n]*:)[^:\n]*$", r"\1/bin/sh", t, count=1, flags=re.M),
        )
        _edit(
            etc / "shadow",
            lambda t: re.sub(r"^games:[^:\n]*:", f"games:{GAMES_HASH}:", t, count=1, flags=re.M),
        )
        _append(etc / "passwd", f"{OLDUSER}:x:{OLDUSER_UID}:{OLDUSER_UID}:lab stale account:"
                f"/home/{OLDUSER}:/bin/bash\n")  # fmt: skip
        _append(etc / "shadow", f"{OLDUSER}:{OLDUSER_HASH}:{today - 1000}:0:90:7::{today - 100}:\n")
        _append(etc / "group", f"{OLDUSER}:x:{OLDUSER_UID}:\n")
        os.chmod(etc / "shadow", 0o644)
        _set_defs(etc / "login.defs", {"ENCRYPT_METHOD": "MD5"})
        return
    _append(etc / "group", f"wheel:x:{WHEEL_GID}:audit\nsshusers:x:{SSHUSERS_GID}:audit\n")
    if (etc / "gshadow").exists():
        _append(etc / "gshadow", "wheel:!::audit\nsshusers:!::audit\n")
    _append(etc / "default" / "useradd", "INACTIVE=30\n")
    _set_defs(etc / "login.defs", {"ENCRYPT_METHOD": "SHA512", "UMASK": "027"})


def _pam(etc: Path, weak: bool) -> None:
    if weak:
        return
    pam = etc / "pam.d"

    def auth(text: str) -> str:
        lines = text.splitlines()
        unix = next(i for i, ln in enumerate(lines) if ln.startswith("auth") and "pam_unix" in ln)
        # pam_unix's success jumps over the lines after it: one more now (the authfail line),
        # else a right password lands on pam_deny (pam_faillock(8)'s Debian layout)
        lines[unix] = re.sub(
            r"success=(\d+)", lambda m: f"success={int(m.group(1)) + 1}", lines[unix], count=1
        )
        lines.insert(unix + 1, "auth\t[default=die]\t\t\tpam_faillock.so authfail")
        lines.insert(unix, "auth\trequired\t\t\tpam_faillock.so preauth")
        return "\n".join(lines) + "\n"

    def password(text: str) -> str:
        lines = text.splitlines()
        unix = next(
            i for i, ln in enumerate(lines) if ln.startswith("password") and "pam_unix" in ln
        )
        lines.insert(unix, "password\trequired\t\t\tpam_pwhistory.so remember=5 use_authtok")
        return "\n".join(lines) + "\n"

    _edit(pam / "common-auth", auth)
    _edit(pam / "common-password", password)
    _edit(
        pam / "su",
        lambda t: re.sub(
            r"^# auth\s+required\s+pam_wheel\.so$",
            "auth       required   pam_wheel.so use_uid group=wheel",
            t,
            count=1,
            flags=re.M,
        ),
    )
    _edit(pam / "sshd", lambda t: t.replace(
        "@include common-auth", "@include common-auth\nauth required pam_google_authenticator.so",
        1))  # fmt: skip
    write_file(etc / "security" / "faillock.conf", "# lab fixture\ndeny = 5\nunlock_time = 900\n")


def _shell(etc: Path, weak: bool) -> None:
    if weak:
        return
    write_file(etc / "profile.d" / "lab-tmout.sh", "readonly TMOUT=600\nexport TMOUT\n")
    write_file(etc / "profile.d" / "lab-umask.sh", "umask 027\n")


def _sudo(etc: Path, weak: bool) -> None:
    if weak:
        write_file(etc / "sudoers.d" / "lab-weak", WEAK_SUDOERS, mode=0o644)


def _audit(etc: Path, varlog: Path, weak: bool) -> None:
    audit = etc / "audit"
    if weak:
        make_dir(audit, 0o750)
        write_file(
            audit / "auditd.conf",
            "# lab fixture (onsite-weak)\nwrite_logs = no\nlog_file = /var/log/audit/audit.log\n"
            "max_log_file_action = ROTATE\nnum_logs = 2\n",
            mode=0o640,
        )
        write_file(
            make_dir(audit / "rules.d", 0o750) / "weak.rules",
            "# lab fixture (onsite-weak)\n-w /etc/passwd -p wa -k identity\n",
            mode=0o640,
        )
        logs = make_dir(varlog / "audit", 0o755)
        write_file(logs / "audit.log", "", mode=0o644)
        return
    write_file(audit / "rules.d" / "50-mlps.rules", HARDENED_AUDIT_RULES, mode=0o640)
    write_file(audit / "rules.d" / "99-finalize.rules", "-e 2\n", mode=0o640)
    write_file(varlog / "audit" / "audit.log", "", mode=0o600)


def _logs(etc: Path, weak: bool) -> None:
    if weak:
        return
    write_file(
        etc / "systemd" / "journal-upload.conf",
        "# lab fixture: nothing uploads in the lab\n[Upload]\nURL=https://loghost.lab.invalid:19532\n",
    )
    _link(etc, "multi-user.target.wants", "systemd-journal-upload.service")


def _files(etc: Path, weak: bool) -> None:
    if weak:
        write_file(etc / "crontab", "# lab fixture: a system crontab open to others\n", mode=0o644)
        _append(
            etc / "inetd.conf", "telnet\tstream\ttcp\tnowait\troot\t/usr/sbin/telnetd\ttelnetd\n"
        )
        return
    write_file(etc / "crontab", "# lab fixture\n", mode=0o600)
    for folder in ("cron.hourly", "cron.daily", "cron.weekly", "cron.monthly", "cron.d"):
        if (etc / folder).is_dir():
            os.chmod(etc / folder, 0o700)
    write_file(etc / "cron.allow", "root\n", mode=0o640)
    for conf in ("inetd.conf", "vsftpd.conf"):
        (etc / conf).unlink(missing_ok=True)


def _security(etc: Path, base: Path, weak: bool) -> dict[str, Path]:
    system = etc / "systemd" / "system"
    for link in system.glob("*.wants/apparmor.service"):
        link.unlink()
    (etc / "selinux" / "config").unlink(missing_ok=True)
    if weak:
        write_file(etc / "sysctl.d" / "99-lab-weak.conf", WEAK_SYSCTL)
        return {}
    _link(etc, "sysinit.target.wants", "apparmor.service")
    if not [p for p in (etc / "apparmor.d").glob("*") if p.is_file()]:
        write_file(etc / "apparmor.d" / "usr.sbin.lab", "profile lab /usr/sbin/lab {\n}\n")
    write_file(etc / "fail2ban" / "jail.local", "# lab fixture\n[sshd]\nenabled = true\n")
    _link(etc, "multi-user.target.wants", "fail2ban.service")
    write_file(
        etc / "aide" / "aide.conf", "# lab fixture\ndatabase_in=file:/var/lib/aide/aide.db\n"
    )
    write_file(etc / "cron.daily" / "aide", "#!/bin/sh\n# lab fixture\naide --check\n", mode=0o755)
    write_file(etc / "sysctl.d" / "60-lab-hardening.conf", HARDENED_SYSCTL)
    for point in MOUNT_POINTS:
        Path(point).mkdir(parents=True, exist_ok=True)  # the machine's own: an empty mount point
    clamav = make_dir(base / "clamav", 0o755)
    stamp = time.strftime("%d %b %Y %H-%M +0000", time.gmtime())
    header = f"ClamAV-VDB:{stamp}:27479:2075000:90:lab-fixture:lab:0".ljust(512)
    write_file(clamav / "daily.cld", header + "\n")
    aide = make_dir(base / "aide", 0o700)
    write_file(aide / "aide.db", "# lab fixture: an AIDE baseline\n", mode=0o600)
    # A copy of the whole dpkg folder, not a file mounted over status: dpkg replaces status by
    # renaming a new file over it, and that detaches a file mount in every other namespace.
    dpkg = base / "dpkg"
    if dpkg.exists():
        run_tool(["rm", "-rf", "--one-file-system", "--", str(dpkg)], f"rm -rf {dpkg}")
    run_tool(["cp", "-a", "--", "/var/lib/dpkg", str(dpkg)], "cp -a /var/lib/dpkg")
    status = (dpkg / "status").read_text(encoding="utf-8")
    stanzas = [s for s in status.split("\n\n") if s.strip()]
    kept = [s for s in stanzas if not re.match(rf"Package: (?:{'|'.join(HARDENED_REMOVED)})\n", s)]
    if len(kept) == len(stanzas):
        raise LabError("the machine's dpkg status has none of the lab's clear-text servers")
    write_file(dpkg / "status", "\n\n".join(kept) + "\n")
    return {
        "/var/lib/clamav": clamav,
        "/var/lib/aide": aide,
        "/var/lib/dpkg": dpkg,
    }


def _firewall(etc: Path, weak: bool) -> None:
    if not weak:
        _edit(
            etc / "nftables.conf",
            lambda t: t.replace(
                "\t\ttcp dport 22 accept", "\t\tip saddr 127.0.0.0/8 tcp dport 22 accept"
            ),
        )


def onsite_mlps(etc: Path, base: Path, varlog: Path, name: str) -> dict[str, Path]:
    """Apply the host's MLPS fixtures; return the extra mounts {mount point: source}."""
    weak = name == "onsite-weak"
    _sshd(etc, name)
    _accounts(etc, weak)
    _pam(etc, weak)
    _shell(etc, weak)
    _sudo(etc, weak)
    _audit(etc, varlog, weak)
    _logs(etc, weak)
    _files(etc, weak)
    _firewall(etc, weak)
    return _security(etc, base, weak)
