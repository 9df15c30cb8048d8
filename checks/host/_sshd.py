"""The SSH server's effective configuration on an audited host, read once per host and run.

``sshd -T`` prints the configuration sshd actually uses (defaults and includes resolved); it
needs root, so it runs as root the way the credential says (sudo or su). When it cannot run,
``/etc/ssh/sshd_config`` is read instead with the drop-in files of ``/etc/ssh/sshd_config.d``
(one ``cat`` loop): ``Include`` lines are followed in place, in the order sshd reads them
(Debian 12 and Red Hat 9 start sshd_config with ``Include /etc/ssh/sshd_config.d/*.conf``, and
Red Hat's installer writes ``PermitRootLogin yes`` there), and the first occurrence of each
keyword wins, as in sshd. ``Match`` blocks are left out (they apply only to some connections),
and so are included files outside ``/etc/ssh/sshd_config.d`` (Red Hat's crypto-policy file sets
only ciphers); the evidence says which source was used.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from checks.host._files import cat_command, parse_files
from scanner.api import CheckContext, Inconclusive, OnsiteTarget

SSHD_T = "sshd -T"
SSHD_CONFIG = "/etc/ssh/sshd_config"
DROP_INS = "/etc/ssh/sshd_config.d/*.conf"
FILES = cat_command((SSHD_CONFIG, DROP_INS))
#: The commands every sshd check declares (``sshd -T`` as root).
COMMANDS = ("sudo " + SSHD_T, FILES)
KEYWORD = re.compile(r"\s*=\s*|\s+")


@dataclass(frozen=True)
class SshdConfig:
    """Keywords (lower case) to values, and where they were read from."""

    values: dict[str, str]
    source: str

    def get(self, keyword: str, default: str) -> str:
        """The value of ``keyword`` (lower case), or OpenSSH's ``default``."""
        return self.values.get(keyword.lower(), default)


def sshd_config(target: OnsiteTarget, ctx: CheckContext) -> SshdConfig:
    """The effective sshd configuration of ``target`` (commands shared by every sshd check)."""
    effective = ctx.ssh_run(target, SSHD_T, root=True)
    if effective.exit_status == 0 and effective.text.strip():
        return SshdConfig(_parse(effective.text.splitlines(), first_wins=False), SSHD_T)
    files, _ = parse_files(ctx.ssh_run(target, FILES), "the sshd configuration")
    if SSHD_CONFIG not in files.texts:
        why = " (root or sudo needed)" if SSHD_CONFIG in files.unreadable else ""
        raise Inconclusive(f"neither `sshd -T` nor {SSHD_CONFIG} could be read{why}")
    included: list[str] = []
    lines = _lines(files.texts, SSHD_CONFIG, included)
    source = SSHD_CONFIG + (f" (with {', '.join(included)})" if included else "")
    return SshdConfig(_parse(lines, first_wins=True), source)


def _lines(texts: dict[str, str], path: str, included: list[str], depth: int = 0) -> list[str]:
    """The active lines of ``path`` with its ``Include`` files in place, up to its first
    ``Match`` (and, in sshd_config itself, nothing after it); ``included`` collects the
    files followed."""
    found: list[str] = []
    for raw in texts[path].splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, value = [*KEYWORD.split(line, maxsplit=1), ""][:2]
        if keyword.lower() == "match":
            found.append(line)  # _parse stops here
            break
        if keyword.lower() != "include" or depth > 5:
            found.append(line)
            continue
        for pattern in value.split():
            full = pattern if pattern.startswith("/") else f"/etc/ssh/{pattern}"
            for name in sorted(p for p in texts if fnmatch.fnmatchcase(p, full)):
                if name not in included:
                    included.append(name)
                    inner = _lines(texts, name, included, depth + 1)
                    found += inner[:-1] if inner and _is_match(inner[-1]) else inner
    return found


def _is_match(line: str) -> bool:
    return line.split(None, 1)[0].lower() == "match"


def _parse(lines: list[str], *, first_wins: bool) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if _is_match(line):
            break  # what follows applies only to some connections
        keyword, value = [*KEYWORD.split(line, maxsplit=1), ""][:2]
        key = keyword.lower()
        if first_wins and key in values:
            continue
        values[key] = value.strip().lower()
    return values
