"""Shared by the host check tests: the inventory of the lab's two on-site hosts, one audit of
them, and the command output recorded from them (``recorded/``) for the parser tests.

The weak host (127.0.10.5) has one weakness per check; the hardened host (127.0.10.6) none. The
lab hosts share this machine's network namespace, so the live firewall ruleset and the listening
sockets they show are the machine's own (see test_unexpected_listening_service.py).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from scanner.api import CheckContext, CommandResult, Inconclusive
from scanner.app.compile import compile_run
from scanner.app.runs import start_run
from scanner.core.models import AssetKind, Exposure, OnsiteTarget
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from scanner.store.attempts import AttemptRow, FindingRow
from tests.helpers import write
from tests.lab import lab
from tests.unit.inventory.test_schema import MINIMAL

RECORDED = Path(__file__).parent / "recorded"
A = TypeVar("A")
T = TypeVar("T")


def onsite_inventory(
    state: lab.LabState,
    tmp_path: Path,
    *,
    known_hosts: Path,
    expected_services: Sequence[str] = (),
    checks: Sequence[str] = (),
    settings: str = "",
) -> Path:
    """An inventory of both on-site hosts with the lab's audit credential (sudo with the audit
    user's password: the weak host's sudo needs none, the hardened host's asks it); its
    profile ``remote`` runs every on-site check, or only ``checks``."""
    declared = f"        expected_services: [{', '.join(expected_services)}]\n"
    asset = "        onsite: {}\n        credentials: audit\n" + (
        declared if expected_services else ""
    )
    text = MINIMAL.replace(
        "      - id: web\n        host: 127.0.10.1\n",
        "      - id: weak\n"
        + asset.format(lab.ONSITE_WEAK_ADDR)
        + "      - id: hardened\n"
        + asset.format(lab.ONSITE_HARDENED_ADDR),
    )
    profile = (
        f"    checks: [{', '.join(checks)}]\n    ports: '22'" if checks else "    modes: [onsite]"
    )
    text = text.replace("    modes: [remote]", profile)
    text += (
        f"credentials:\n  audit:\n    username: {lab.AUDIT_USER}\n"
        f"    key_file: {state.audit_key}\n    known_hosts: {known_hosts}\n"
        f"    sudo_password_env: {lab.AUDIT_SUDO_ENV}\n"  # the hardened host's sudo asks it
    )
    return write(tmp_path / "inv.yaml", text + settings)


def accepted_logins(state: lab.LabState) -> dict[str, int]:
    """Public-key logins of the audit user so far, per on-site host (from the sshd logs)."""
    logs = state.state_dir / "logs"
    return {
        name: len(
            re.findall(
                "Accepted publickey for audit",
                (logs / f"sshd-{name}.log").read_text(errors="replace"),
            )
        )
        for name in ("onsite-weak", "onsite-hardened")
    }


@dataclass(frozen=True)
class Audit:
    """The findings and attempts of one run over both on-site hosts, as the store returns them."""

    findings: list[FindingRow]
    attempts: list[AttemptRow]

    def found(self, check_id: str, asset: str) -> dict[str, FindingRow]:
        """The check's findings on ``asset`` (``weak``, ``hardened``) by location."""
        return {
            f.location: f for f in self.findings if f.check_id == check_id and f.asset_id == asset
        }

    def failed(self, check_id: str, asset: str = "weak") -> set[tuple[str, str, str]]:
        """(location, severity, evidence) of the check's findings on ``asset``; its attempt
        must have failed."""
        attempt = self.attempt(check_id, asset)
        assert attempt.status == "fail", attempt
        return {(loc, f.severity, f.evidence) for loc, f in self.found(check_id, asset).items()}

    def passed(self, check_id: str, asset: str = "hardened") -> bool:
        """Whether the check passed on ``asset``, without a finding."""
        attempt = self.attempt(check_id, asset)
        return attempt.status == "pass" and attempt.reason == "" and not self.found(check_id, asset)

    def attempt(self, check_id: str, asset: str) -> AttemptRow:
        """The check's one attempt on ``asset``."""
        [attempt] = [a for a in self.attempts if a.check_id == check_id and a.asset_id == asset]
        return attempt


def audit(
    state: lab.LabState, tmp_path: Path, *, known_hosts: Path | None = None, **inventory: Any
) -> Audit:
    """Run the on-site inventory (:func:`onsite_inventory` options; the lab's known_hosts
    unless ``known_hosts``) once into a fresh store."""
    hosts = known_hosts or state.known_hosts
    path = onsite_inventory(state, tmp_path, known_hosts=hosts, **inventory)
    store = Store.open(f"sqlite:///{tmp_path / 'scanner.db'}")
    result = start_run(compile_run(load_inventory(path), "remote"), store)
    return Audit(store.attempts.findings(result.run_id), store.attempts.of_run(result.run_id))


def detail(finding: FindingRow) -> dict[str, Any]:
    """A finding's detail as a dict (the store may hand it back as JSON text)."""
    value = finding.detail
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def recorded(host: str, name: str) -> CommandResult:
    """The output of one command recorded from ``host`` (``weak``, ``hardened``) by
    ``recorded/record.py``."""
    err = RECORDED / f"{host}.{name}.err"
    return command_result(
        (RECORDED / f"{host}.{name}.out").read_text(),
        stderr=err.read_text() if err.exists() else "",
    )


def command_result(
    stdout: str, *, stderr: str = "", truncated: bool = False, status: int = 0
) -> CommandResult:
    """A command's result as ``ctx.ssh_run`` returns it."""
    return CommandResult("cmd", status, stdout.encode(), stderr.encode(), truncated, 0.1)


#: Hostile output every parser must survive: it may raise Inconclusive or find nothing, but
#: must not crash, hang or pass anything through uncleaned.
HOSTILE = (
    "",
    "\x00\xff\x1b[2J\x07 garbage\r\n",
    "A" * 1_000_000,
    ("x" * 70_000 + "\n") * 20,
    "\n" * 100_000,
    "{" * 50_000 + "}" * 10,
    "\u202e\u0000\ufeff" * 1000,
)


class Replay:
    """A check context that answers ``ssh_run`` with recorded results, for the helpers that
    collect over SSH (``_sshd``, ``_firewall``, ``_updates``, ``_owners``); it records what
    was asked."""

    def __init__(self, answers: dict[str, CommandResult], settings: dict[str, Any] | None = None):
        self.answers = answers
        self.asked: list[tuple[str, bool]] = []
        self._settings = settings or {}

    def ssh_run(self, target: OnsiteTarget, command: str, *, root: bool = False) -> CommandResult:
        self.asked.append((command, root))
        return self.answers[command]

    def setting(self, name: str, default: Any) -> Any:
        return self._settings.get(name, default)

    @property
    def ctx(self) -> CheckContext:
        """This replay, typed as the context the helpers take."""
        return cast(CheckContext, self)


def onsite_target(address: str = lab.ONSITE_WEAK_ADDR) -> OnsiteTarget:
    """A target for an on-site check on ``address``."""
    return OnsiteTarget(
        entity_id="ent", asset_id="weak", kind=AssetKind.ONSITE, address=address,
        exposure=Exposure.INTERNAL, credentials="audit",
    )  # fmt: skip


def survives(parse: Callable[[A], T], value: A) -> T | None:
    """``parse(value)``, or None when it raised ``Inconclusive``; it must take under 2 s (a
    regular expression that backtracks on hostile text would hang the check's thread)."""
    started = time.monotonic()
    try:
        return parse(value)
    except Inconclusive:
        return None
    finally:
        assert time.monotonic() - started < 2, f"{parse!r} took too long"
