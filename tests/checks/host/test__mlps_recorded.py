"""Paths of the MLPS host checks the lab hosts cannot show, on command output written here (no
real peer can produce it in the lab: a kernel audit system for ``auditctl``, stale ClamAV
signatures, pam_tally2, ``Defaults !authenticate``). Each answer has the shape the real command
prints; the lab tests (test_<check>.py) show the checks on real hosts."""

from __future__ import annotations

import time

from checks.host import _auditd, _pamstack, _sudoers
from checks.host._files import FILE, TAIL, UNREADABLE
from checks.host._output import END
from checks.host.antimalware_missing import COMMAND as AV
from checks.host.antimalware_missing import AntimalwareMissing
from checks.host.audit_not_immutable import AuditNotImmutable
from checks.host.audit_rules_missing import AuditRulesMissing
from checks.host.auditd_not_running import AuditdNotRunning
from checks.host.login_lockout_missing import LoginLockoutMissing
from checks.host.sudo_nopasswd import SudoNopasswd
from scanner.api import Inconclusive
from tests.checks.host.lab_onsite import Replay, command_result, onsite_target


def cat_output(files: dict[str, str], tail: str = "", unreadable: tuple[str, ...] = ()) -> str:
    """What a :func:`checks.host._files.cat_command` loop prints for ``files``."""
    body = "".join(f"{FILE}{path}\n{text}\n" for path, text in files.items())
    body += "".join(f"{UNREADABLE}{path}\n" for path in unreadable)
    return f"{body}{TAIL}\n{tail}\n{END}\n"


AUDITD_TAIL = (
    "#=auditd-proc=# 612 mnt:[4026531841]\n#=auditd-self=# mnt:[4026531841]\n#=auditctl-l=#\n"
    "-w /etc/passwd -p wa -k identity\n-w /etc/shadow -p wa -k identity\n"
    "-w /etc/group -p wa -k identity\n-w /etc/gshadow -p wa -k identity\n"
    "-w /etc/sudoers -p wa -k scope\n-w /var/log/lastlog -p wa -k logins\n"
    "-a always,exit -F arch=b64 -S adjtimex,settimeofday -F key=time-change\n"
    "-a always,exit -S all -F path=/usr/bin/sudo -F perm=x -F auid>=1000 -F key=priv\n0\n"
    "#=auditctl-s=#\nenabled 1\nfailure 1\npid 612\nrate_limit 0\n"
)


def auditd_replay(tail: str) -> Replay:
    out = cat_output({_auditd.AUDITD_CONF: "max_log_file_action = keep_logs\n"}, tail)
    return Replay({_auditd.COMMAND: command_result(out)})


def test_loaded_rules_come_from_auditctl_when_it_runs() -> None:
    replay = auditd_replay(AUDITD_TAIL)
    target = onsite_target()
    assert list(AuditdNotRunning().run(target, replay.ctx)) == []
    assert list(AuditRulesMissing().run(target, replay.ctx)) == []
    [locked] = AuditNotImmutable().run(target, replay.ctx)
    assert locked.evidence == "audit configuration not locked: auditctl -s says enabled 1 (want 2)"
    assert replay.asked == [(_auditd.COMMAND, True)] * 3  # one root command, shared


def test_an_auditd_of_another_namespace_is_not_this_hosts() -> None:
    tail = AUDITD_TAIL.replace("612 mnt:[4026531841]", "700 mnt:[4026532999]")
    [finding] = AuditdNotRunning().run(onsite_target(), auditd_replay(tail).ctx)
    assert finding.evidence == (
        "no auditd process in this host's mount namespace; 1 in other namespaces (auditd "
        "configured: /etc/audit/auditd.conf present)"
    )


def test_pam_tally2_without_deny_never_locks() -> None:
    stack = "auth required pam_tally2.so onerr=fail\nauth [success=1 default=ignore] pam_unix.so\n"
    out = cat_output({_pamstack.PAM_D + "common-auth": stack})
    replay = Replay({_pamstack.COMMAND: command_result(out)})
    [finding] = LoginLockoutMissing().run(onsite_target(), replay.ctx)
    assert finding.location == "login lockout deny"
    assert finding.evidence.startswith("pam_tally2 no deny= (pam_tally2 default)")


def test_defaults_not_authenticate_is_passwordless_sudo() -> None:
    out = cat_output(
        {_sudoers.SUDOERS: "Defaults !authenticate\n%sudo ALL=(ALL:ALL) ALL\n"},
        "#=scanner-stat=# 440 root root /etc/sudoers",
    )
    replay = Replay(
        {_sudoers.COMMAND: command_result(out), _sudoers.WHOAMI: command_result("audit\n")}
    )
    [finding] = SudoNopasswd().run(onsite_target(), replay.ctx)
    assert finding.location == "sudo Defaults !authenticate"


def test_unreadable_sudoers_is_inconclusive() -> None:
    out = cat_output({}, unreadable=(_sudoers.SUDOERS,))
    replay = Replay({_sudoers.COMMAND: command_result(out)})
    try:
        list(SudoNopasswd().run(onsite_target(), replay.ctx))
    except Inconclusive as exc:
        assert "root or sudo needed" in str(exc)
    else:
        raise AssertionError("an unreadable /etc/sudoers must be inconclusive")


def test_stale_clamav_signatures() -> None:
    now = int(time.time())
    built = time.strftime("%d %b %Y %H-%M +0000", time.gmtime(now - 30 * 86400))
    out = (
        f"sig /var/lib/clamav/daily.cvd ClamAV-VDB:{built}:27000:2000000:90:x:y:z\n"
        f"program clamscan\nclock {now}\n{END}\n"
    )
    [finding] = AntimalwareMissing().run(onsite_target(), Replay({AV: command_result(out)}).ctx)
    assert finding.location == "anti-malware signatures"
    assert finding.evidence.startswith("anti-malware signatures are 30 days old")
