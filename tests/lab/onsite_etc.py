"""The on-site hosts' own files: each host's copy of /etc (and /home, /root, /var/log,
/var/lib/apt/lists, on the weak host /usr/local/sbin), edited into what the host audits show.

Both hosts get the lab audit user (:data:`AUDIT_USER`, key login, sudo: onsite_real), their own
hostname, machine-id and ed25519 host key. **onsite-weak** is configured badly: sshd with root
login, password auth and empty passwords, an extra UID 0 account (toor), an account with an empty
password (guest), ``PASS_MAX_DAYS 99999``, a world-writable file in /etc, logs kept 4 weeks, no
auditd, a volatile journal and no syslog config, no pwquality, no time sync enabled, an unusual
SUID binary, no firewall, and one pending security update. **onsite-hardened** gets each of these
right: ``PASS_MAX_DAYS 90``, pam_pwquality (minlen 12, 3 classes), systemd-timesyncd enabled, logs
kept 26 weeks, auditd configured, a persistent journal, an nftables default-drop input chain
enabled at boot, and nothing to upgrade.

Nothing here is ever run or loaded: the hosts share this machine's network namespace (so its live
firewall ruleset is theirs), no timesyncd or auditd runs, and apt only simulates against package
lists the lab writes itself (source ``security.lab.invalid``, never fetched). A copy is made
afresh from the real /etc on every start; only the host keys and machine-id are kept.
"""

from __future__ import annotations

import contextlib
import grp
import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

from tests.lab.hosts import LAB_HOSTS
from tests.lab.onsite_mlps import onsite_mlps
from tests.lab.onsite_real import ONSITE_PROFILE, onsite_privilege, sshd_limits
from tests.lab.system import LabError, make_dir, run_tool, write_file

#: The lab audit user on both on-site hosts (key STATE/keys/audit_ed25519, password locked "!").
AUDIT_USER: Final = "audit"
AUDIT_UID: Final = 2900  # also its group's gid; must be free in the real /etc/passwd
GUEST_UID: Final = 2901  # the weak host's "guest" (empty password hash, shell nologin)
ONSITE_MARKER: Final = "lab-host"  # /etc/lab-host in a host's copy holds the host's name

#: sshd settings of each on-site host (written to its /etc/ssh/sshd_config).
ONSITE_SSHD: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "onsite-weak": MappingProxyType(
            {
                "PermitRootLogin": "yes",
                "PasswordAuthentication": "yes",
                "PermitEmptyPasswords": "yes",
                "MaxAuthTries": "10",
                "X11Forwarding": "yes",
            }
        ),
        "onsite-hardened": MappingProxyType(
            {
                "PermitRootLogin": "no",
                "PasswordAuthentication": "no",
                "PermitEmptyPasswords": "no",
                "MaxAuthTries": "3",
                "X11Forwarding": "no",
                "AllowTcpForwarding": "no",
                "AllowAgentForwarding": "no",
                "LoginGraceTime": "30",
                # Modern algorithms only, like the hardened remote sshd (net.ssh-weak-algorithms
                # reports OpenSSH's stock SHA-1 and 64-bit-tag MACs).
                "KexAlgorithms": "sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
                "curve25519-sha256@libssh.org",
                "Ciphers": "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,"
                "aes128-gcm@openssh.com",
                "MACs": "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com",
            }
        ),
    }
)
#: /etc/login.defs values of each on-site host.
ONSITE_LOGIN_DEFS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "onsite-weak": MappingProxyType(
            {"PASS_MAX_DAYS": "99999", "PASS_MIN_DAYS": "0", "PASS_WARN_AGE": "7"}
        ),
        "onsite-hardened": MappingProxyType(
            {"PASS_MAX_DAYS": "90", "PASS_MIN_DAYS": "1", "PASS_WARN_AGE": "14"}
        ),
    }
)
#: logrotate keeps this many weekly rotations (weak: 4 weeks; hardened: 26 weeks = 182 days).
ONSITE_LOG_ROTATE_WEEKS: Final[Mapping[str, int]] = MappingProxyType(
    {"onsite-weak": 4, "onsite-hardened": 26}
)
HARDENED_PWQUALITY: Final = (
    "minlen = 12\nminclass = 3\ndcredit = -1\nucredit = -1\nlcredit = -1\nocredit = -1\n"
    "maxrepeat = 3\ndictcheck = 1\nenforce_for_root\n"
)
_SYSLOG_FILES: Final = (
    "/var/log/syslog",
    "/var/log/auth.log",
    "/var/log/kern.log",
    "/var/log/daemon.log",
    "/var/log/messages",
)


def _mounts_under(path: Path) -> list[str]:
    """Mount points (in this process's mount namespace) at or below ``path``."""
    prefix = str(path)
    found = []
    for line in Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point == prefix or point.startswith(prefix + "/"):
            found.append(point)
    return found


def _fresh_dir(path: Path, mode: int = 0o755) -> Path:
    """Remove ``path`` (never across a mount) and make it again, empty, with ``mode``."""
    if path.exists() or path.is_symlink():
        if mounted := _mounts_under(path):
            raise LabError(f"{path} has mounts in the lab's own namespace: {mounted}")
        run_tool(["rm", "-rf", "--one-file-system", "--", str(path)], f"rm -rf {path}")
    path.mkdir(parents=True)
    os.chmod(path, mode)
    return path


def _rewrite(path: Path, text: str) -> None:
    """Replace a file of a host's /etc copy, keeping its mode and owner (a new file: 0644)."""
    if path.is_symlink():
        raise LabError(f"{path} is a symlink: refusing to edit it")
    try:
        st = path.stat()
    except FileNotFoundError:
        write_file(path, text)
        return
    write_file(path, text, mode=st.st_mode & 0o7777)
    os.chown(path, st.st_uid, st.st_gid)


def _append(path: Path, *lines: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    _rewrite(path, text + "".join(line + "\n" for line in lines))


def _set_keywords(path: Path, values: Mapping[str, str], sep: str = "\t") -> None:
    """Set ``KEY<sep>VALUE`` lines (login.defs style), replacing active lines, else appending."""
    out, seen = [], set()
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for line in text.splitlines():
        words = line.split()
        if words and words[0] in values and not line.lstrip().startswith("#"):
            if words[0] not in seen:
                out.append(f"{words[0]}{sep}{values[words[0]]}")
                seen.add(words[0])
            continue
        out.append(line)
    out += [f"{k}{sep}{v}" for k, v in values.items() if k not in seen]
    _rewrite(path, "\n".join(out) + "\n")


def _onsite_accounts(etc: Path, weak: bool, audit_pub: str, home: Path) -> None:
    """The lab audit user (both hosts), and on the weak host toor (UID 0) and guest (empty
    password hash)."""
    passwd = (etc / "passwd").read_text(encoding="utf-8")
    users = {line.split(":")[0] for line in passwd.splitlines() if line}
    uids = {line.split(":")[2] for line in passwd.splitlines() if line.count(":") >= 2}
    for user, uid in ((AUDIT_USER, AUDIT_UID), ("guest", GUEST_UID), ("toor", None)):
        if user in users or (uid is not None and str(uid) in uids):
            raise LabError(f"the system already has user {user} or UID {uid}: pick other ones")
    today = int(time.time() // 86400)
    max_days = 99999 if weak else 90
    pw = [f"{AUDIT_USER}:x:{AUDIT_UID}:{AUDIT_UID}:lab audit user:/home/{AUDIT_USER}:/bin/bash"]
    sh = [f"{AUDIT_USER}:!:{today}:0:{max_days}:7:::"]
    gr, gs = [f"{AUDIT_USER}:x:{AUDIT_UID}:"], [f"{AUDIT_USER}:!::"]
    if weak:
        pw += [
            "toor:x:0:0:lab extra root account:/root:/bin/sh",
            f"guest:x:{GUEST_UID}:{GUEST_UID}:lab guest:/home/guest:/usr/sbin/nologin",
        ]
        sh += [f"toor:!:{today}:0:99999:7:::", f"guest::{today}:0:99999:7:::"]
        gr.append(f"guest:x:{GUEST_UID}:")
        gs.append("guest:!::")
    _append(etc / "passwd", *pw)
    _append(etc / "shadow", *sh)
    _append(etc / "group", *gr)
    if (etc / "gshadow").exists():
        _append(etc / "gshadow", *gs)
    if not weak:  # the copied system accounts must not spoil the hardened host
        lines = (etc / "shadow").read_text(encoding="utf-8").splitlines()
        fixed = [
            ":".join([f[0], "!", *f[2:]]) if len(f) > 1 and f[1] == "" else line
            for line in lines
            for f in [line.split(":")]
        ]
        if fixed != lines:
            _rewrite(etc / "shadow", "\n".join(fixed) + "\n")
        extra_root = [
            line.split(":")[0]
            for line in (etc / "passwd").read_text(encoding="utf-8").splitlines()
            if line.count(":") >= 2 and line.split(":")[2] == "0" and not line.startswith("root:")
        ]
        if extra_root:
            raise LabError(f"the system's /etc/passwd has extra UID 0 accounts: {extra_root}")
    ssh_dir = make_dir(home / AUDIT_USER / ".ssh", 0o700)
    write_file(ssh_dir / "authorized_keys", audit_pub + "\n", mode=0o600)
    for path in (home / AUDIT_USER, ssh_dir, ssh_dir / "authorized_keys"):
        os.chown(path, AUDIT_UID, AUDIT_UID)
    os.chmod(home / AUDIT_USER, 0o750)  # noqa: S103 - group audit only
    if weak:
        guest = make_dir(home / "guest", 0o755)
        os.chown(guest, GUEST_UID, GUEST_UID)


def _onsite_logging(etc: Path, varlog: Path, name: str, weak: bool) -> None:
    """logrotate (weekly; 4 or 26 rotations), journald storage, auditd config, /var/log."""
    weeks = ONSITE_LOG_ROTATE_WEEKS[name]
    logrotate_d = etc / "logrotate.d"
    if not weak:  # hardened: only the files written here, each keeping >= 180 days
        _fresh_dir(logrotate_d)
    _rewrite(
        etc / "logrotate.conf",
        f"# Generated by tests/lab/lab.py ({name}).\nweekly\nrotate {weeks}\ncreate\n"
        "include /etc/logrotate.d\n",
    )
    _rewrite(
        logrotate_d / "rsyslog",
        "\n".join(_SYSLOG_FILES)
        + f"\n{{\n\tweekly\n\trotate {weeks}\n\tmissingok\n\tnotifempty\n\tcompress\n"
        "\tdelaycompress\n\tsharedscripts\n}\n",
    )
    storage = "volatile" if weak else "persistent"
    _rewrite(
        etc / "systemd" / "journald.conf",
        f"# Generated by tests/lab/lab.py ({name}).\n[Journal]\nStorage={storage}\n",
    )
    for fname, mode in (("wtmp", 0o664), ("btmp", 0o660), ("lastlog", 0o664)):
        write_file(varlog / fname, "", mode=mode)
        with contextlib.suppress(KeyError):
            os.chown(varlog / fname, 0, grp.getgrnam("utmp").gr_gid)
    if weak:
        _fresh_dir(etc / "audit")
        (etc / "audit").rmdir()
        return
    journal = make_dir(varlog / "journal", 0o2755)
    with contextlib.suppress(KeyError):
        os.chown(journal, 0, grp.getgrnam("systemd-journal").gr_gid)
    make_dir(varlog / "audit", 0o700)
    audit = make_dir(etc / "audit", 0o750)
    write_file(
        audit / "auditd.conf",
        "# Generated by tests/lab/lab.py (onsite-hardened).\nlocal_events = yes\n"
        "write_logs = yes\nlog_file = /var/log/audit/audit.log\nlog_group = root\n"
        "log_format = ENRICHED\nflush = INCREMENTAL_ASYNC\nfreq = 50\nmax_log_file = 50\n"
        "num_logs = 10\nmax_log_file_action = keep_logs\nspace_left_action = email\n"
        "admin_space_left_action = halt\ndisk_full_action = halt\ndisk_error_action = halt\n",
        mode=0o640,
    )
    write_file(
        make_dir(audit / "rules.d", 0o750) / "lab.rules",
        "# Generated by tests/lab/lab.py (onsite-hardened).\n-D\n-b 8192\n"
        "-w /etc/passwd -p wa -k identity\n-w /etc/shadow -p wa -k identity\n"
        "-w /etc/group -p wa -k identity\n-w /etc/sudoers -p wa -k scope\n"
        "-w /etc/ssh/sshd_config -p wa -k sshd\n-w /var/log/lastlog -p wa -k logins\n",
        mode=0o640,
    )


#: The hardened host's boot-time firewall (host.firewall-inactive reads it; the lab never loads
#: it: the on-site hosts share this machine's network namespace and its live ruleset).
HARDENED_NFTABLES: Final = """#!/usr/sbin/nft -f
# Generated by tests/lab/lab.py (onsite-hardened): drop unsolicited input, allow SSH.
flush ruleset

table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		ct state established,related accept
		ct state invalid drop
		meta l4proto { icmp, ipv6-icmp } accept
		tcp dport 22 accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
	chain output {
		type filter hook output priority filter; policy accept;
	}
}
"""
_FIREWALL_UNITS: Final = ("nftables.service", "ufw.service", "firewalld.service")


def _onsite_firewall(etc: Path, weak: bool) -> None:
    """No firewall configured on the weak host (what the copy inherited goes); on the hardened
    host an nftables.conf with a default-drop input chain, enabled at boot (the link that
    ``systemctl enable nftables`` makes)."""
    for link in (etc / "systemd" / "system").glob("*.wants/*"):
        if link.name in _FIREWALL_UNITS:
            link.unlink()
    (etc / "nftables.conf").unlink(missing_ok=True)
    (etc / "ufw" / "ufw.conf").unlink(missing_ok=True)
    if weak:
        return
    write_file(etc / "nftables.conf", HARDENED_NFTABLES, mode=0o755)
    wants = make_dir(etc / "systemd" / "system" / "sysinit.target.wants")
    (wants / "nftables.service").symlink_to("/lib/systemd/system/nftables.service")


#: The on-site hosts' only apt source: a security suite whose lists the lab writes itself
#: (bind-mounted over /var/lib/apt/lists). apt only simulates there; nothing is ever fetched.
ONSITE_APT_SOURCE: Final = (
    "deb [trusted=yes] http://security.lab.invalid/debian-security bookworm-security main"
)
_ONSITE_APT_LIST: Final = "security.lab.invalid_debian-security_dists_bookworm-security"
#: An installed package (in DEBIAN_PACKAGES) whose newer version the weak host's suite offers:
#: installed version + this suffix (host.pending-security-updates finds exactly one update).
ONSITE_APT_PACKAGE: Final = "netbase"
ONSITE_APT_BUMP: Final = "+lab1"
_APT_FIELDS: Final = (
    "Version",
    "Architecture",
    "Multi-Arch",
    "Installed-Size",
    "Maintainer",
    "Pre-Depends",
    "Depends",
    "Conflicts",
    "Breaks",
    "Replaces",
    "Provides",
)


def _onsite_apt(base: Path, etc: Path, weak: bool) -> Path:
    """The host's apt sources (the lab's security suite only) and package lists; returns the
    lists folder to mount over /var/lib/apt/lists. The weak host's suite offers
    ONSITE_APT_PACKAGE at its installed version + ONSITE_APT_BUMP, the hardened host's at the
    installed version (nothing to upgrade)."""
    # The installed package's own fields: apt tells versions apart by these as well as by the
    # version string, so the hardened host's copy is the installed version itself.
    query = ["dpkg-query", "-W", "-f", "".join(f"${{{f}}}\\n" for f in _APT_FIELDS)]
    out = run_tool([*query, ONSITE_APT_PACKAGE], f"dpkg-query {ONSITE_APT_PACKAGE}").split("\n")
    installed = dict(zip(_APT_FIELDS, out, strict=False))
    version = installed["Version"]
    arch = run_tool(["dpkg", "--print-architecture"], "dpkg --print-architecture").strip()
    (etc / "apt" / "sources.list").unlink(missing_ok=True)
    parts = _fresh_dir(etc / "apt" / "sources.list.d")
    write_file(
        parts / "lab-security.list", f"# Generated by tests/lab/lab.py.\n{ONSITE_APT_SOURCE}\n"
    )
    lists = _fresh_dir(base / "apt-lists")
    make_dir(lists / "partial", 0o700)
    write_file(
        lists / f"{_ONSITE_APT_LIST}_Release",
        "Origin: Debian\nLabel: Debian-Security\nSuite: bookworm-security\n"
        f"Codename: bookworm-security\nVersion: 12\n"
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S UTC', time.gmtime())}\n"
        f"Architectures: {arch} all\nComponents: main\n"
        "Description: lab security suite (tests/lab/lab.py; never fetched)\n",
    )
    installed["Version"] = version + ONSITE_APT_BUMP if weak else version
    stanza = f"Package: {ONSITE_APT_PACKAGE}\n"
    stanza += "".join(f"{k}: {v}\n" for k, v in installed.items() if v.strip())
    write_file(
        lists / f"{_ONSITE_APT_LIST}_main_binary-{arch}_Packages",
        f"{stanza}Section: admin\nPriority: optional\n"
        f"Filename: pool/main/lab/{ONSITE_APT_PACKAGE}_{installed['Version']}.deb\n"
        "Size: 1000\nDescription: lab fixture (tests/lab/lab.py)\n never downloaded\n\n",
    )
    return lists


#: The PAM line that loads pam_pwquality on the hardened host (written into its copy of
#: /etc/pam.d/common-password as pam-auth-update would; libpam-pwquality itself need not be
#: installed: only password changes would use it, and nothing changes a password in the lab).
HARDENED_PAM_PWQUALITY: Final = "password\trequisite\t\t\tpam_pwquality.so retry=3"
_TIME_UNITS: Final = (
    "systemd-timesyncd.service",
    "dbus-org.freedesktop.timesync1.service",
    "chrony.service",
    "chronyd.service",
    "ntp.service",
    "ntpd.service",
    "ntpsec.service",
    "openntpd.service",
)


def _onsite_pam(etc: Path, weak: bool) -> None:
    """pam_pwquality on the hardened host's password stack (before pam_unix), none on the weak
    host (it also has no pwquality.conf: see onsite_etc)."""
    pam = etc / "pam.d" / "common-password"
    lines = [
        line
        for line in pam.read_text(encoding="utf-8").splitlines()
        if "pam_pwquality" not in line and "pam_cracklib" not in line
    ]
    if weak:
        _fresh_dir(etc / "security" / "pwquality.conf.d")
        (etc / "security" / "pwquality.conf.d").rmdir()
    else:
        first = next(
            i for i, line in enumerate(lines) if line.startswith("password") and "pam_unix" in line
        )
        lines.insert(first, HARDENED_PAM_PWQUALITY)
    _rewrite(pam, "\n".join(lines) + "\n")


def _onsite_timesync(etc: Path, weak: bool) -> None:
    """No time synchronisation on the weak host (the enablement links and NTP daemon configs
    the copy inherited go); on the hardened host systemd-timesyncd with NTP=127.0.0.1, enabled
    (the link ``systemctl enable systemd-timesyncd`` makes). No timesyncd runs in the lab."""
    system = etc / "systemd" / "system"
    for link in [*system.glob("*.wants/*"), *system.glob("*.service")]:
        if link.name in _TIME_UNITS and link.is_symlink():
            link.unlink()
    for rc in etc.glob("rc[2345].d/S*"):
        if rc.name.lstrip("S0123456789") in ("chrony", "ntp", "ntpsec", "openntpd"):
            rc.unlink()
    for conf in ("chrony", "ntpsec", "openntpd"):
        if (etc / conf).exists():
            _fresh_dir(etc / conf)
            (etc / conf).rmdir()
    for conf in ("chrony.conf", "ntp.conf", "ntpd.conf"):
        (etc / conf).unlink(missing_ok=True)
    if weak:
        return
    _rewrite(
        etc / "systemd" / "timesyncd.conf",
        "# Generated by tests/lab/lab.py (onsite-hardened).\n[Time]\nNTP=127.0.0.1\n",
    )
    wants = make_dir(system / "sysinit.target.wants")
    (wants / "systemd-timesyncd.service").symlink_to(
        "/lib/systemd/system/systemd-timesyncd.service"
    )


def _onsite_syslog(etc: Path, weak: bool) -> None:
    """No syslog daemon configuration on the weak host (as if none were installed; it keeps
    only a volatile journal); the hardened host keeps what the copy inherited."""
    if not weak:
        return
    for conf in ("rsyslog.conf", "syslog.conf"):
        (etc / conf).unlink(missing_ok=True)
    for folder in ("rsyslog.d", "syslog-ng"):
        if (etc / folder).exists():
            _fresh_dir(etc / folder)
            (etc / folder).rmdir()


def onsite_etc(state_dir: Path, host_name: str, audit_pub: str) -> dict[str, Path]:
    """Make the host's copies of /etc (from the real one), /home, /root and /var/log (and
    /usr/local/sbin on the weak host) under STATE/hosts/NAME; return {mount point: source}.
    A derived host (``onsite_real.ONSITE_PROFILE``) gets its profile host's files."""
    name = ONSITE_PROFILE.get(host_name, host_name)  # whose files: below, the profile's
    host = LAB_HOSTS[host_name]
    weak = name == "onsite-weak"
    base = state_dir / "hosts" / host_name  # 0700: only root reaches the copies from outside
    etc = base / "etc"
    _fresh_dir(etc)
    etc.rmdir()
    run_tool(["cp", "-a", "--", "/etc", str(etc)], f"cp -a /etc ({name})")
    home = _fresh_dir(base / "home", 0o755)
    root = _fresh_dir(base / "root", 0o700)
    varlog = _fresh_dir(base / "var-log", 0o755)
    # identity: hostname, hosts, machine-id (kept), the marker the lab waits for
    _rewrite(etc / "hostname", f"{host_name}\n")
    _rewrite(
        etc / "hosts",
        f"127.0.0.1\tlocalhost\n{host.address}\t{host_name}\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n",
    )
    machine_id = base / "machine-id"
    if not machine_id.exists():
        write_file(machine_id, secrets.token_hex(16) + "\n")
    _rewrite(etc / "machine-id", machine_id.read_text())
    # sshd: its own ed25519 host key (kept in STATE/hosts/NAME), none of the real host's keys
    ssh = etc / "ssh"
    for old in ssh.glob("ssh_host_*"):
        old.unlink()
    key = base / "ssh_host_ed25519_key"
    write_file(ssh / key.name, key.read_text(), mode=0o600)
    write_file(ssh / (key.name + ".pub"), key.with_suffix(".pub").read_text(), mode=0o644)
    settings = "".join(f"{k} {v}\n" for k, v in ONSITE_SSHD[name].items())
    _rewrite(
        ssh / "sshd_config",
        f"# Generated by tests/lab/lab.py: sshd of the on-site host {host_name} ({host.address}).\n"
        + sshd_limits(host_name)
        + f"ListenAddress {host.address}:22\nHostKey /etc/ssh/{key.name}\nPidFile none\n"
        "UsePAM yes\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
        "PrintMotd no\nAcceptEnv LANG LC_*\nSubsystem sftp /usr/lib/openssh/sftp-server\n"
        f"{settings}",
    )
    _onsite_accounts(etc, weak, audit_pub, home)
    _set_keywords(etc / "login.defs", ONSITE_LOGIN_DEFS[name])
    pwquality = etc / "security" / "pwquality.conf"
    if weak:
        pwquality.unlink(missing_ok=True)
    else:
        _rewrite(pwquality, f"# Generated by tests/lab/lab.py ({name}).\n{HARDENED_PWQUALITY}")
    _onsite_logging(etc, varlog, name, weak)
    if Path("/usr/bin/sudo").exists() and (etc / "sudoers").exists():
        write_file(
            etc / "sudoers.d" / AUDIT_USER,
            f"# Generated by tests/lab/lab.py: the lab audit user may run commands as root.\n"
            f"{AUDIT_USER} ALL=(root) NOPASSWD: ALL\n",
            mode=0o440,
        )
    _onsite_firewall(etc, weak)
    _onsite_pam(etc, weak)
    _onsite_timesync(etc, weak)
    _onsite_syslog(etc, weak)
    mounts = {"/home": home, "/root": root, "/var/log": varlog}
    mounts["/var/lib/apt/lists"] = _onsite_apt(base, etc, weak)
    mounts.update(onsite_mlps(etc, base, varlog, name))  # the MLPS host checks' fixtures
    if weak:
        write_file(
            etc / "lab-world-writable.conf",
            "# lab fixture: a world-writable configuration file\n",
            mode=0o666,
        )
        sbin = _fresh_dir(base / "usr-local-sbin", 0o755)
        # an unusual SUID-root binary; a copy of id (prints, runs nothing), not of a shell or env
        run_tool(["cp", "--", "/usr/bin/id", str(sbin / "lab-suid")], "cp /usr/bin/id")
        os.chmod(sbin / "lab-suid", 0o4755)  # noqa: S103 - the weakness this host shows
        mounts["/usr/local/sbin"] = sbin
    else:
        for dirpath, dirnames, filenames in os.walk(etc):
            for entry in (*dirnames, *filenames):
                path = os.path.join(dirpath, entry)
                st = os.lstat(path)
                if st.st_mode & 0o002 and not os.path.islink(path):
                    os.chmod(path, st.st_mode & 0o7775)
    onsite_privilege(state_dir, etc, host_name, AUDIT_USER)
    write_file(etc / ONSITE_MARKER, f"{host_name}\n")
    mounts["/etc"] = etc  # last: the marker shows every mount is up
    return mounts
