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

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from checks.host._files import Files, cat_command, parse_files
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

MAIN = "/etc/security/pwquality.conf"
CONF_D = "/etc/security/pwquality.conf.d/"
PAM_FILES = ("/etc/pam.d/common-password", "/etc/pam.d/system-auth", "/etc/pam.d/password-auth")
COMMAND = cat_command((f"{CONF_D}*.conf", MAIN, *PAM_FILES))
MODULES = ("pam_pwquality", "pam_cracklib")
CREDITS = ("dcredit", "ucredit", "lcredit", "ocredit")
KEYS = ("minlen", "minclass", *CREDITS)
DEFAULTS = {
    "pam_pwquality": {"minlen": 8, "minclass": 0, **dict.fromkeys(CREDITS, 0)},
    "pam_cracklib": {"minlen": 9, "minclass": 0, **dict.fromkeys(CREDITS, 1)},
}
SETTING = re.compile(r"^\s*([a-z_]+)\s*=\s*(\S*)\s*$")
FLOOR = 6  # both modules refuse passwords shorter than this, whatever minlen says


@dataclass
class Policy:
    """The effective settings of the module found, and where each came from."""

    module: str
    line: str  # the PAM file that loads it
    values: dict[str, int] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)

    def set(self, key: str, raw: str, origin: str) -> None:
        if key not in KEYS:
            return
        if not re.fullmatch(r"[+-]?\d{1,6}", raw):
            raise Inconclusive(f"{origin}: {key} = {raw!r} is not a number")
        self.values[key], self.origin[key] = int(raw), origin

    def shortest(self) -> int:
        """The shortest password the module accepts."""
        bonus = sum(max(self.values[c], 0) for c in CREDITS)
        return max(self.values["minlen"] - bonus, FLOOR)

    def classes(self) -> int:
        """How many character classes a password must contain."""
        return max(self.values["minclass"], sum(1 for c in CREDITS if self.values[c] < 0))

    def sources(self, *keys: str) -> str:
        return ", ".join(sorted({self.origin.get(k, f"{self.module} default") for k in keys}))


def pam_module(text: str) -> tuple[str, dict[str, str]] | None:
    """The first active ``password`` line of a PAM file loading pam_pwquality or pam_cracklib:
    the module's name and its ``key=value`` arguments."""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        words = line.split()
        if len(words) < 3 or words[0].lstrip("-") != "password":
            continue
        rest = line.split(None, 1)[1]
        if rest.startswith("["):  # a [value=action ...] control may hold spaces
            rest = rest.partition("]")[2]
        else:
            rest = rest.split(None, 1)[1] if len(rest.split()) > 1 else ""
        parts = rest.split()
        if not parts:
            continue
        name = parts[0].rsplit("/", 1)[-1].removesuffix(".so")
        if name in MODULES:
            return name, {k: v for k, _, v in (a.partition("=") for a in parts[1:] if "=" in a)}
    return None


def policy(files: Files) -> Policy | None:
    """The effective policy, or ``None`` when no PAM password stack loads a quality module."""
    found: tuple[str, str, dict[str, str]] | None = None
    for pam in PAM_FILES:
        if pam in files.texts and (loaded := pam_module(files.texts[pam])):
            found = (pam, *loaded)
            break
    if found is None:
        return None
    path, module, args = found
    result = Policy(module, path, dict(DEFAULTS[module]))
    if module == "pam_pwquality":  # pam_cracklib reads no configuration file
        conf_d = sorted(p for p in files.texts if p.startswith(CONF_D))
        for conf in [*conf_d, MAIN] if MAIN in files.texts else conf_d:
            for line in files.texts[conf].splitlines():
                if match := SETTING.match(line.split("#", 1)[0]):
                    result.set(match.group(1), match.group(2), conf)
    for key, raw in args.items():
        result.set(key, raw, f"{path} {module} arguments")
    return result


class PasswordQuality(Check):
    id = "host.password-quality"
    title = "Password changes are not checked for length and complexity"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-521", "MLPS-8.1.4.1")
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
