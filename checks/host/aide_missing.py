"""No file integrity monitoring (AIDE): nothing would notice changed system files.

MLPS 2.0 level 3 (8.1.4.7 b) expects the integrity of important data in storage (programs and
configuration included) checked, so that a change is detected. The check looks for AIDE:
a configuration (``/etc/aide/aide.conf`` or ``/etc/aide.conf``), a baseline database
(``/var/lib/aide/aide.db`` or ``aide.db.gz``: ``aide --init`` was run) and a scheduled check
(``/etc/cron.daily/aide``, a cron line naming aide in ``/etc/crontab``, ``/etc/cron.d`` or
root's own crontab (``crontab -e`` as root: ``/var/spool/cron/root`` on Red Hat and openEuler,
where CIS puts the job, ``/var/spool/cron/crontabs/root`` on Debian), or
``dailyaidecheck.timer``/``aidecheck.timer`` enabled). Each missing part is one finding (no
configuration: one finding, the rest not judged).

Commands run (read-only): one ``cat`` loop over the AIDE and cron files with a test of the
database files (under sudo: the database is root's);
``find /etc/systemd/system -maxdepth 2 -path '*.wants/*'``.

Sample evidence::

    AIDE not configured: neither /etc/aide/aide.conf nor /etc/aide.conf exists
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._files import cat_command, parse_files
from checks.host._units import WANTS, enabled_units
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

CONFIGS = ("/etc/aide/aide.conf", "/etc/aide.conf")
DATABASES = ("/var/lib/aide/aide.db", "/var/lib/aide/aide.db.gz")
ROOT_CRONTABS = ("/var/spool/cron/root", "/var/spool/cron/crontabs/root")
CRON = ("/etc/cron.daily/aide", "/etc/crontab", "/etc/cron.d/*", *ROOT_CRONTABS)
DB = "#=aide-db=# "
COMMAND = cat_command(
    (*CONFIGS, *CRON),
    tail=f'for f in {" ".join(DATABASES)}; do [ -s "$f" ] && echo "{DB}$f"; done',
    root=True,
)
TIMERS = ("dailyaidecheck.timer", "aidecheck.timer")


class AideMissing(Check):
    id = "host.aide-missing"
    title = "No file integrity monitoring (AIDE)"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-354", "MLPS-8.1.4.7b")
    remediation = (
        "Install AIDE (apt install aide; dnf install aide), build the baseline (aideinit, or "
        "aide --init and move the new database into place) and run aide --check daily (the "
        "package's cron job or timer), sending its report to the administrators."
    )
    commands = ("sudo " + COMMAND, WANTS)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        files, tail = parse_files(ctx.ssh_run(target, COMMAND, root=True), "the AIDE files")
        config = next((p for p in CONFIGS if p in files.texts), None)
        if config is None:
            yield self.finding(
                target,
                f"AIDE not configured: neither {' nor '.join(CONFIGS)} exists",
                location="aide",
            )
            return
        if not any(line.startswith(DB) for line in tail.splitlines()):
            yield self.finding(
                target,
                f"AIDE has no baseline database ({' or '.join(DATABASES)}; run aideinit)",
                location="aide database",
            )
        cron = "/etc/cron.daily/aide" in files.texts or any(
            "aide" in line and not line.lstrip().startswith("#")
            for path in files.existing("/etc/crontab", "/etc/cron.d/", *ROOT_CRONTABS)
            for line in files.texts[path].splitlines()
        )
        wants = ctx.ssh_run(target, WANTS)
        timer = wants.exit_status == 0 and bool(enabled_units(wants.text) & set(TIMERS))
        if not cron and not timer:
            yield self.finding(
                target,
                f"AIDE is configured ({config}) but no check is scheduled (no cron job, no "
                "aidecheck timer)",
                location="aide schedule",
            )
