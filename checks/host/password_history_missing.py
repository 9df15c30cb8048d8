"""Old passwords can be reused (no password history).

MLPS 2.0 level 3 (8.1.4.1 a) expects passwords changed periodically; without a history a user
"changes" back to the old password. The check reads the password stacks
(``/etc/pam.d/common-password``, ``system-auth``, ``password-auth``) and
``/etc/security/pwhistory.conf`` and finds ``pam_pwhistory`` (``remember`` from its arguments,
else pwhistory.conf, else its default 10) or pam_unix's ``remember=N``. None, or a
``remember`` below the setting ``min_remember`` (default 5), is a finding. A pam_pwhistory line
after ``password sufficient pam_unix.so`` does not count: PAM returns as soon as pam_unix has
changed the password, so the history is never checked (the module must come before pam_unix).

Commands run (read-only): one ``cat`` loop over the PAM files (shared by the PAM checks).

Sample evidence::

    no pam_pwhistory and no pam_unix remember= on the password stack
    (/etc/pam.d/common-password): old passwords can be reused
    no pam_pwhistory and no pam_unix remember= on the password stack (/etc/pam.d/system-auth):
    old passwords can be reused (pam_pwhistory after password sufficient pam_unix in
    /etc/pam.d/system-auth is never reached)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._pamstack import (
    COMMAND,
    PASSWORD_STACKS,
    PWHISTORY_CONF,
    modules,
    pam_files,
    reached,
    settings,
)
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


class PasswordHistoryMissing(Check):
    id = "host.password-history-missing"
    title = "Old passwords can be reused (no password history)"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-262", "MLPS-8.1.4.1a")
    remediation = (
        "Remember the last 5 passwords or more: 'password required pam_pwhistory.so remember=5 "
        "use_authtok' before pam_unix on the password stack (or remember = 5 in "
        "/etc/security/pwhistory.conf)."
    )
    commands = (COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        files = pam_files(target, ctx)
        stacks = [p for p in PASSWORD_STACKS if p in files.texts]
        want = int(ctx.setting("min_remember", 5))
        conf = settings(files, PWHISTORY_CONF)
        unreached = []
        for path in stacks:
            runs, skipped = reached(modules(files, path, "password"), "pam_unix")
            if any(line.module == "pam_pwhistory" for line in skipped):
                unreached.append(path)
            for line in runs:
                raw = None
                if line.module == "pam_pwhistory":
                    raw = line.args.get("remember", conf.get("remember", "10"))
                elif line.module == "pam_unix" and "remember" in line.args:
                    raw = line.args["remember"]
                if raw is None:
                    continue
                if raw.isdigit() and int(raw) >= want:
                    return
                yield self.finding(
                    target,
                    f"{path}: {line.module} remember={raw} (fewer than {want} old passwords "
                    "refused)",
                    location="password history",
                )
                return
        late = (
            f" (pam_pwhistory after password sufficient pam_unix in {', '.join(unreached)} is "
            "never reached)"
            if unreached
            else ""
        )
        yield self.finding(
            target,
            f"no pam_pwhistory and no pam_unix remember= on the password stack "
            f"({', '.join(stacks)}): old passwords can be reused{late}",
            location="password history",
        )
