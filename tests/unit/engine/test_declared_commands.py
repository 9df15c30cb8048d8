"""Declared commands: what a check may run over SSH, how it is matched, and how it is listed.

No host is needed: an undeclared command is refused before a connection is made.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from checks.host._sshd import FILES as SSHD_FILES
from checks.host.empty_password import EmptyPassword
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
from scanner.app.catalogue import catalogue_markdown, onsite_commands
from scanner.cli.main import main
from scanner.core.models import AttemptStatus, ErrorReason
from scanner.engine.check import declares
from scanner.engine.context import RunServices
from scanner.engine.registry import discover
from scanner.inventory.schema import Credential
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY, loaded, run_check

ONSITE = OnsiteTarget(
    entity_id="e", asset_id="a", kind=AssetKind.ONSITE, address="127.0.10.79", credentials="c"
)


@pytest.mark.parametrize(
    ("declared", "command", "root", "allowed"),
    [
        (("cat /etc/passwd",), "cat /etc/passwd", False, True),
        (("cat /etc/passwd",), "cat /etc/passwd", True, False),  # declared, but not as root
        (("sudo cat /etc/shadow",), "cat /etc/shadow", True, True),
        (("sudo cat /etc/shadow",), "cat /etc/shadow", False, False),  # root only
        (("cat /etc/passwd",), "cat /etc/passwd /etc/shadow", False, False),  # exact match only
        (("dpkg -S ...",), "dpkg -S /usr/bin/passwd", False, True),
        (("dpkg -S ...",), "dpkg -S '/usr/bin/a b'", False, True),  # quoted by shlex.join
        (("dpkg -S ...",), "dpkg -S", False, False),  # "..." needs arguments
        (("dpkg -S ...",), "dpkg -Sx /x", False, False),
        (("dpkg -S ...",), "dpkg -S /x; reboot", False, False),  # not plain words
        (("dpkg -S ...",), "dpkg -S $(reboot)", False, False),
        (("dpkg -S ...",), "dpkg -S '/x'", False, False),  # needless quotes: not as shlex.join
        (("sudo rpm -qf ...",), "rpm -qf /usr/bin/su", True, True),
    ],
)
def test_declared_command_matching(
    declared: tuple[str, ...], command: str, root: bool, allowed: bool
) -> None:
    assert (declares(declared, command, root=root) is None) == allowed


@pytest.mark.parametrize(
    "bad", ["", "sudo ", " cat /x", "cat /x\nreboot", "sudo -l", "sudo sudo cat /x", "cat \x1b[2J"]
)
def test_malformed_declarations_are_metadata_errors(bad: str) -> None:
    class Bad(EmptyPassword):
        commands = (bad,)

    with pytest.raises(ValidationError, match="commands"):
        Bad.meta("a description of at least ten characters")


class Sneaky(Check):
    id = "host.sneaky"
    title = "Runs more than it declares"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    remediation = "Nothing to do here, this is a test."
    commands = ("cat /etc/passwd", "sudo cat /etc/shadow")
    command = "cat /etc/shadow"
    root = False

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        ctx.ssh_run(target, self.command, root=self.root)
        yield from ()


@pytest.mark.parametrize(
    ("command", "root"),
    [("cat /etc/shadow", False), ("rm -rf /", False), ("cat /etc/passwd", True)],
)
def test_undeclared_command_is_a_check_bug_naming_check_and_command(
    command: str, root: bool
) -> None:
    cls = type("SneakyRun", (Sneaky,), {"command": command, "root": root})
    services = RunServices(
        guard=LOOPBACK_ONLY,
        bucket=TokenBucket(1000),
        credentials={"c": Credential.model_validate({"username": "u", "password_env": "NOPE"})},
    )
    attempt = run_check(cls, ONSITE, services=services, timeout=5)
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.CHECK_BUG
    assert "host.sneaky" in attempt.reason and f"`{command}`" in attempt.reason
    assert "declare" in attempt.reason
    assert attempt.duration < 1  # refused before any connection


def test_every_onsite_check_declares_its_commands_and_catalogue_lists_them() -> None:
    registry = discover(entry_points=False)
    onsite = [c for c in registry.sorted() if c.meta.mode == Mode.ONSITE]
    silent = {c.id for c in onsite if not c.meta.commands}
    assert silent == {"host.ssh-hostkey-changed"}  # it only looks at the handshake
    uses = {(u.command, u.root): u.checks for u in onsite_commands(onsite)}
    assert "host.ssh-root-login" in uses[("sshd -T", True)]
    assert "host.ssh-root-login" in uses[(SSHD_FILES, False)]  # sshd_config and its drop-ins
    assert uses[("cat /etc/shadow", True)] == ("host.empty-password",)
    text = catalogue_markdown(registry)
    section = text.split("## host.empty-password", 1)[1].split("\n## ", 1)[0]
    assert "**Commands run on the host.** `cat /etc/shadow` (as root" in section


def test_commands_cli_lists_root_commands() -> None:
    result = CliRunner().invoke(main, ["commands", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"command": "cat /etc/shadow", "root": True, "checks": ["host.empty-password"]} in data[
        "commands"
    ]
    assert loaded(EmptyPassword).meta.commands == ("sudo cat /etc/shadow",)
