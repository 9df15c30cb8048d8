"""Which installed package owns each file of an audited host, asked of dpkg or rpm.

Many files are asked per command (``dpkg -S FILE...``, ``rpm -qf FILE...``, :data:`CHUNK` at a
time) and every file must get an answer: owned, or said to be owned by none. A file the package
manager said nothing about raises ``Inconclusive``, since an unanswered file is neither.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from scanner.api import CheckContext, Inconclusive, OnsiteTarget

CHUNK = 100  # files per dpkg/rpm command: keeps each command line short
PATTERN_CHARS = re.compile(r"[*?\[\]\\]")
DPKG_OWNED = re.compile(r"^([a-z0-9][a-z0-9+.:-]*(?:, [a-z0-9][a-z0-9+.:-]*)*): (/.*)$")
DPKG_MISSING = re.compile(r"no path found matching pattern (/.*)$")
RPM_MISSING = re.compile(r"^file (/.*) is not owned by any package$")


def dpkg_owners(stdout: str, stderr: str, asked: Sequence[str]) -> dict[str, bool]:
    """For each path asked, whether ``dpkg -S`` says a package owns it; ``Inconclusive`` for a
    path it answered nothing about."""
    owned = {m.group(2) for line in stdout.splitlines() if (m := DPKG_OWNED.match(line))}
    missing = {m.group(1) for line in stderr.splitlines() if (m := DPKG_MISSING.search(line))}
    result = {}
    for path in asked:
        if path not in owned and path not in missing:
            said = next((line for line in stderr.splitlines() if line.strip()), "nothing")
            raise Inconclusive(f"dpkg -S gave no answer for {path} (it said: {said[:200]!r})")
        result[path] = path in owned
    return result


def rpm_owners(stdout: str, asked: Sequence[str]) -> dict[str, bool]:
    """For each path asked, whether ``rpm -qf`` says a package owns it; ``Inconclusive`` when
    rpm did not answer once per path (one line per owning package, or a "not owned" line)."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    missing = {m.group(1) for line in lines if (m := RPM_MISSING.match(line))}
    answers = [line for line in lines if not RPM_MISSING.match(line)]
    unknown = [p for p in missing if p not in asked]
    if unknown or len(answers) < len(asked) - len(missing) or any(" " in a for a in answers):
        raise Inconclusive(f"rpm -qf answered unexpectedly for {len(asked)} files")
    return {path: path not in missing for path in asked}


def dpkg_owned(
    target: OnsiteTarget, ctx: CheckContext, files: list[str], links: set[str]
) -> dict[str, bool]:
    """For each of ``files``, whether dpkg says a package owns it; on a merged /usr
    (``links``: the top folders that are symbolic links) ``/usr/bin/X`` is also asked as
    ``/bin/X``. A name with shell pattern characters cannot be asked: unowned."""
    plain = [p for p in files if not PATTERN_CHARS.search(p)]
    owned = dict.fromkeys(files, False) | _query(target, ctx, plain, rpm=False)
    # merged /usr: dpkg may know /usr/bin/su as /bin/su
    aliases = {}
    for path in plain:
        top = "/" + path.split("/")[2] if path.startswith("/usr/") else ""
        if not owned[path] and top in links:
            aliases[path.removeprefix("/usr")] = path
    for alias, is_owned in _query(target, ctx, list(aliases), rpm=False).items():
        owned[aliases[alias]] = is_owned
    return owned


def _query(
    target: OnsiteTarget, ctx: CheckContext, paths: list[str], *, rpm: bool
) -> dict[str, bool]:
    """Ask ``dpkg -S`` (``rpm``: ``rpm -qf``) about ``paths``, :data:`CHUNK` at a time."""
    owned: dict[str, bool] = {}
    for start in range(0, len(paths), CHUNK):
        chunk = paths[start : start + CHUNK]
        command = ("rpm -qf " if rpm else "dpkg -S ") + shlex.join(chunk)
        result = ctx.ssh_run(target, command)
        if result.truncated:
            raise Inconclusive(f"{command.split()[0]} output was cut")
        stdout, stderr = result.text, result.stderr.decode("utf-8", "replace")
        owned |= rpm_owners(stdout, chunk) if rpm else dpkg_owners(stdout, stderr, chunk)
    return owned


def rpm_owned(target: OnsiteTarget, ctx: CheckContext, files: list[str]) -> dict[str, bool]:
    """For each of ``files``, whether rpm says a package owns it."""
    return _query(target, ctx, files, rpm=True)
