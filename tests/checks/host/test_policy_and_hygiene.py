"""host.password-quality, host.unusual-suid, host.audit-logging-missing, host.time-sync-missing:
the weak and hardened on-site lab hosts, and their parsers on garbage and cut output."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.host._files import Files, cat_command, parse_files
from checks.host.audit_logging_missing import auditd, journald, syslog
from checks.host.password_quality import pam_module, policy
from checks.host.time_sync_missing import services, verdict
from checks.host.unusual_suid import complete, dpkg_owners, rpm_owners, suid_files
from scanner.api import CommandResult, Inconclusive
from scanner.app.runs import execute_run
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.checks.host.test_ssh_root_login import onsite_inventory
from tests.lab import lab

CHECKS = (
    "host.password-quality",
    "host.unusual-suid",
    "host.audit-logging-missing",
    "host.time-sync-missing",
)
#: check id -> (location, severity, evidence) of its one finding on the weak host
EXPECTED = {
    "host.password-quality": (
        "password quality module",
        "medium",
        "no pam_pwquality or pam_cracklib on the password stack (/etc/pam.d/common-password); "
        "/etc/security/pwquality.conf is missing",
    ),
    "host.unusual-suid": (
        "/usr/local/sbin/lab-suid",
        "medium",
        "/usr/local/sbin/lab-suid is set-user-ID or set-group-ID and owned by no package (dpkg -S)",
    ),
    "host.audit-logging-missing": (
        "audit logging",
        "medium",
        "no audit trail: auditd not configured (/etc/audit/auditd.conf missing); journald "
        "Storage=volatile (/etc/systemd/journald.conf); no rsyslog or syslog-ng configuration",
    ),
    "host.time-sync-missing": (
        "time synchronisation",
        "low",
        "no time synchronisation enabled: systemd-timesyncd not enabled; no chrony, ntpd or "
        "OpenNTPD configuration",
    ),
}


@pytest.mark.lab
def test_weak_host_findings_and_clean_hardened_host(
    lab_state: lab.LabState, tmp_path: Path, db_url: str
) -> None:
    inv = load_inventory(onsite_inventory(lab_state, tmp_path, known_hosts=lab_state.known_hosts))
    store = Store.open(db_url)
    result = execute_run(inv, "remote", store)
    found = [f for f in store.attempts.findings(result.run_id) if f.check_id in CHECKS]
    assert {
        f.check_id: (f.location, f.severity, f.evidence)
        for f in found
        if f.asset_id == "weak"
    } == EXPECTED
    assert len([f for f in found if f.asset_id == "weak"]) == len(EXPECTED)
    assert [f for f in found if f.asset_id == "hardened"] == []
    statuses = {
        (a.asset_id, a.check_id): (a.status, a.reason)
        for a in store.attempts.of_run(result.run_id)
        if a.check_id in CHECKS
    }
    assert statuses == {
        **{("weak", c): ("fail", "") for c in CHECKS},
        **{("hardened", c): ("pass", "") for c in CHECKS},
    }


# -- the shared file reader ------------------------------------------------------------------


def result(
    stdout: str, *, stderr: str = "", truncated: bool = False, status: int = 0
) -> CommandResult:
    return CommandResult("cmd", status, stdout.encode(), stderr.encode(), truncated, 0.1)


def test_files_round_trip_with_tail_and_unreadable() -> None:
    out = (
        "#=scanner-file=# /etc/a\nx = 1\n\n#=scanner-unreadable=# /etc/b\n"
        "#=scanner-file=# /etc/c\n\n#=scanner-tail=#\njournal-dir\n#=scanner-end=#\n"
    )
    files, tail = parse_files(result(out), "test files")
    assert files.texts == {"/etc/a": "x = 1\n", "/etc/c": ""}
    assert files.unreadable == ("/etc/b",)
    assert tail == "journal-dir"


@pytest.mark.parametrize(
    "out",
    [
        "",
        "garbage\x00\xff",
        "#=scanner-file=# /etc/a\nx = 1\n",  # cut before the end mark
        "#=scanner-end=#\n",  # no tail mark: the loop did not run
        "sudo: a password is required\n",
    ],
)
def test_files_incomplete_output_is_inconclusive(out: str) -> None:
    with pytest.raises(Inconclusive, match="did not complete"):
        parse_files(result(out, truncated=True, stderr="sudo: a password is required"), "x")


def test_root_cat_command_is_one_program_for_sudo() -> None:
    assert cat_command(["/etc/a"], root=True).startswith("sh -c 'for f in /etc/a; do")


# -- host.password-quality -------------------------------------------------------------------

DEBIAN_PAM = (
    "# comment pam_pwquality.so\npassword\trequisite\t\t\tpam_pwquality.so retry=3 "
    "minlen=10\npassword\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n"
)


def test_pam_line_parsing() -> None:
    assert pam_module(DEBIAN_PAM) == ("pam_pwquality", {"retry": "3", "minlen": "10"})
    assert pam_module("#password requisite pam_pwquality.so\n") is None
    assert pam_module("-password [default=die foo=bar] /lib/security/pam_cracklib.so\n") == (
        "pam_cracklib",
        {},
    )
    assert pam_module("password\n\x00\xff garbage ]]]\npassword [unclosed\n") is None


def test_policy_order_defaults_conf_d_main_then_pam_arguments() -> None:
    files = Files(
        {
            "/etc/security/pwquality.conf.d/10-a.conf": "minlen = 6\nminclass = 4\n",
            "/etc/security/pwquality.conf": "minlen = 7\n# minclass = 1\ndcredit = 1\n",
            "/etc/pam.d/common-password": DEBIAN_PAM,
        },
        (),
    )
    found = policy(files)
    assert found is not None
    assert found.values == {
        "minlen": 10,
        "minclass": 4,
        "dcredit": 1,
        "ucredit": 0,
        "lcredit": 0,
        "ocredit": 0,
    }
    assert found.shortest() == 9  # minlen 10 minus the digit credit
    assert found.classes() == 4


def test_policy_cracklib_defaults_and_bad_number() -> None:
    files = Files({"/etc/pam.d/system-auth": "password required pam_cracklib.so\n"}, ())
    found = policy(files)
    assert found is not None
    assert (found.shortest(), found.classes()) == (6, 0)  # 9 - 4 credits, floored at 6
    files = Files(
        {
            "/etc/security/pwquality.conf": "minlen = twelve\n",
            "/etc/pam.d/common-password": DEBIAN_PAM,
        },
        (),
    )
    with pytest.raises(Inconclusive, match="minlen = 'twelve' is not a number"):
        policy(files)


def test_hardened_lab_settings_pass() -> None:
    files = Files(
        {
            "/etc/security/pwquality.conf": lab.HARDENED_PWQUALITY,
            "/etc/pam.d/common-password": lab.HARDENED_PAM_PWQUALITY + "\n",
        },
        (),
    )
    found = policy(files)
    assert found is not None
    assert (found.shortest(), found.classes()) == (12, 4)


# -- host.unusual-suid -----------------------------------------------------------------------


def test_find_output() -> None:
    assert suid_files(
        complete("/usr/bin/su\n/usr/bin/su\n/x y\n#=scanner-end=#\n", "f", False)
    ) == ["/usr/bin/su", "/x y"]
    with pytest.raises(Inconclusive, match="no end mark"):
        complete("/usr/bin/su\n/usr/bi", "find", True)
    with pytest.raises(Inconclusive, match="not paths"):
        suid_files(["/usr/bin/su", "busybox: unknown option -perm"])


def test_dpkg_answers() -> None:
    out = "util-linux: /bin/su\nlibc6:amd64, libc6-dev:amd64: /lib/x\ndiversion by a from: /d\n"
    err = "dpkg-query: no path found matching pattern /usr/local/sbin/lab-suid\n"
    assert dpkg_owners(out, err, ["/bin/su", "/lib/x", "/usr/local/sbin/lab-suid"]) == {
        "/bin/su": True,
        "/lib/x": True,
        "/usr/local/sbin/lab-suid": False,
    }
    with pytest.raises(Inconclusive, match=r"no answer for /d .*database is locked"):
        dpkg_owners(out, "dpkg-query: database is locked\n", ["/d"])
    with pytest.raises(Inconclusive, match="no answer"):
        dpkg_owners("\x00garbage", "", ["/bin/su"])


def test_rpm_answers() -> None:
    out = "sudo-1.9.5-1.el9.x86_64\nfile /opt/x is not owned by any package\n"
    assert rpm_owners(out, ["/usr/bin/sudo", "/opt/x"]) == {"/usr/bin/sudo": True, "/opt/x": False}
    with pytest.raises(Inconclusive):
        rpm_owners("", ["/usr/bin/sudo"])  # no answer at all
    with pytest.raises(Inconclusive):
        rpm_owners("error: rpmdb: BDB0113 Thread/process failed\n", ["/usr/bin/sudo"])


# -- host.audit-logging-missing --------------------------------------------------------------


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


# -- host.time-sync-missing ------------------------------------------------------------------

END = "#=scanner-end=#\n"


def test_service_links() -> None:
    out = (
        "link /etc/systemd/system/multi-user.target.wants/chrony.service -> "
        "/lib/systemd/system/chrony.service\n"
        "link /etc/systemd/system/systemd-timesyncd.service -> /dev/null\n"
        "link /etc/rc2.d/S01ntp -> ../init.d/ntp\n"
        "link /etc/runlevels/default/openntpd -> /etc/init.d/openntpd\n"
        "garbage line\x00\ndir /etc/systemd/system\n" + END
    )
    found = services(out)
    assert found.enabled == {"chrony", "ntp", "openntpd"}
    assert found.masked == {"systemd-timesyncd"}
    assert found.dirs == {"/etc/systemd/system"}
    with pytest.raises(Inconclusive, match="no end mark"):
        services(out.removesuffix(END))


def test_time_sync_verdicts() -> None:
    wants = "link /etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service -> /x\n"
    systemd = "dir /etc/systemd/system\n"
    assert verdict(Files({}, ()), services(wants + systemd + END)) == (
        True,
        "systemd-timesyncd enabled",
    )
    masked = "link /etc/systemd/system/systemd-timesyncd.service -> /dev/null\n"
    assert not verdict(Files({}, ()), services(wants + masked + systemd + END))[0]
    empty = {"/etc/systemd/timesyncd.conf": "[Time]\nNTP=\nFallbackNTP=\n"}
    assert verdict(Files(empty, ()), services(wants + systemd + END)) == (
        False,
        "systemd-timesyncd has no NTP server (NTP= and FallbackNTP= empty); "
        "no chrony, ntpd or OpenNTPD configuration",
    )
    chrony = {"/etc/chrony/chrony.conf": "pool 2.debian.pool.ntp.org iburst\n"}
    assert verdict(Files(chrony, ()), services(systemd + END)) == (
        False,
        "systemd-timesyncd not enabled; chrony configured but not enabled; "
        "no ntpd or OpenNTPD configuration",
    )
    with pytest.raises(Inconclusive, match="cannot tell whether it is enabled"):
        verdict(Files(chrony, ()), services(END))  # no service folder at all
    garbage = {"/etc/ntp.conf": "\x00\xff servers\n"}
    assert verdict(Files(garbage, ()), services(systemd + END))[1].endswith(
        "ntpd names no time source (/etc/ntp.conf); no chrony or OpenNTPD configuration"
    )
