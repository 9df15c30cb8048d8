"""checks/host/_audit_trail.py: auditd rules, journald's storage and syslog rules, on the lab
hosts' recorded files, hand-written ones and garbage."""

from __future__ import annotations

import pytest

from checks.host._audit_trail import auditd, journald, syslog
from checks.host._files import Files, parse_files
from tests.checks.host.lab_onsite import HOSTILE, recorded, survives


def test_recorded_hosts() -> None:
    weak, _ = parse_files(recorded("weak", "audit-files"), "logs")
    assert [ok for ok, _ in (auditd(weak), journald(weak, False), syslog(weak))] == [False] * 3
    hardened, tail = parse_files(recorded("hardened", "audit-files"), "logs")
    verdicts = auditd(hardened), journald(hardened, "journal-dir" in tail), syslog(hardened)
    assert any(ok for ok, _ in verdicts)


def test_auditd_needs_rules_and_logs() -> None:
    conf = {"/etc/audit/auditd.conf": "log_file = /var/log/audit/audit.log\n"}
    assert not auditd(Files(conf, ()))[0]
    assert not auditd(Files({**conf, "/etc/audit/rules.d/a.rules": "-D\n-b 8192\n"}, ()))[0]
    rules = {"/etc/audit/rules.d/a.rules": "-D\n-w /etc/passwd -p wa -k identity\n"}
    assert auditd(Files({**conf, **rules}, ())) == (True, "auditd with 1 rules")
    off = {"/etc/audit/auditd.conf": "write_logs = no\n"}
    assert not auditd(Files({**off, **rules}, ()))[0]


def test_journald_storage() -> None:
    main = "/etc/systemd/journald.conf"
    drop = "/etc/systemd/journald.conf.d/10-x.conf"
    assert journald(Files({}, ()), journal_dir=True) == (True, "journald Storage=auto (default)")
    assert not journald(Files({}, ()), journal_dir=False)[0]
    assert not journald(Files({main: "[Journal]\nStorage=volatile\n"}, ()), journal_dir=True)[0]
    assert journald(
        Files({main: "[Journal]\nStorage=volatile\n", drop: "[Journal]\nStorage=persistent\n"}, ()),
        journal_dir=False,
    )[0]
    # a Storage= outside [Journal] does not count; garbage does not pass
    assert not journald(Files({main: "[Other]\nStorage=persistent\n"}, ()), journal_dir=False)[0]
    assert not journald(Files({main: "\x00\xff[Journal\nStorage"}, ()), journal_dir=False)[0]


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("*.*;auth,authpriv.none\t\t-/var/log/syslog\n", True),
        ("auth,authpriv.*  /var/log/auth.log\n", True),
        ("*.* @@logs.example.internal:514\n", True),
        (':programname, isequal, "sshd" /var/log/sshd.log\n', True),
        ('action(type="omfwd" target="192.0.2.1" port="514")\n', True),
        ('module(load="imuxsock")\n$FileOwner root\n', False),
        ("# *.* /var/log/all\n*.emerg :omusrmsg:*\n", False),
        ("\x00\xff garbage\n", False),
    ],
)
def test_syslog_rules(text: str, ok: bool) -> None:
    assert syslog(Files({"/etc/rsyslog.conf": text}, ()))[0] is ok


def test_syslog_ng() -> None:
    conf = (
        'destination d_auth { file("/var/log/auth.log"); };\n'
        "log { source(s_src); filter(f_auth); destination(d_auth); };\n"
    )
    assert syslog(Files({"/etc/syslog-ng/syslog-ng.conf": conf}, ()))[0]
    assert not syslog(Files({"/etc/syslog-ng/syslog-ng.conf": conf.splitlines()[0]}, ()))[0]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_files_record_nothing(text: str) -> None:
    paths = (
        "/etc/audit/auditd.conf",
        "/etc/audit/rules.d/x.rules",
        "/etc/systemd/journald.conf",
        "/etc/rsyslog.conf",
        "/etc/syslog-ng/syslog-ng.conf",
    )
    files = Files(dict.fromkeys(paths, text), ())
    assert survives(auditd, files) == (
        False,
        "auditd has no watch or syscall rules (/etc/audit/rules.d, audit.rules)",
    )
    assert survives(lambda f: journald(f, journal_dir=False), files) is not None
    verdict = survives(syslog, files)
    assert verdict is not None and verdict[0] is False
