"""Logins need only one factor: no second authentication factor is configured.

MLPS 2.0 level 3 (8.1.4.1 d) expects two or more combined authentication techniques, one of
them cryptographic, for administrators. The check passes when either:

- sshd's ``AuthenticationMethods`` (``sshd -T``) requires two methods in every list (e.g.
  ``publickey,keyboard-interactive``); or
- a second-factor PAM module is on the ``auth`` stack of ``/etc/pam.d/sshd`` or the shared login
  stack (``common-auth``, ``system-auth``, ``password-auth``): pam_google_authenticator,
  pam_oath, pam_u2f, pam_yubico, pam_pkcs11, pam_p11, pam_duo, pam_radius_auth, or the setting
  ``modules``.

Otherwise it is a finding. Whether sshd actually runs that PAM stack for key logins depends on
``AuthenticationMethods``; the evidence says what was seen.

Commands run (read-only): ``sshd -T`` (shared by the sshd checks); the PAM files loop (shared by
the PAM checks).

Sample evidence::

    no second factor: sshd AuthenticationMethods any; no second-factor PAM module on
    /etc/pam.d/sshd, /etc/pam.d/common-auth
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._pamstack import AUTH_STACKS, COMMAND, PAM_D, modules, pam_files
from checks.host._sshd import COMMANDS as SSHD_COMMANDS
from checks.host._sshd import sshd_config
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

MODULES = (
    "pam_google_authenticator",
    "pam_oath",
    "pam_u2f",
    "pam_yubico",
    "pam_pkcs11",
    "pam_p11",
    "pam_duo",
    "pam_radius_auth",
)


class SecondFactorMissing(Check):
    id = "host.second-factor-missing"
    title = "Logins need only one authentication factor"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-308", "MLPS-8.1.4.1d")
    remediation = (
        "Require a second factor for administrators: a one-time-password or smart-card PAM "
        "module (e.g. 'auth required pam_google_authenticator.so' in /etc/pam.d/sshd) with "
        "'AuthenticationMethods publickey,keyboard-interactive' in /etc/ssh/sshd_config, or "
        "the organisation's two-factor gateway."
    )
    commands = (*SSHD_COMMANDS, COMMAND)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        methods = sshd_config(target, ctx).get("authenticationmethods", "any")
        lists = [m for m in methods.split() if m != "any"]
        if lists and all("," in m for m in lists):
            return
        files = pam_files(target, ctx)
        wanted = set(ctx.setting("modules", list(MODULES)))
        stacks = [p for p in (PAM_D + "sshd", *AUTH_STACKS) if p in files.texts]
        for path in stacks:
            if any(line.module in wanted for line in modules(files, path, "auth")):
                return
        yield self.finding(
            target,
            f"no second factor: sshd AuthenticationMethods {methods}; no second-factor PAM "
            f"module on {', '.join(stacks)}",
            location="second factor",
        )
