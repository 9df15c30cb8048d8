"""A check receives the target record it declared it applies to: the plan builds it, and every
built-in check's ``run`` is annotated with it."""

from __future__ import annotations

import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest

from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    ChecklistTarget,
    Finding,
    HostTarget,
    Mode,
    OnsiteTarget,
    ServiceTarget,
    Severity,
    Target,
    UrlTarget,
)
from scanner.core.models import HostScan, Service
from scanner.engine.compiled import CompiledRun, Discovered
from scanner.engine.executor import Limits
from scanner.engine.plan import build_plan
from scanner.engine.registry import discover
from scanner.inventory.schema import load_inventory
from tests.helpers import LOOPBACK_ONLY, loaded, write


def annotated(cls: type[Check]) -> tuple[type[Target], ...]:
    """The target types ``cls.run`` is annotated with."""
    # (the engine's own checklist check imports CheckContext only for type checkers)
    hint = get_type_hints(cls.run, localns={"CheckContext": CheckContext})["target"]
    return get_args(hint) if isinstance(hint, types.UnionType) else (hint,)


@pytest.mark.parametrize(("applies", "expected"), [
    (AppliesTo(services=("redis",)), (ServiceTarget,)),
    (AppliesTo(kinds=(AssetKind.URL,)), (UrlTarget,)),
    (AppliesTo(kinds=(AssetKind.URL,), services=("https",)), (UrlTarget, ServiceTarget)),
    (AppliesTo(kinds=(AssetKind.HOST, AssetKind.NETWORK, AssetKind.ONSITE)),
     (HostTarget, OnsiteTarget)),
    (AppliesTo(kinds=(AssetKind.CHECKLIST,)), (ChecklistTarget,)),
])  # fmt: skip
def test_applies_to_names_its_target_types(applies: AppliesTo, expected: tuple[type, ...]) -> None:
    assert applies.target_types() == expected


def test_every_builtin_check_is_annotated_with_what_it_applies_to() -> None:
    registry = discover(entry_points=False)
    wrong = []
    for check in registry.checks.values():
        takes = annotated(check.cls)
        applies = AppliesTo(kinds=check.meta.kinds, services=check.meta.services)
        missing = [t for t in applies.target_types() if not issubclass(t, takes)]
        if missing:
            wrong.append(f"{check.id} takes {takes}, gets {missing}")
    assert not wrong, wrong


def probe(name: str, applies: AppliesTo, mode: Mode = Mode.REMOTE) -> type[Check]:
    """A check that records the targets it is planned for."""

    def run(self: Check, target: Any, ctx: CheckContext) -> Iterator[Finding]:
        yield from ()

    return type(f"Probe{name}", (Check,), {
        "__module__": __name__, "id": f"test.{name}", "title": f"Probe {name} targets",
        "family": "test", "mode": mode, "severity": Severity.LOW, "applies_to": applies,
        "remediation": "Nothing to do, this is a test.", "run": run,
    })  # fmt: skip


INVENTORY = """\
campaign:
  name: test
  authority: test office
  authorization: {reference: T-1, issued_by: test, valid_from: 2026-01-01,
                  valid_until: 2030-12-31}
scope:
  allow: [127.0.10.0/24]
credentials:
  audit: {username: audit, password_env: NOPE}
entities:
  - id: ent
    name: Entity
    sector: energy
    assets:
      - id: gw
        host: 127.0.10.1
        expected_services: [22/tcp]
      - id: lan
        network: 127.0.10.0/30
      - id: site
        url: https://127.0.10.1:8443/app/
      - id: db
        onsite: 127.0.10.5
        credentials: audit
profiles:
  all:
    modes: [remote, onsite]
"""


def test_the_plan_builds_the_declared_record_per_kind(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path / "inv.yaml", INVENTORY))
    checks = [
        loaded(probe("service", AppliesTo(services=("redis",)))),
        loaded(probe("web", AppliesTo(kinds=(AssetKind.URL,)))),
        loaded(probe("host", AppliesTo(kinds=(AssetKind.HOST, AssetKind.ONSITE)))),
        loaded(probe("onsite", AppliesTo(kinds=(AssetKind.ONSITE,)), Mode.ONSITE)),
    ]

    def scan(address: str) -> HostScan:
        found = (Service(address, 6379, "tcp", "redis"), Service(address, 80, "tcp", "http"))
        return HostScan(address, True, found)

    addresses = {
        ("ent", "gw"): ["127.0.10.1"],
        ("ent", "lan"): ["127.0.10.2"],
        ("ent", "site"): ["127.0.10.1"],
        ("ent", "db"): ["127.0.10.5"],
    }
    scans = {a: scan(a) for a in ("127.0.10.1", "127.0.10.2", "127.0.10.5")}
    compiled = CompiledRun(
        inv,
        "all",
        inv.model.profiles["all"],
        tuple(checks),
        {k: tuple(v) for k, v in addresses.items()},
        LOOPBACK_ONLY,
        Limits(),
    )
    plan = build_plan(compiled, Discovered(scans, compiled.addresses))
    got = {(j.check.id, j.target.asset_id): (type(j.target), j.target.location) for j in plan.jobs}
    assert got == {
        ("test.service", "gw"): (ServiceTarget, "6379/tcp"),
        ("test.service", "lan"): (ServiceTarget, "127.0.10.2:6379/tcp"),
        ("test.service", "db"): (ServiceTarget, "6379/tcp"),
        ("test.web", "gw"): (UrlTarget, "80/tcp"),
        ("test.web", "lan"): (UrlTarget, "127.0.10.2:80/tcp"),
        ("test.web", "db"): (UrlTarget, "80/tcp"),
        ("test.web", "site"): (UrlTarget, "https://127.0.10.1:8443/app/"),
        ("test.host", "gw"): (HostTarget, "host"),
        ("test.host", "lan"): (HostTarget, "127.0.10.2"),
        ("test.host", "db"): (OnsiteTarget, "onsite"),
        ("test.onsite", "db"): (OnsiteTarget, "onsite"),
    }
    by_key = {(j.check.id, j.target.asset_id): j.target for j in plan.jobs}
    onsite = by_key[("test.onsite", "db")]
    assert isinstance(onsite, OnsiteTarget) and onsite.credentials == "audit"
    host = by_key[("test.host", "gw")]
    assert isinstance(host, HostTarget) and host.expected_services == ("22/tcp",)
    assert len(host.services) == 2
    web = by_key[("test.web", "gw")]
    assert isinstance(web, UrlTarget) and web.url == "http://127.0.10.1:80/"
