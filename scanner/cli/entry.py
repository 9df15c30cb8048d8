"""The ``scanner`` group itself: its options, and its commands listed from a static table so
that ``scanner --help`` and ``scanner --version`` import none of them.

A command's module is imported only when that command runs (click's "lazy loading
subcommands"): ``scanner validate`` loads the inventory schema and the check registry, not the
store, the reports or the network libraries. :mod:`scanner.cli.main` still registers every
command on this same group, so tests and code that import it see them all. The table can go
stale only in a test: ``tests/unit/cli/test_lazy.py`` compares it with the registered commands
(names, where each lives, short help and the rendered ``--help``). A command missing from the
table still runs: an unknown name loads :mod:`scanner.cli.main` and looks again.
"""

from __future__ import annotations

import importlib
import logging

import click

from scanner import __version__

#: Every command: name -> ("module:attribute" of its click command, its short help as
#: ``--help`` lists it, the first sentence of its docstring).
COMMANDS: dict[str, tuple[str, str]] = {
    "checklist": (
        "scanner.cli.checklist:checklist_cmd",
        "The management checklist answered on site: blank answers files.",
    ),
    "checks": ("scanner.cli.main:checks_cmd", "Print the check catalogue."),
    "commands": (
        "scanner.cli.hostkeys:commands_cmd",
        "Print every command the on-site audit runs on a host (all checks, or those of one "
        "inventory's profile), whether as root via `sudo -n`, and which checks run it.",
    ),
    "coverage": (
        "scanner.cli.main:coverage_cmd",
        "Print which checks evidence each MLPS level-3 item of 8.1.4 (secure computing "
        "environment), or that a checklist question asks it, or that nothing covers it.",
    ),
    "diff": (
        "scanner.cli.issues:diff_cmd",
        "What changed from RUN_A to RUN_B: new, fixed, reopened, still open, could not verify, "
        "and what one of them did not check (never new or fixed).",
    ),
    "evidence": (
        "scanner.cli.evidence:evidence_cmd",
        "Signed, tamper-evident evidence bundles of notices, and the runs' attempt chains.",
    ),
    "explain": (
        "scanner.cli.notices:explain_cmd",
        "Show how an issue's risk score and level came about.",
    ),
    "false-positive": (
        "scanner.cli.issues:false_positive_cmd",
        "Mark an issue a false positive; rescans keep it so.",
    ),
    "feed": (
        "scanner.cli.feeds:feed_cmd",
        "Vulnerability feeds (OSV, NVD CVE JSON 2.0, CISA KEV) imported from files.",
    ),
    "findings": ("scanner.cli.main:findings", "Print a run's findings, worst first."),
    "hostkeys": (
        "scanner.cli.hostkeys:hostkeys_cmd",
        "SSH host keys of on-site hosts pinned in the store (trusted like known_hosts).",
    ),
    "issue": ("scanner.cli.issues:issue_cmd", "Show one issue and its audit trail."),
    "issues": ("scanner.cli.issues:issues_cmd", "List issues tracked across runs."),
    "keys": (
        "scanner.cli.evidence:keys_cmd",
        "The authority's Ed25519 key that signs evidence bundles (kept in files, never in the "
        "store).",
    ),
    "notice": (
        "scanner.cli.notices:notice_cmd",
        "One notice: show it with its history, record an enforcement action.",
    ),
    "notices": (
        "scanner.cli.notices:notices_cmd",
        "Issue the notices of a rectification round: after a full run, one per entity with open "
        "items on no notice yet (a supplementary notice after its first).",
    ),
    "ot-requests": (
        "scanner.cli.main:ot_requests_cmd",
        "Print every industrial-protocol request the checks may send (all read-only), by check, "
        "and the identification probes (docs/ot-safety.md).",
    ),
    "queue": (
        "scanner.cli.web:queue_cmd",
        "Verification rescans asked for from the web application.",
    ),
    "run": ("scanner.cli.main:run", "Run PROFILE of INVENTORY and store the results."),
    "runs": (
        "scanner.cli.main:runs",
        "List runs with their attempt and finding counts, and the round each opened.",
    ),
    "schedule": (
        "scanner.cli.schedule:schedule_cmd",
        "Scheduled runs: show the next due times, or run the scheduler.",
    ),
    "schema": (
        "scanner.cli.main:schema",
        "Print the inventory's JSON Schema (or its Markdown reference).",
    ),
    "serve": (
        "scanner.cli.web:serve_cmd",
        "Serve the web application and the REST API (/api/v1) over the store.",
    ),
    "summary": (
        "scanner.cli.notices:summary_cmd",
        "Write the campaign summary of a run: totals, notices, sectors, worst assets, history.",
    ),
    "tokens": ("scanner.cli.web:tokens_cmd", "API tokens of the web application's REST API."),
    "users": ("scanner.cli.web:users_cmd", "Accounts of the web application."),
    "validate": (
        "scanner.cli.validate:validate",
        "Validate INVENTORY without sending a packet: schema, scope, authorization, checks.",
    ),
    "verify": (
        "scanner.cli.notices:verify_cmd",
        "Rescan a notice's open items and re-render it with each item's verified status.",
    ),
    "waive": (
        "scanner.cli.issues:waive_cmd",
        "Accept an issue until a date; it reopens when the waiver expires.",
    ),
    "worker": (
        "scanner.cli.worker:worker_cmd",
        "Run the jobs that `scanner run --broker` sends, writing into the store (--db).",
    ),
}

#: The module that registers every command on the group (the fallback for a name the table
#: does not know yet).
ALL_COMMANDS = "scanner.cli.main"


def load(path: str) -> click.Command:
    """The click command at ``path`` ("module:attribute"), its module imported now."""
    module, _, attribute = path.partition(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{path} is not a click command")
    return command


class LazyGroup(click.Group):
    """A click group whose commands are imported when run, listed from :data:`COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name in COMMANDS:
            return load(COMMANDS[cmd_name][0])
        importlib.import_module(ALL_COMMANDS)  # registers every command on this group
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own listing, with the short help read from the table instead of each command
        # (which would import them all); a command registered but not in the table shows its own.
        rows: list[tuple[str, str | None]] = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is not None and command.hidden:
                continue
            rows.append((name, COMMANDS[name][1] if name in COMMANDS else None))
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        listed = []
        for name, text in rows:
            if text is None:
                command = self.commands[name]
                listed.append((name, command.get_short_help_str(limit)))
            else:
                # click's own shortening, applied to the table's sentence
                listed.append((name, click.Command(name, help=text).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(listed)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="scanner")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
def main(debug: bool) -> None:
    """Inspection campaigns against critical infrastructure: remote and on-site checks, tracked
    issues, rectification notices and verification rescans."""
    # Libraries' own error logs (paramiko's transport thread prints a traceback for every peer
    # it cannot negotiate with) would bury the run's output; the attempts already say it.
    logging.getLogger("paramiko").setLevel(logging.DEBUG if debug else logging.CRITICAL)
