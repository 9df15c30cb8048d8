"""The password quality policy PAM enforces when a password is set, computed as the module does.

:func:`pam_module` finds the first active ``password`` line of a PAM stack file that loads
``pam_pwquality`` or ``pam_cracklib`` (with its ``key=value`` arguments); :func:`policy` then
layers the module's built-in defaults, ``/etc/security/pwquality.conf.d/*.conf`` in name order,
``/etc/security/pwquality.conf`` and the PAM line's arguments, as pam_pwquality does
(pam_cracklib reads no file). A setting that is not a number raises ``Inconclusive``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from checks.host._files import Files
from scanner.api import Inconclusive

MAIN = "/etc/security/pwquality.conf"
CONF_D = "/etc/security/pwquality.conf.d/"
PAM_FILES = ("/etc/pam.d/common-password", "/etc/pam.d/system-auth", "/etc/pam.d/password-auth")
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
