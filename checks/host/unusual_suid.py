"""Set-user-ID or set-group-ID programs that no installed package owns.

A SUID or SGID program runs with its owner's or group's rights whoever starts it: a copied shell,
a debugging tool or an old build left set-user-ID root is a ready way to root for any local user,
and a classic backdoor. The distribution's own set (``passwd``, ``su``, ``sudo``, ``mount``...)
is known to its package manager, so the check lists SUID/SGID regular files and asks the package
manager who owns them; each file nobody owns is a finding, located at its path.

``find`` searches ``/usr``, ``/bin``, ``/sbin``, the ``/lib*`` folders, ``/opt``, ``/etc``,
``/boot``, ``/srv``, ``/var``, ``/home`` and ``/root`` (as root, staying on each folder's file
system, at most 1000 files), skipping container and snap stores under ``/var/lib`` (docker,
containers, containerd, lxc, lxd, machines, snapd), whose programs belong to the images, not
the host. ``/tmp`` and ``/dev/shm`` are not searched (usually mounted nosuid, and often holding
other systems' build trees). Ownership comes from ``dpkg -S`` or ``rpm -qf`` (many files per
command); on a merged-/usr Debian (``/bin`` a symbolic link) a file under ``/usr/bin`` is also
looked up as ``/bin/...``, as dpkg may have recorded it there. dpkg cannot look up a name with
shell pattern characters (``*?[]\\``) literally: such a file is reported as unowned. No package
manager, or one that does not answer for every file, is inconclusive.

Without sudo, folders the login user cannot read are not searched.

Commands run (read-only): the ``find`` above (under sudo, in ``sh -c``), ``command -v
dpkg``/``rpm`` with a ``find -maxdepth 0 -type l`` of ``/bin /sbin /lib*``, ``dpkg -S FILE...``
or ``rpm -qf FILE...``.

Sample evidence::

    /usr/local/sbin/lab-suid is set-user-ID or set-group-ID and owned by no package (dpkg -S)
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Sequence

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

END = "#=scanner-end=#"
ROOTS = "/usr /bin /sbin /lib /lib32 /lib64 /libx32 /opt /etc /boot /srv /var /home /root"
STORES = ("docker", "containers", "containerd", "lxc", "lxd", "machines", "snapd")
LIMIT = 1000
# In ``sh -c``: sudo runs one program, and a refused sudo must not look like "no files found".
FIND = "sh -c " + shlex.quote(
    f"find {ROOTS} -xdev \\( "
    + " -o ".join(f"-path /var/lib/{store}" for store in STORES)
    + " \\) -prune -o -type f \\( -perm -4000 -o -perm -2000 \\) -print 2>/dev/null "
    f"| head -n {LIMIT}; echo '{END}'"
)
ALIASES = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
PROBE = (
    f"command -v dpkg; command -v rpm; find {' '.join(ALIASES)} -maxdepth 0 -type l "
    f"2>/dev/null; echo '{END}'"
)
CHUNK = 100  # files per dpkg/rpm command: keeps each command line short
PATTERN_CHARS = re.compile(r"[*?\[\]\\]")
DPKG_OWNED = re.compile(r"^([a-z0-9][a-z0-9+.:-]*(?:, [a-z0-9][a-z0-9+.:-]*)*): (/.*)$")
DPKG_MISSING = re.compile(r"no path found matching pattern (/.*)$")
RPM_MISSING = re.compile(r"^file (/.*) is not owned by any package$")


def complete(text: str, what: str, truncated: bool) -> list[str]:
    """The lines before the end mark; ``Inconclusive`` when it is missing."""
    body, sep, _ = text.rpartition(END)
    if not sep:
        cut = " (cut at the output limit or the deadline)" if truncated else ""
        raise Inconclusive(f"{what} did not complete{cut}: its output has no end mark")
    return [line for line in body.splitlines() if line.strip()]


def suid_files(lines: Sequence[str]) -> list[str]:
    """The paths ``find`` printed, in order, without duplicates."""
    bad = [line for line in lines if not line.startswith("/")]
    if bad:
        raise Inconclusive(f"find printed {len(bad)} line(s) that are not paths, e.g. {bad[0]!r}")
    return list(dict.fromkeys(lines))


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


class UnusualSuid(Check):
    id = "host.unusual-suid"
    title = "Set-user-ID or set-group-ID program owned by no package"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-250", "CWE-732", "MLPS-8.1.4.2")
    remediation = (
        "Find out who installed each listed program and why; remove it or clear its "
        "set-user-ID and set-group-ID bits (chmod u-s,g-s FILE), and install the software "
        "it belongs to from a package instead."
    )
    commands = ("sudo " + FIND, PROBE, "dpkg -S ...", "rpm -qf ...")

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = ctx.ssh_run(target, FIND, root=True)
        files = suid_files(complete(found.text, "find", found.truncated))
        if not files:
            return
        probe = ctx.ssh_run(target, PROBE)
        lines = complete(probe.text, "looking for dpkg and rpm", probe.truncated)
        tools = {line.rsplit("/", 1)[-1] for line in lines if line.endswith(("/dpkg", "/rpm"))}
        links = {line for line in lines if line in ALIASES}
        if "dpkg" in tools:
            tool = "dpkg -S"
            owned = self._dpkg(target, ctx, files, links)
        elif "rpm" in tools:
            tool = "rpm -qf"
            owned = self._query(target, ctx, files, rpm=True)
        else:
            raise Inconclusive(
                f"{len(files)} SUID/SGID files, but no package manager (dpkg, rpm) to tell the "
                "distribution's own from others"
            )
        for path in files:
            if not owned[path]:
                yield self.finding(
                    target,
                    f"{path} is set-user-ID or set-group-ID and owned by no package ({tool})",
                    location=path,
                )

    def _dpkg(
        self, target: OnsiteTarget, ctx: CheckContext, files: list[str], links: set[str]
    ) -> dict[str, bool]:
        plain = [p for p in files if not PATTERN_CHARS.search(p)]
        owned = dict.fromkeys(files, False) | self._query(target, ctx, plain, rpm=False)
        # merged /usr: dpkg may know /usr/bin/su as /bin/su
        aliases = {}
        for path in plain:
            top = "/" + path.split("/")[2] if path.startswith("/usr/") else ""
            if not owned[path] and top in links:
                aliases[path.removeprefix("/usr")] = path
        for alias, is_owned in self._query(target, ctx, list(aliases), rpm=False).items():
            owned[aliases[alias]] = is_owned
        return owned

    def _query(
        self, target: OnsiteTarget, ctx: CheckContext, paths: list[str], *, rpm: bool
    ) -> dict[str, bool]:
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
