"""The parsers of the MLPS host checks (accounts, PAM, sudoers, auditd, start-up files, sysctl,
access rules, signature headers) on hostile text: each must finish in time and find nothing it
should not. The lab tests (test_<check>.py) show them on real hosts; here no host is needed."""

from __future__ import annotations

import re

import pytest

from checks.host import _accounts, _auditd, _installed, _modes, _pamstack, _profile, _sudoers
from checks.host import admin_source_unrestricted as admin
from checks.host import antimalware_missing as antimalware
from checks.host import audit_rules_missing as rules
from checks.host import cleartext_login_service as cleartext
from checks.host import kernel_sysctl_weak as sysctl
from checks.host import log_forwarding_missing as forwarding
from checks.host import mac_not_enforcing as mac
from checks.host._files import Files
from tests.checks.host.lab_onsite import HOSTILE, survives

REGEXES = (
    _modes.LINE,
    _installed.LINE,
    _profile.TMOUT,
    _profile.UMASK,
    _sudoers.SPEC,
    _sudoers.TAG,
    admin.NFT,
    admin.IPT,
    admin.WRAP_ALLOW,
    admin.WRAP_DENY,
    antimalware.HEADER,
    cleartext.INETD_LINE,
    forwarding.LEGACY,
    forwarding.ACTION,
    forwarding.NG,
    forwarding.KEY,
    mac.SELINUX_MODE,
    mac.OFF,
    sysctl.SETTING,
)
EXTRA = (
    "a," * 30_000 + "\n",  # sudoers user lists: no backtracking over commas
    "saddr " * 50_000,
    "-A INPUT" + " -s x" * 30_000,
    "a= " + " " * 70_000 + "x",
    "export " * 30_000,
)


def files(text: str, *paths: str) -> Files:
    return Files(dict.fromkeys(paths, text), ())


@pytest.mark.parametrize("text", HOSTILE + EXTRA, ids=range(len(HOSTILE) + len(EXTRA)))
def test_parsers_survive_hostile_text(text: str) -> None:
    for regex in REGEXES:
        survives(lambda t: [regex.search(line) for line in t.splitlines()[:50]], text)  # noqa: B023
        survives(regex.search, text)
    passwd, shadow = _accounts.PASSWD, _accounts.SHADOW
    survives(lambda t: _accounts.parse({passwd: t, shadow: t}, "86400"), text)
    survives(lambda t: _auditd.parse(files(t, _auditd.AUDITD_CONF, _auditd.AUDIT_RULES), t), text)
    survives(lambda t: _sudoers.rules(files(t, _sudoers.SUDOERS)), text)
    survives(lambda t: _sudoers.no_password_defaults(files(t, _sudoers.SUDOERS)), text)
    stack = _pamstack.PAM_D + "common-auth"
    survives(lambda t: _pamstack.modules(files(t, stack), stack, "auth"), text)
    survives(lambda t: _profile.assignments(files(t, "/etc/profile"), _profile.TMOUT), text)
    survives(lambda t: sysctl.boot_values({"/etc/sysctl.conf": t}), text)
    survives(lambda t: rules.missing(tuple(t.splitlines()[:1000])), text)
    survives(forwarding._keys, text)


def test_accounts_keep_only_the_hash_scheme() -> None:
    found = _accounts.parse(
        {
            _accounts.PASSWD: "a:x:1000:1000::/home/a:/bin/bash\nb:x:1000:1000::/:/bin/sh\n",
            _accounts.SHADOW: "a:$1$salt$abcdefghijklmnopqrstuv:20000:0:90:7::19000:\nb:!:1:::::\n",
        },
        str(20500 * 86400),
    )
    assert [(u.name, u.uid, u.scheme, u.expire) for u in found.users] == [
        ("a", 1000, "md5", 19000),
        ("b", 1000, "locked", None),
    ]
    assert "$1$" not in repr(found)


def test_sudoers_rules_and_directives() -> None:
    text = (
        "#includedir /etc/sudoers.d\nDefaults env_reset\nUser_Alias ADMINS = a, b\n"
        "%sudo ALL=(ALL:ALL) ALL\nops, dev ALL=(root) NOPASSWD: /usr/bin/systemctl \\\n"
        "  restart app\n"
    )
    found = _sudoers.rules(files(text, _sudoers.SUDOERS))
    assert [(r.who, r.runas, sorted(r.tags), r.commands) for r in found] == [
        (("%sudo",), "ALL:ALL", [], ("ALL",)),
        (("ops", "dev"), "root", ["NOPASSWD"], ("/usr/bin/systemctl  restart app",)),
    ]


def test_audit_rule_categories() -> None:
    full = (
        "-w /etc/passwd -p wa",
        "-w /etc/shadow -p wa",
        "-w /etc/group -p wa",
        "-w /etc/gshadow -p wa",
        "-w /etc/sudoers -p wa",
        "-w /var/log/lastlog -p wa",
        "-a always,exit -F arch=b64 -S clock_settime -k time",
        "-a always,exit -F path=/usr/bin/sudo -F perm=x -k priv",
    )
    assert rules.missing(full) == []
    assert rules.missing(("-w /etc/passwdx -p wa",)) == [
        "identity files (/etc/passwd, /etc/shadow, /etc/group, /etc/gshadow)",
        "sudoers",
        "logins",
        "time changes",
        "privileged commands",
    ]


def test_sysctl_boot_order() -> None:
    found = sysctl.boot_values(
        {
            "/usr/lib/sysctl.d/10-a.conf": "net.ipv4.ip_forward = 1\n",
            "/etc/sysctl.d/10-a.conf": "net.ipv4.ip_forward = 0\n",  # same name: /etc wins
            "/usr/lib/sysctl.d/20-b.conf": "kernel/randomize_va_space=1\n",
            "/etc/sysctl.conf": "kernel.randomize_va_space = 2  \n",  # last
        }
    )
    assert found == {
        "net.ipv4.ip_forward": ("0", "/etc/sysctl.d/10-a.conf"),
        "kernel.randomize_va_space": ("2", "/etc/sysctl.conf"),
    }


def test_clamav_header_build_time() -> None:
    m = antimalware.HEADER.match("/var/lib/clamav/daily.cvd ClamAV-VDB:04 Dec 2026 07-24 +0000:27:")
    assert m and antimalware.built(m.group(2)) is not None
    assert antimalware.built("31 Feb 2026 07-24 +0000") is None


def test_inetd_and_firewall_lines() -> None:
    assert cleartext.INETD_LINE.findall("127.0.0.1:telnet stream tcp nowait root x\n") == ["telnet"]
    assert admin.NFT.search("ip saddr 198.51.100.0/24 tcp dport { 22, 443 } accept")
    assert not admin.NFT.search("tcp dport 22 accept")
    assert re.search(admin.IPT, "-A INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport 22 -j ACCEPT")
