"""Failed logins do not lock the account.

MLPS 2.0 level 3 (8.1.4.1 b) expects login-failure handling: a limit on failed attempts that
locks the account for a while. On Linux that is ``pam_faillock`` (or the older ``pam_tally2``)
on the ``auth`` stack. The check reads the login stacks (``/etc/pam.d/common-auth`` on Debian
and SUSE, ``system-auth`` and ``password-auth`` on Red Hat, includes followed) and
``/etc/security/faillock.conf``. No such module is a finding; so is a ``deny`` above the
setting ``max_deny`` (default 5), or ``deny=0`` (never locks). pam_faillock's ``deny`` comes
from its arguments, else faillock.conf, else its default 3; pam_tally2 locks only with
``deny=``.

Commands run (read-only): one ``cat`` loop over the PAM files (shared by the PAM checks).

Sample evidence::

    no pam_faillock or pam_tally2 on the auth stack (/etc/pam.d/common-auth): failed logins
    never lock an account
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._pamstack import AUTH_STACKS, COMMAND, FAILLOCK_CONF, modules, pam_files, settings
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Mode,
    OnsiteTarget,
    Severity,
)


class LoginLockoutMissing(Check):
    id = "host.login-lockout-missing"
    title = "Failed logins do not lock the account"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-307", "MLPS-8.1.4.1b")
    remediation = (
        "Lock accounts after at most 5 failed logins: load pam_faillock on the auth stack "
        "(Debian: 'auth required pam_faillock.so preauth' before pam_unix and 'auth [default=die] "
        "pam_faillock.so authfail' after it, plus 'account required pam_faillock.so'; Red Hat: "
        "authselect enable-feature with-faillock) and set deny = 5 and unlock_time = 900 in "
        "/etc/security/faillock.conf."
    )
    commands = (COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        files = pam_files(target, ctx)
        stacks = [p for p in AUTH_STACKS if p in files.texts]
        lines = [
            line
            for path in stacks
            for line in modules(files, path, "auth")
            if line.module in ("pam_faillock", "pam_tally2")
        ]
        if not lines:
            yield self.finding(
                target,
                f"no pam_faillock or pam_tally2 on the auth stack ({', '.join(stacks)}): failed "
                "logins never lock an account",
                location="login lockout",
            )
            return
        line = lines[0]
        conf = settings(files, FAILLOCK_CONF) if line.module == "pam_faillock" else {}
        raw = line.args.get("deny", conf.get("deny", "3" if line.module == "pam_faillock" else ""))
        source = (
            f"{line.path} {line.module} arguments"
            if "deny" in line.args
            else (FAILLOCK_CONF if "deny" in conf else f"{line.module} default")
        )
        limit = int(ctx.setting("max_deny", 5))
        if not raw.isdigit() or int(raw) == 0 or int(raw) > limit:
            said = f"deny={raw}" if raw else "no deny="
            yield self.finding(
                target,
                f"{line.module} {said} ({source}): accounts lock only after more than {limit} "
                "failures, or never",
                location="login lockout deny",
            )
