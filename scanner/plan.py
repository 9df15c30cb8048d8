"""The plan: which checks run against which targets, and which attempts are decided in advance.

A profile selects checks; discovery says which hosts answered and what they offer. For each asset
and selected check the plan yields either a job (check x target) or an attempt decided without
running anything: ``not_applicable`` (no such service on a host that answered), ``skipped`` (host
did not answer, or an intrusive check without opt-in).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from scanner.discovery import HostScan
from scanner.errors import UserError
from scanner.inventory import Asset, Entity, LoadedInventory, Profile
from scanner.models import AssetKind, Attempt, AttemptStatus, Service, Target, is_ip
from scanner.registry import LoadedCheck, Registry
from scanner.yamlsource import Loc


@dataclass(frozen=True)
class Job:
    """One check to run on one target."""

    check: LoadedCheck
    target: Target

    @property
    def host_key(self) -> str:
        """What the per-host concurrency cap counts by."""
        return self.target.address or self.target.hostname or self.target.url


@dataclass
class Plan:
    """Jobs to run and attempts already decided."""

    jobs: list[Job] = field(default_factory=list)
    decided: list[Attempt] = field(default_factory=list)


def select_checks(inv: LoadedInventory, registry: Registry, profile_name: str) -> list[LoadedCheck]:
    """The checks a profile runs; unknown profile names, families or ids are UserErrors."""
    profiles = inv.model.profiles
    if profile_name not in profiles:
        raise UserError(
            f"{inv.path}: there is no profile {profile_name!r} (profiles: "
            f"{', '.join(sorted(profiles))}). Fix: pass one of those to --profile."
        )
    profile = profiles[profile_name]
    problems = profile_problems(inv, registry, profile_name)
    if problems:
        raise UserError("\n".join([f"{inv.path}: the profile cannot run:", *problems]))
    chosen = {
        c.id
        for c in registry.checks.values()
        if (not profile.modes or c.meta.mode in profile.modes)
        and (not profile.families or c.meta.family in profile.families)
        and (profile.modes or profile.families or not profile.checks)
    }
    chosen |= set(profile.checks)
    chosen -= set(profile.exclude)
    return [registry.checks[i] for i in sorted(chosen)]


def profile_problems(inv: LoadedInventory, registry: Registry, profile_name: str) -> list[str]:
    """Check ids and families a profile names that no loaded check has."""
    problems = []
    families = registry.families()
    profile = inv.model.profiles[profile_name]
    for key in ("checks", "exclude"):
        for index, check_id in enumerate(getattr(profile, key)):
            if check_id not in registry.checks:
                loc: Loc = ("profiles", profile_name, key, index)
                problems.append(
                    f"  {inv.where(loc)}: profiles.{profile_name}.{key}[{index}]: there is no "
                    f"check {check_id!r}. Fix: see `scanner checks` for the ids."
                )
    for index, family in enumerate(profile.families):
        if family not in families:
            loc = ("profiles", profile_name, "families", index)
            problems.append(
                f"  {inv.where(loc)}: profiles.{profile_name}.families[{index}]: there is no "
                f"family {family!r} (known: {', '.join(sorted(families))}). Fix: use one of those."
            )
    for index, check_id in enumerate(inv.model.checks.intrusive):
        if check_id not in registry.checks:
            loc = ("checks", "intrusive", index)
            problems.append(
                f"  {inv.where(loc)}: checks.intrusive[{index}]: there is no check {check_id!r}. "
                "Fix: see `scanner checks` for the ids."
            )
    return problems


def build_plan(
    inv: LoadedInventory,
    checks: list[LoadedCheck],
    addresses: dict[tuple[str, str], list[str]],
    scans: dict[str, HostScan],
    profile: Profile,
) -> Plan:
    """Jobs and decided attempts for every (asset, selected check) pair.

    ``addresses`` maps (entity id, asset id) to the scope-checked addresses of that asset (the
    live addresses for a range).
    """
    plan = Plan()
    opted_in = set(inv.model.checks.intrusive)
    for entity in inv.model.entities:
        for asset in entity.assets:
            for check in checks:
                _plan_one(
                    plan,
                    entity,
                    asset,
                    check,
                    addresses.get((entity.id, asset.id), []),
                    scans,
                    profile,
                    opted_in,
                )
    return plan


def _plan_one(
    plan: Plan,
    entity: Entity,
    asset: Asset,
    check: LoadedCheck,
    addrs: list[str],
    scans: dict[str, HostScan],
    profile: Profile,
    opted_in: set[str],
) -> None:
    meta = check.meta
    base = Target(
        entity_id=entity.id,
        asset_id=asset.id,
        kind=asset.kind,
        exposure=asset.exposure,
        tags=tuple(asset.tags),
        expected_services=tuple(asset.expected_services),
        credentials=asset.credentials or "",
        hostname=""
        if asset.kind in (AssetKind.NETWORK, AssetKind.URL) or is_ip(asset.value)
        else asset.value,
        url=asset.url or "",
    )
    wants_kind = asset.kind in meta.kinds
    host_like = asset.kind in (AssetKind.HOST, AssetKind.NETWORK, AssetKind.ONSITE)
    wants_service = bool(meta.services) and host_like
    if not (wants_kind or wants_service):
        return  # this check never looks at this kind of asset: no attempt at all

    def decide(status: AttemptStatus, reason: str, location: str | None = None) -> None:
        plan.decided.append(
            Attempt(
                check_id=meta.id,
                entity_id=entity.id,
                asset_id=asset.id,
                location=location or asset.kind.value,
                status=status,
                reason=reason,
                started_at=time.time(),
            )
        )

    if meta.intrusive and meta.id not in opted_in:
        decide(
            AttemptStatus.SKIPPED,
            "intrusive check; the inventory does not opt in to it (checks.intrusive)",
        )
        return
    if wants_kind:
        address = addrs[0] if addrs else ""
        plan.jobs.append(Job(check, _replace(base, address=address)))
        return
    if not addrs:
        decide(AttemptStatus.SKIPPED, f"no address of {asset.value} answered discovery")
    for address in addrs:
        scan = scans.get(address)
        if scan is None or not scan.answered:
            decide(
                AttemptStatus.SKIPPED,
                f"{address} did not answer discovery; cannot tell",
                location=address if asset.kind == AssetKind.NETWORK else None,
            )
            continue
        matching = [s for s in scan.services if s.name in meta.services]
        for service in matching:
            plan.jobs.append(Job(check, _replace(base, address=address, service=service)))
        if not matching:
            decide(
                AttemptStatus.NOT_APPLICABLE,
                f"no {'/'.join(meta.services)} service found on {address} "
                f"(ports scanned: {profile.ports})",
                location=address if asset.kind == AssetKind.NETWORK else None,
            )


def _replace(target: Target, *, address: str, service: Service | None = None) -> Target:
    return replace(target, address=address, service=service)
