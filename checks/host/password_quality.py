"""Password changes are not checked for length and complexity.

MLPS 2.0 (identification, level 2 and up) expects passwords with a minimum length and several
character classes, enforced when they are set. On Linux that is PAM's ``pam_pwquality`` (or the
older ``pam_cracklib``) on the ``password`` stack, configured in ``/etc/security/pwquality.conf``
and ``/etc/security/pwquality.conf.d/*.conf``. The check reads those files and the PAM stacks
``passwd`` uses (``/etc/pam.d/common-password`` on Debian and SUSE, ``system-auth`` and
``password-auth`` on Red Hat) and computes the policy as the module does: the built-in defaults
(pam_pwquality: ``minlen`` 8, credits 0, ``minclass`` 0; pam_cracklib: ``minlen`` 9, credits 1),
then the ``.d`` files in name order, then ``pwquality.conf``, then the module's own arguments on
the PAM line. Findings, each with its own location:

- no active ``password`` line loads either module: nothing is checked (one finding, and the
  settings are not judged);
- the shortest accepted password, ``minlen`` minus the positive credits (``dcredit``,
  ``ucredit``, ``lcredit``, ``ocredit`` above 0 let each class present count as a character),
  is shorter than the setting ``min_length`` (default 8);
- fewer character classes are required than the setting ``min_classes`` (default 3): the
  larger of ``minclass`` and the number of negative credits (a negative credit requires its
  class).

No PAM stack file at all, an unreadable file or a value that is not a number is inconclusive.

Commands run (read-only): one ``cat`` loop over the files above.

Sample evidence::

    no pam_pwquality or pam_cracklib on the password stack (/etc/pam.d/common-password);
    /etc/security/pwquality.conf is missing
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._files import cat_command, parse_files
from checks.host._pam import CONF_D, CREDITS, MAIN, PAM_FILES, policy
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    Mode,
    OnsiteTarget,
    Severity,
)

COMMAND = cat_command((f"{CONF_D}*.conf", MAIN, *PAM_FILES))


class PasswordQuality(Check):
    id = "host.password-quality"
    title = "Password changes are not checked for length and complexity"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-521", "MLPS-8.1.4.1a")
    remediation = (
        "Install pam_pwquality (Debian: libpam-pwquality; Red Hat: libpwquality), load it on the "
        "password stack (password requisite pam_pwquality.so retry=3) and set minlen = 8 or "
        "more and minclass = 3 in /etc/security/pwquality.conf."
    )
    commands = (COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        files, _ = parse_files(ctx.ssh_run(target, COMMAND), "the PAM password configuration")
        if blocked := [p for p in files.unreadable if p.startswith((MAIN, CONF_D, *PAM_FILES))]:
            raise Inconclusive(f"cannot read {', '.join(blocked)}")
        stacks = [p for p in PAM_FILES if p in files.texts]
        if not stacks:
            raise Inconclusive(f"none of {', '.join(PAM_FILES)} exists: unknown PAM layout")
        found = policy(files)
        if found is None:
            conf = "present" if MAIN in files.texts else "missing"
            yield self.finding(
                target,
                f"no pam_pwquality or pam_cracklib on the password stack ({', '.join(stacks)}); "
                f"{MAIN} is {conf}",
                location="password quality module",
            )
            return
        min_length = int(ctx.setting("min_length", 8))
        min_classes = int(ctx.setting("min_classes", 3))
        shortest, classes = found.shortest(), found.classes()
        if shortest < min_length:
            yield self.finding(
                target,
                f"{found.module} accepts passwords of {shortest} characters (minlen "
                f"{found.values['minlen']}, credits "
                f"{'/'.join(str(found.values[c]) for c in CREDITS)}; from "
                f"{found.sources('minlen', *CREDITS)}), fewer than {min_length}",
                location="password quality minlen",
                detail={"shortest": shortest},
            )
        if classes < min_classes:
            yield self.finding(
                target,
                f"{found.module} requires {classes} character classes (minclass "
                f"{found.values['minclass']}, credits "
                f"{'/'.join(str(found.values[c]) for c in CREDITS)}; from "
                f"{found.sources('minclass', *CREDITS)}), fewer than {min_classes}",
                location="password quality classes",
                detail={"classes": classes},
            )
