"""The MLPS host checks on RPM-based hosts, on modelled output.

No RPM-based host can run in this lab (it is one Debian machine), so these tests feed the checks
the files and command output of two modelled hosts (``tests/data/rpm-hosts/``, see its
README): a weak RHEL 9 server and an openEuler 22.03 server hardened to a level-3 baseline. The
files are what those systems ship or what their tools write (authselect's system-auth and
password-auth, Red Hat's sshd_config.d drop-ins, su's commented pam_wheel lines, firewalld
zones, /etc/bashrc's umask branches); they were not captured here. Each check's verdict is
asserted exactly, per host; the lab's Debian hosts show the same checks live
(tests/checks/host/test_<check>.py).
"""

from __future__ import annotations

import pytest

from checks.host import _packages, _pamstack, _sshd, aide_missing, mac_not_enforcing
from checks.host._packages import rpm_packages
from checks.host._units import WANTS
from checks.host.account_files_permissions import AccountFilesPermissions
from checks.host.admin_source_unrestricted import (
    AdminSourceUnrestricted,
    firewalld_ssh_sources,
)
from checks.host.aide_missing import AideMissing
from checks.host.antimalware_missing import AntimalwareMissing
from checks.host.audit_log_unprotected import AuditLogUnprotected
from checks.host.audit_logging_missing import AuditLoggingMissing
from checks.host.audit_not_immutable import AuditNotImmutable
from checks.host.audit_rules_missing import AuditRulesMissing
from checks.host.auditd_not_running import AuditdNotRunning
from checks.host.cleartext_login_service import CleartextLoginService
from checks.host.cron_permissions import CronPermissions
from checks.host.duplicate_account import DuplicateAccount
from checks.host.empty_password import EmptyPassword
from checks.host.firewall_inactive import FirewallInactive
from checks.host.hids_missing import HidsMissing
from checks.host.kernel_sysctl_weak import KernelSysctlWeak
from checks.host.log_forwarding_missing import LogForwardingMissing
from checks.host.log_retention_short import LogRetentionShort
from checks.host.login_lockout_missing import LoginLockoutMissing
from checks.host.mac_not_enforcing import MacNotEnforcing
from checks.host.password_hash_weak import PasswordHashWeak
from checks.host.password_history_missing import PasswordHistoryMissing
from checks.host.password_max_days import PasswordMaxDays
from checks.host.password_min_days import PasswordMinDays
from checks.host.password_quality import PasswordQuality
from checks.host.pending_security_updates import PendingSecurityUpdates
from checks.host.second_factor_missing import SecondFactorMissing
from checks.host.shell_timeout_missing import ShellTimeoutMissing
from checks.host.ssh_empty_passwords import SshEmptyPasswords
from checks.host.ssh_idle_timeout import SshIdleTimeout
from checks.host.ssh_max_auth_tries import SshMaxAuthTries
from checks.host.ssh_password_auth import SshPasswordAuth
from checks.host.ssh_root_login import SshRootLogin
from checks.host.ssh_x11_forwarding import SshX11Forwarding
from checks.host.stale_account import StaleAccount
from checks.host.su_unrestricted import SuUnrestricted
from checks.host.sudo_broad_grant import SudoBroadGrant
from checks.host.sudo_nopasswd import SudoNopasswd
from checks.host.sudoers_permissions import SudoersPermissions
from checks.host.system_account_login import SystemAccountLogin
from checks.host.time_sync_missing import TimeSyncMissing
from checks.host.uid0_extra_account import Uid0ExtraAccount
from checks.host.umask_permissive import UmaskPermissive
from checks.host.unnecessary_packages import UnnecessaryPackages
from checks.host.vulnerable_package import VulnerablePackage
from checks.host.world_writable_system_files import WorldWritableSystemFiles
from scanner.api import Check, Inconclusive
from tests.checks.host.lab_onsite import HOSTILE, command_result, onsite_target, survives
from tests.checks.host.modelled import DATA, ModelledHost

#: Every on-site check whose commands the modelled hosts answer (not modelled: the SSH host
#: key, the vulnerability feed match, SUID ownership through ``rpm -qf`` and listening sockets,
#: which have their own RPM tests in test_rpm_hosts.py or need a live peer).
CHECKS: tuple[type[Check], ...] = (
    AccountFilesPermissions,
    AdminSourceUnrestricted,
    AideMissing,
    AntimalwareMissing,
    AuditLogUnprotected,
    AuditLoggingMissing,
    AuditNotImmutable,
    AuditRulesMissing,
    AuditdNotRunning,
    CleartextLoginService,
    CronPermissions,
    DuplicateAccount,
    EmptyPassword,
    FirewallInactive,
    HidsMissing,
    KernelSysctlWeak,
    LogForwardingMissing,
    LogRetentionShort,
    LoginLockoutMissing,
    MacNotEnforcing,
    PasswordHashWeak,
    PasswordHistoryMissing,
    PasswordMaxDays,
    PasswordMinDays,
    PasswordQuality,
    PendingSecurityUpdates,
    SecondFactorMissing,
    ShellTimeoutMissing,
    SshEmptyPasswords,
    SshIdleTimeout,
    SshMaxAuthTries,
    SshPasswordAuth,
    SshRootLogin,
    SshX11Forwarding,
    StaleAccount,
    SuUnrestricted,
    SudoBroadGrant,
    SudoNopasswd,
    SudoersPermissions,
    SystemAccountLogin,
    TimeSyncMissing,
    Uid0ExtraAccount,
    UmaskPermissive,
    UnnecessaryPackages,
    WorldWritableSystemFiles,
)

#: location -> evidence of each check's findings on the weak host.
WEAK: dict[str, dict[str, str]] = {
    "host.account-files-permissions": {
        "/etc/shadow": (
            "/etc/shadow has mode 0644 owner root:root (others can read it; want 0640 or stricter)"
        ),
    },
    "host.admin-source-unrestricted": {
        "ssh allowed accounts": (
            "sshd -T: no AllowUsers or AllowGroups: every account with a shell may log in over SSH"
        ),
        "ssh allowed sources": (
            "SSH logins from any address: no AllowUsers user@host, no hosts.allow/hosts.deny "
            "pair, no source-filtered firewall rule for port 22"
        ),
    },
    "host.aide-missing": {
        "aide": "AIDE not configured: neither /etc/aide/aide.conf nor /etc/aide.conf exists",
    },
    "host.antimalware-missing": {
        "anti-malware": (
            "no anti-malware: no ClamAV signature database in /var/lib/clamav, no known agent "
            "(engine programs: none)"
        ),
    },
    "host.audit-log-unprotected": {
        "auditd max_log_file_action": (
            "/etc/audit/auditd.conf: max_log_file_action = rotate (auditd deletes or stops "
            "writing old logs; want keep_logs)"
        ),
    },
    "host.audit-logging-missing": {},
    "host.audit-not-immutable": {
        "audit -e 2": "audit configuration not locked: auditctl -s says enabled 1 (want 2)",
    },
    "host.audit-rules-missing": {
        "audit rules": (
            "audit rules (auditctl -l) miss: identity files (/etc/passwd, /etc/shadow, "
            "/etc/group, /etc/gshadow), sudoers, logins, time changes, privileged commands"
        ),
    },
    "host.auditd-not-running": {},
    "host.cleartext-login-service": {
        "package rsh-server": "clear-text login server package installed: rsh-server (rpm)",
        "package telnet-server": "clear-text login server package installed: telnet-server (rpm)",
        "vsftpd /etc/vsftpd/vsftpd.conf": (
            "/etc/vsftpd/vsftpd.conf: vsftpd without ssl_enable=YES (FTP logins in clear text)"
        ),
    },
    "host.cron-permissions": {
        "/etc/crontab": "/etc/crontab has mode 0644 owner root:root (want 0600, owned by root)",
        "/etc/cron.hourly": (
            "/etc/cron.hourly has mode 0755 owner root:root (want 0700, owned by root)"
        ),
        "/etc/cron.daily": (
            "/etc/cron.daily has mode 0755 owner root:root (want 0700, owned by root)"
        ),
        "/etc/cron.weekly": (
            "/etc/cron.weekly has mode 0755 owner root:root (want 0700, owned by root)"
        ),
        "/etc/cron.monthly": (
            "/etc/cron.monthly has mode 0755 owner root:root (want 0700, owned by root)"
        ),
        "/etc/cron.d": "/etc/cron.d has mode 0755 owner root:root (want 0700, owned by root)",
        "/etc/cron.allow": (
            "no /etc/cron.allow (only /etc/cron.deny): every user may schedule cron jobs"
        ),
    },
    "host.duplicate-account": {
        "UID 0": "UID 0 is shared by root, backup",
    },
    "host.empty-password": {},
    "host.firewall-inactive": {},
    "host.hids-missing": {
        "host IDS": (
            "no host intrusion detection: no Wazuh/OSSEC agent (/var/ossec/etc/ossec.conf "
            "absent), no fail2ban jail enabled"
        ),
    },
    "host.kernel-sysctl-weak": {
        "sysctl net.ipv4.ip_forward": "net.ipv4.ip_forward = 1 (/etc/sysctl.conf; want 0)",
        "sysctl net.ipv4.conf.all.accept_redirects": (
            "net.ipv4.conf.all.accept_redirects = 1 (live value, set in no sysctl file; want 0)"
        ),
        "sysctl net.ipv4.conf.all.send_redirects": (
            "net.ipv4.conf.all.send_redirects = 1 (live value, set in no sysctl file; want 0)"
        ),
    },
    "host.log-forwarding-missing": {
        "log forwarding": (
            "no log forwarding: no rsyslog or syslog-ng rule forwards, no journal-upload URL, "
            "no audisp-remote server"
        ),
    },
    "host.log-retention-short": {
        "logrotate /etc/logrotate.conf": (
            "/etc/logrotate.conf keeps logs for 28 days (weekly x rotate 4), less than 180"
        ),
        "logrotate /etc/logrotate.d/rsyslog": (
            "/etc/logrotate.d/rsyslog keeps logs for 28 days (weekly x rotate 4), less than 180"
        ),
    },
    "host.login-lockout-missing": {
        "login lockout": (
            "no pam_faillock or pam_tally2 on the auth stack (/etc/pam.d/system-auth, "
            "/etc/pam.d/password-auth): failed logins never lock an account"
        ),
    },
    "host.mac-not-enforcing": {
        "mandatory access control": (
            "SELinux enforcing in /etc/selinux/config but permissive now (getenforce: "
            "Permissive, as after setenforce 0): nothing is enforced until it is set back or "
            "the host reboots"
        ),
    },
    "host.password-hash-weak": {
        "account deploy": "account deploy has a md5 password hash",
    },
    "host.password-history-missing": {
        "password history": (
            "no pam_pwhistory and no pam_unix remember= on the password stack "
            "(/etc/pam.d/system-auth, /etc/pam.d/password-auth): old passwords can be reused "
            "(pam_pwhistory after password sufficient pam_unix in /etc/pam.d/system-auth, "
            "/etc/pam.d/password-auth is never reached)"
        ),
    },
    "host.password-max-days": {
        "login.defs PASS_MAX_DAYS": "/etc/login.defs: PASS_MAX_DAYS 99999 (more than 90)",
    },
    "host.password-min-days": {
        "login.defs PASS_MIN_DAYS": (
            "/etc/login.defs: PASS_MIN_DAYS 0 (passwords can be changed back at once; want 1 "
            "or more)"
        ),
    },
    "host.password-quality": {
        "password quality classes": (
            "pam_pwquality requires 0 character classes (minclass 0, credits 0/0/0/0; from "
            "pam_pwquality default), fewer than 3"
        ),
    },
    "host.pending-security-updates": {
        "security updates": (
            "dnf updateinfo: 4 pending security advisories: RHSA-2024:0310 Important/Sec.  "
            "openssl-1:3.0.7-25.el9_3.x86_64; RHSA-2024:0310 Important/Sec.  "
            "openssl-libs-1:3.0.7-25.el9_3.x86_64; RHSA-2024:1249 Moderate/Sec.   "
            "kernel-5.14.0-362.24.1.el9_3.x86_64; RHSA-2024:2568 Important/Sec.  "
            "openssh-8.7p1-38.el9_4.1.x86_64"
        ),
    },
    "host.second-factor-missing": {
        "second factor": (
            "no second factor: sshd AuthenticationMethods any; no second-factor PAM module on "
            "/etc/pam.d/sshd, /etc/pam.d/system-auth, /etc/pam.d/password-auth"
        ),
    },
    "host.shell-timeout-missing": {
        "shell TMOUT": (
            "no TMOUT in /etc/profile, /etc/profile.d/*.sh, /etc/bash.bashrc, /etc/bashrc: "
            "idle shells stay logged in"
        ),
    },
    "host.ssh-empty-passwords": {},
    "host.ssh-idle-timeout": {
        "sshd clientaliveinterval": (
            "sshd -T: clientaliveinterval 0: sshd never drops unresponsive sessions"
        ),
    },
    "host.ssh-max-auth-tries": {
        "sshd maxauthtries": "sshd -T: maxauthtries 6 (more than 4)",
    },
    "host.ssh-password-auth": {
        "sshd passwordauthentication": "sshd -T: passwordauthentication yes",
    },
    "host.ssh-root-login": {
        "sshd PermitRootLogin": "sshd -T: permitrootlogin yes",
    },
    "host.ssh-x11-forwarding": {
        "sshd x11forwarding": "sshd -T: x11forwarding yes",
    },
    "host.stale-account": {
        "account deploy": (
            "account deploy: password expired 1502 days ago (last changed 2022-07-27) and the "
            "account is still unlocked"
        ),
        "account zhangwei": (
            "account zhangwei expired 1492 days ago (2022-11-04) and is still unlocked"
        ),
        "useradd INACTIVE": (
            "/etc/default/useradd: INACTIVE=-1: accounts whose password expired are never disabled"
        ),
    },
    "host.su-unrestricted": {
        "su pam_wheel": (
            "/etc/pam.d/su: auth sufficient pam_wheel trust (not binding: every user may "
            "still try su to root; the group's members get root without a password)"
        ),
    },
    "host.sudo-broad-grant": {
        "sudo rule deploy": (
            "/etc/sudoers.d/90-deploy: deploy ALL=(ALL) NOPASSWD: ALL (every command as root "
            "for deploy, not an administrator)"
        ),
    },
    "host.sudo-nopasswd": {
        "sudo rule deploy": (
            "/etc/sudoers.d/90-deploy: deploy ALL=(ALL) NOPASSWD: ALL (NOPASSWD: no password asked)"
        ),
    },
    "host.sudoers-permissions": {
        "/etc/sudoers.d/90-deploy": (
            "/etc/sudoers.d/90-deploy has mode 0644 owner root:root (readable by others; want 0440)"
        ),
    },
    "host.system-account-login": {
        "account postgres": (
            "system account postgres (UID 26) has login shell /bin/bash and a usable password "
            "(sha512)"
        ),
    },
    "host.time-sync-missing": {},
    "host.uid0-extra-account": {
        "account backup": "/etc/passwd: backup:x:0:0:backup:/root:/bin/bash",
    },
    "host.umask-permissive": {
        "umask /etc/login.defs": (
            "/etc/login.defs: UMASK 022 (weaker than 027: new files readable by others)"
        ),
        "umask /etc/bashrc": (
            "/etc/bashrc: umask 002, 022 (weaker than 027: new files readable by others)"
        ),
    },
    "host.unnecessary-packages": {
        "package rsh": "unnecessary package installed: rsh (rpm)",
        "package talk": "unnecessary package installed: talk (rpm)",
        "package talk-server": "unnecessary package installed: talk-server (rpm)",
        "package telnet": "unnecessary package installed: telnet (rpm)",
        "package tftp-server": "unnecessary package installed: tftp-server (rpm)",
        "package xinetd": "unnecessary package installed: xinetd (rpm)",
        "package xorg-x11-server-Xorg": "unnecessary package installed: xorg-x11-server-Xorg (rpm)",
        "package ypbind": "unnecessary package installed: ypbind (rpm)",
        "package ypserv": "unnecessary package installed: ypserv (rpm)",
    },
    "host.world-writable-system-files": {
        "/etc/cron.d/ops-report": "world-writable: /etc/cron.d/ops-report",
    },
}


def verdict(check: type[Check], host: ModelledHost) -> dict[str, str]:
    """location -> evidence of ``check``'s findings on ``host`` (empty: it passed)."""
    return {f.location: f.evidence for f in check().run(onsite_target(), host.ctx)}


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_weak_rhel9_host(check: type[Check]) -> None:
    assert verdict(check, ModelledHost("weak")) == WEAK[check.id]


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_hardened_openeuler_host_passes(check: type[Check]) -> None:
    assert verdict(check, ModelledHost("hardened")) == {}


def test_every_modelled_check_has_its_weak_verdict() -> None:
    assert set(WEAK) == {c.id for c in CHECKS}


# The RPM layouts the checks once misread, each varied from the modelled hosts.

SYSTEM_AUTH, PASSWORD_AUTH = _pamstack.PAM_D + "system-auth", _pamstack.PAM_D + "password-auth"


def hardened_text(path: str) -> str:
    return ModelledHost("hardened").read(path)


def test_faillock_in_password_auth_alone_locks_ssh_logins() -> None:
    """sshd's stack is password-auth on Red Hat: lockout there is lockout for remote logins."""
    no_faillock = "".join(
        line + "\n" for line in hardened_text(SYSTEM_AUTH).splitlines() if "faillock" not in line
    )
    host = ModelledHost("hardened", files={SYSTEM_AUTH: no_faillock})
    assert verdict(LoginLockoutMissing, host) == {}


def test_faillock_deny_from_faillock_conf() -> None:
    """authselect's with-faillock lines carry no deny=: faillock.conf decides."""
    stack = hardened_text(SYSTEM_AUTH).replace(" deny=5", "")
    host = ModelledHost(
        "hardened",
        files={
            SYSTEM_AUTH: stack,
            PASSWORD_AUTH: stack,
            _pamstack.FAILLOCK_CONF: "deny = 10\nunlock_time = 900\n",
        },
    )
    assert verdict(LoginLockoutMissing, host) == {
        "login lockout deny": "pam_faillock deny=10 (/etc/security/faillock.conf): accounts "
        "lock only after more than 5 failures, or never"
    }


@pytest.mark.parametrize(
    ("line", "restricted"),
    [
        ("auth required pam_wheel.so use_uid", True),
        ("auth requisite pam_wheel.so use_uid group=sysadm", True),
        ("auth [default=die] pam_wheel.so use_uid", True),
        ("auth sufficient pam_wheel.so use_uid", False),
        ("auth optional pam_wheel.so use_uid", False),
        ("auth required pam_wheel.so deny group=guests", False),
    ],
)
def test_pam_wheel_restricts_su_only_when_binding(line: str, restricted: bool) -> None:
    su = f"auth sufficient pam_rootok.so\n{line}\nauth substack system-auth\n"
    found = verdict(SuUnrestricted, ModelledHost("hardened", files={"/etc/pam.d/su": su}))
    assert (found == {}) is restricted


def test_pwhistory_after_a_success_done_pam_unix_is_never_reached() -> None:
    stack = hardened_text(SYSTEM_AUTH).replace(
        "password    required      pam_pwhistory.so use_authtok remember=5 enforce_for_root\n", ""
    )
    stack = stack.replace(
        "password    sufficient    pam_unix.so",
        "password    [success=done default=ignore] pam_unix.so",
    ).replace(
        "password    required      pam_deny.so",
        "password    required      pam_deny.so\npassword    required      pam_pwhistory.so",
    )
    host = ModelledHost("hardened", files={SYSTEM_AUTH: stack, PASSWORD_AUTH: None})
    [evidence] = verdict(PasswordHistoryMissing, host).values()
    assert evidence.endswith(
        f"(pam_pwhistory after password sufficient pam_unix in {SYSTEM_AUTH} is never reached)"
    )


@pytest.mark.parametrize(
    ("live", "require_live", "passes"),
    [
        ("#=mac-live=# selinux Enforcing\n", False, True),
        # a container on another machine's kernel: the configuration decides
        ("#=mac-live=# selinux Disabled\n", False, True),
        ("#=mac-live=# selinux Disabled\n", True, False),
        ("", False, True),
        ("#=mac-live=# selinux Permissive\n", False, False),
    ],
    ids=["enforcing", "disabled-kernel", "disabled-required", "no-getenforce", "permissive"],
)
def test_selinux_live_state(live: str, require_live: bool, passes: bool) -> None:
    command = mac_not_enforcing.COMMAND
    host = ModelledHost("hardened", settings={"require_live": require_live})
    text = host.answer(command).text.replace("#=mac-live=# selinux Enforcing\n", live)
    host.answers[command] = command_result(text)
    assert (verdict(MacNotEnforcing, host) == {}) is passes


def test_enforcing_0_on_the_kernel_command_line_is_permissive_at_every_boot() -> None:
    grub = (
        ModelledHost("hardened")
        .read("/etc/default/grub")
        .replace('rd.lvm.lv=rhel/swap"', 'rd.lvm.lv=rhel/swap enforcing=0"')
    )
    host = ModelledHost("hardened", files={"/etc/default/grub": grub})
    [evidence] = verdict(MacNotEnforcing, host).values()
    assert evidence.startswith("no mandatory access control at boot: SELinux enforcing")
    assert "kernel command line: enforcing=0" in evidence


@pytest.mark.parametrize(
    ("path", "text", "scheduled"),
    [
        ("/var/spool/cron/root", "0 5 * * * /usr/sbin/aide --check\n", True),
        ("/var/spool/cron/root", "# 0 5 * * * /usr/sbin/aide --check\n", False),
        ("/var/spool/cron/crontabs/root", "0 5 * * * /usr/bin/aide --check\n", True),
        ("/etc/cron.d/aide", "0 5 * * * root /usr/sbin/aide --check\n", True),
    ],
)
def test_aide_schedule_in_root_crontab(path: str, text: str, scheduled: bool) -> None:
    files = {"/var/spool/cron/root": None, path: text}
    found = verdict(AideMissing, ModelledHost("hardened", files=files))
    assert (found == {}) is scheduled
    assert aide_missing.ROOT_CRONTABS[0] in aide_missing.COMMAND


SHIPPED_PUBLIC = (
    '<?xml version="1.0" encoding="utf-8"?>\n<zone>\n  <short>Public</short>\n'
    '  <service name="ssh"/>\n  <service name="dhcpv6-client"/>\n  <service name="cockpit"/>\n'
    "</zone>\n"
)
MGMT = '<zone>\n  <source address="198.51.100.10/32"/>\n  <service name="ssh"/>\n</zone>\n'


@pytest.mark.parametrize(
    ("zones", "conf", "sources"),
    [
        # only the management zone edited: the shipped public zone still opens ssh to all
        (
            {
                "/usr/lib/firewalld/zones/public.xml": SHIPPED_PUBLIC,
                "/etc/firewalld/zones/mgmt.xml": MGMT,
            },
            "",
            [],
        ),
        # public overridden without ssh: SSH only from the management sources
        (
            {
                "/usr/lib/firewalld/zones/public.xml": SHIPPED_PUBLIC,
                "/etc/firewalld/zones/public.xml": '<zone><service name="https"/></zone>',
                "/etc/firewalld/zones/mgmt.xml": MGMT,
            },
            "",
            ["firewalld zone mgmt"],
        ),
        # the default zone is another one, and it opens ssh
        (
            {
                "/etc/firewalld/zones/public.xml": "<zone/>",
                "/etc/firewalld/zones/internal.xml": '<zone><service name="ssh"/></zone>',
                "/etc/firewalld/zones/mgmt.xml": MGMT,
            },
            "DefaultZone=internal\n",
            [],
        ),
        # a rich rule with a source, in the default zone
        (
            {
                "/etc/firewalld/zones/public.xml": (
                    '<zone><rule family="ipv4"><source address="198.51.100.0/24"/>'
                    '<service name="ssh"/><accept/></rule></zone>'
                )
            },
            "",
            ["firewalld zone public"],
        ),
        # a zone that accepts everything
        (
            {
                "/etc/firewalld/zones/public.xml": '<zone target="ACCEPT"/>',
                "/etc/firewalld/zones/mgmt.xml": MGMT,
            },
            "",
            [],
        ),
    ],
    ids=["shipped-public", "public-overridden", "other-default", "rich-rule", "target-accept"],
)
def test_firewalld_zones_restrict_ssh_sources(
    zones: dict[str, str], conf: str, sources: list[str]
) -> None:
    texts = {**zones, "/etc/firewalld/firewalld.conf": conf}
    assert firewalld_ssh_sources(texts) == sources


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_firewalld_zones_hostile(text: str) -> None:
    texts = {"/etc/firewalld/zones/public.xml": text, "/etc/firewalld/firewalld.conf": text}
    survives(firewalld_ssh_sources, texts)


def test_sshd_config_drop_ins_when_sshd_t_cannot_run() -> None:
    """Without root, the weak RHEL host's drop-ins still show root login and X11 forwarding."""
    host = ModelledHost("weak", overrides={_sshd.SSHD_T: command_result("", status=1)})
    source = (
        "/etc/ssh/sshd_config (with /etc/ssh/sshd_config.d/01-permitrootlogin.conf, "
        "/etc/ssh/sshd_config.d/50-redhat.conf)"
    )
    assert verdict(SshRootLogin, host) == {"sshd PermitRootLogin": f"{source}: permitrootlogin yes"}
    assert verdict(SshX11Forwarding, host) == {"sshd x11forwarding": f"{source}: x11forwarding yes"}


WANTS_WITHOUT_FIREWALLD = "".join(
    line + "\n"
    for line in (DATA / "weak" / "outputs" / "wants.out").read_text().splitlines()
    if "firewalld" not in line
)
RHEL_IPTABLES = (
    "# sample configuration for iptables service\n*filter\n:INPUT ACCEPT [0:0]\n"
    ":FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
    "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p icmp -j ACCEPT\n"
    "-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT\n"
    "-A INPUT -j REJECT --reject-with icmp-host-prohibited\n"
    "-A FORWARD -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n"
)


def without_firewalld(unit: str, files: dict[str, str | None]) -> ModelledHost:
    """The weak host with firewalld off and ``unit`` enabled at boot instead."""
    wants = WANTS_WITHOUT_FIREWALLD + f"/etc/systemd/system/multi-user.target.wants/{unit}\n"
    return ModelledHost("weak", overrides={WANTS: command_result(wants)}, files=files)


def test_iptables_services_filters_at_boot() -> None:
    host = without_firewalld("iptables.service", {"/etc/sysconfig/iptables": RHEL_IPTABLES})
    assert verdict(FirewallInactive, host) == {}


def test_nftables_service_loads_sysconfig_and_its_includes() -> None:
    sysconfig = "/etc/sysconfig/nftables.conf"
    shipped = ModelledHost("weak").read(sysconfig)
    host = without_firewalld("nftables.service", {})
    [evidence] = verdict(FirewallInactive, host).values()  # Red Hat ships the include commented
    assert evidence.startswith(
        f"no firewall is enabled at boot: {sysconfig} has no input chain that drops or rejects;"
    )
    enabled = shipped.replace(
        '#include "/etc/nftables/main.nft"', 'include "/etc/nftables/main.nft"'
    )
    host = without_firewalld("nftables.service", {sysconfig: enabled})
    assert verdict(FirewallInactive, host) == {}


def test_a_filtering_sysconfig_iptables_without_its_service() -> None:
    host = without_firewalld("sshd.service", {"/etc/sysconfig/iptables": RHEL_IPTABLES})
    [evidence] = verdict(FirewallInactive, host).values()
    assert (
        "/etc/sysconfig/nftables.conf has no input chain that drops or rejects; "
        "/etc/sysconfig/iptables filters input but iptables.service is not enabled; ufw not "
        "enabled (/etc/ufw/ufw.conf absent); firewalld.service not enabled"
    ) in evidence


@pytest.mark.parametrize(
    ("host", "ident"), [("weak", "rhel"), ("hardened", "openEuler")], ids=["rhel", "openeuler"]
)
def test_vulnerable_package_names_the_unmatched_distribution(host: str, ident: str) -> None:
    """No advisory ecosystem is known for RHEL or openEuler yet: inconclusive, never a pass."""
    with pytest.raises(Inconclusive, match=f"distribution '{ident}' in /etc/os-release"):
        verdict(VulnerablePackage, ModelledHost(host))


def test_rpm_query_format_with_capitals_and_epochs() -> None:
    """``rpm -qa --qf`` as declared: names with capitals, epochs kept but 0, source RPMs."""
    listed = rpm_packages(ModelledHost("weak").output(_packages.RPM))
    by_name = {p.name: p for p in listed}
    assert by_name["NetworkManager"].version == "1:1.44.0-3.el9"
    assert by_name["xorg-x11-server-Xorg"].source == "xorg-x11-server"
    assert by_name["openssh-server"].version == "8.7p1-34.el9"
    assert by_name["gpg-pubkey"].source == "gpg-pubkey"  # a key, not built from a source RPM
    assert len(listed) == 8
