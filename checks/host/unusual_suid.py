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

import shlex
from collections.abc import Iterator, Sequence

from checks.host._output import END, complete
from checks.host._owners import dpkg_owned, rpm_owned
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


def suid_files(lines: Sequence[str]) -> list[str]:
    """The paths ``find`` printed, in order, without duplicates."""
    bad = [line for line in lines if not line.startswith("/")]
    if bad:
        raise Inconclusive(f"find printed {len(bad)} line(s) that are not paths, e.g. {bad[0]!r}")
    return list(dict.fromkeys(lines))


class UnusualSuid(Check):
    id = "host.unusual-suid"
    title = "Set-user-ID or set-group-ID program owned by no package"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-250", "CWE-732", "MLPS-8.1.4.2d")
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
            owned = dpkg_owned(target, ctx, files, links)
        elif "rpm" in tools:
            tool = "rpm -qf"
            owned = rpm_owned(target, ctx, files)
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
