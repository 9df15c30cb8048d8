"""The plan: which checks run against which targets, and which attempts are decided in advance.

A profile selects checks; discovery says which hosts answered and what they offer. For each asset
and selected check the plan yields either a job (check x target) or an attempt decided without
running anything: ``not_applicable`` (no such service on a host that answered), ``skipped`` (host
did not answer, or an intrusive check without opt-in). A job's target is the record its check
applies to (:meth:`~scanner.engine.check.AppliesTo.target_types`): a ServiceTarget per matching
service, a UrlTarget per URL asset and discovered web service, a HostTarget (an OnsiteTarget on an
on-site asset) per address.

A pipelined run builds the plan in parts (:data:`Stage`): what needs no port scan at once, each
host's remote part once its discovery ends (:func:`needs_discovery`); the parts make the whole.

Management checklist questions are about the entity, not an asset: each entity gets a
ChecklistTarget per answered question (asset id ``management``) carrying the answer recorded on
site. A question without an answer, or an entity without an answers file, is decided as an
``error`` attempt (inconclusive), never a pass.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypedDict
from urllib.parse import urlsplit

from scanner.core.errors import UserError
from scanner.core.hosts import url_host
from scanner.core.models import (
    MANAGEMENT_ASSET,
    AddressedTarget,
    AssetKind,
    Attempt,
    AttemptStatus,
    ChecklistTarget,
    ErrorReason,
    Exposure,
    HostScan,
    HostTarget,
    Mode,
    OnsiteTarget,
    Service,
    ServiceTarget,
    Target,
    UrlTarget,
    fingerprint,
    is_ip,
)
from scanner.engine.answers import entity_answers
from scanner.engine.registry import LoadedCheck, Registry
from scanner.inventory.schema import Asset, Entity, LoadedInventory, Profile
from scanner.inventory.yamlsource import Loc

if TYPE_CHECKING:  # compiled imports the executor, which imports Job from here
    from scanner.engine.compiled import CompiledRun, Discovered


@dataclass(frozen=True)
class Job:
    """One check to run on one target."""

    check: LoadedCheck
    target: Target

    @property
    def key(self) -> str:
        """The key of the attempt this job will produce."""
        t = self.target
        return fingerprint(t.entity_id, t.asset_id, self.check.id, t.location)

    @property
    def host_key(self) -> str:
        """What the per-host concurrency cap counts by (an entity's checklist is its own)."""
        t = self.target
        if isinstance(t, AddressedTarget):
            url = t.url if isinstance(t, UrlTarget) else ""
            return t.address or t.hostname or url or f"{t.entity_id}/{t.asset_id}"
        return f"{t.entity_id}/{t.asset_id}"


@dataclass
class Plan:
    """Jobs to run and attempts already decided."""

    jobs: list[Job] = field(default_factory=list)
    decided: list[Attempt] = field(default_factory=list)

    def restricted_to(self, only: Collection[tuple[str, str, str]]) -> Plan:
        """The plan's (entity id, asset id, check id) triples in ``only``."""
        return Plan(
            jobs=[
                j for j in self.jobs if (j.target.entity_id, j.target.asset_id, j.check.id) in only
            ],
            decided=[a for a in self.decided if (a.entity_id, a.asset_id, a.check_id) in only],
        )

    def without(self, done: set[str]) -> Plan:
        """The plan less the attempts whose keys are in ``done`` (a resumed run's)."""
        return Plan(
            jobs=[j for j in self.jobs if j.key not in done],
            decided=[a for a in self.decided if a.key not in done],
        )


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
    return problems


#: Service names (nmap's and the scanner's own probes') that carry a web site, and their scheme.
WEB_SERVICES = {
    "http": "http",
    "http-alt": "http",
    "http-proxy": "http",
    "http-mgmt": "http",
    "https": "https",
    "https-alt": "https",
    "ssl/http": "https",
}
HOST_LIKE = (AssetKind.HOST, AssetKind.NETWORK, AssetKind.ONSITE)


def check_id_problems(inv: LoadedInventory, registry: Registry) -> list[str]:
    """Check ids the inventory's ``checks`` section names that no loaded check has."""
    problems: list[str] = []
    for check_id in inv.model.checks.settings:
        if check_id not in registry.checks:
            loc: Loc = ("checks", "settings", check_id)
            problems.append(
                f"  {inv.where(loc)}: checks.settings.{check_id}: there is no check {check_id!r}; "
                "its settings would be ignored. Fix: correct the id (see `scanner checks`)."
            )
    for index, check_id in enumerate(inv.model.checks.intrusive):
        if check_id not in registry.checks:
            loc = ("checks", "intrusive", index)
            problems.append(
                f"  {inv.where(loc)}: checks.intrusive[{index}]: there is no check {check_id!r}. "
                "Fix: see `scanner checks` for the ids."
            )
    return problems


#: Which part of a run's plan to build: everything, the part that needs no port scan (URL and
#: checklist assets, on-site audits: it starts at once), or the part that waits for discovery.
Stage = Literal["all", "ready", "discovered"]


def needs_discovery(kind: AssetKind, check: LoadedCheck) -> bool:
    """Whether ``check`` on an asset of ``kind`` waits for the port scan: a host's or range's
    checks do, and an on-site host's remote ones; URL assets, checklists and on-site audits
    (which log in over SSH whatever nmap saw) do not."""
    if kind in (AssetKind.HOST, AssetKind.NETWORK):
        return True
    return kind == AssetKind.ONSITE and check.meta.mode != Mode.ONSITE


def build_plan(
    run: CompiledRun,
    discovered: Discovered,
    *,
    stage: Stage = "all",
    assets: Collection[tuple[str, str]] | None = None,
) -> Plan:
    """Jobs and decided attempts for every (asset, selected check) pair of the compiled run, on
    the live addresses and services discovery found; a rescan's plan keeps to ``run.only``.

    A pipelined run builds its plan in parts: ``stage="ready"`` before discovery (what needs no
    port scan), then ``stage="discovered"`` for the ``assets`` whose discovery is done; the
    parts together are exactly the ``"all"`` plan (what a worker and a resume rebuild).
    """
    inv, checks = run.inv, list(run.checks)
    plan = Plan()
    opted_in = set(inv.model.checks.intrusive)
    if inv.model.checks.credentials.enabled:  # the credential-test policy opts in to them all
        opted_in |= {c.id for c in checks if c.meta.credentials}
    declared_urls = {_endpoint(a.url) for e in inv.model.entities for a in e.assets if a.url}
    for entity in inv.model.entities:
        for asset in entity.assets:
            if assets is not None and (entity.id, asset.id) not in assets:
                continue
            planner = _AssetPlanner(
                plan,
                entity,
                asset,
                list(discovered.addresses.get((entity.id, asset.id), ())),
                discovered.scans,
                run.profile,
                declared_urls,
            )
            for check in checks:
                if stage == "all" or needs_discovery(asset.kind, check) == (stage == "discovered"):
                    planner.plan(check, opted_in)
    questions = [c for c in checks if AssetKind.CHECKLIST in c.meta.kinds]
    if questions and stage != "discovered":
        for index in range(len(inv.model.entities)):
            _plan_checklist(plan, inv, index, questions)
    plan = _deduplicated(plan)
    return plan if run.only is None else plan.restricted_to(run.only)


def _plan_checklist(
    plan: Plan, inv: LoadedInventory, index: int, questions: list[LoadedCheck]
) -> None:
    """Entity ``index``'s checklist: a job per answered question, an error attempt per other."""
    entity = inv.model.entities[index]
    answers = entity_answers(inv, index)
    for check in questions:
        answer = answers.answers.get(check.id) if answers is not None else None
        if answer is not None:
            target = ChecklistTarget(
                entity_id=entity.id,
                asset_id=MANAGEMENT_ASSET,
                kind=AssetKind.CHECKLIST,
                answer=answer,
            )
            plan.jobs.append(Job(check, target))
            continue
        if answers is None:
            reason = (
                f"no answers file: entity {entity.id} names no checklist answers file "
                f"({inv.where(('entities', index))}). Fix: write one with `scanner checklist "
                f"template {entity.id} --inventory {inv.path}` and set entities[{index}].checklist"
            )
        else:
            reason = (
                f"not answered in {answers.path}. Fix: answer it (yes, no, partial or "
                "not_applicable) and rescan"
            )
        plan.decided.append(
            Attempt(
                check_id=check.id,
                entity_id=entity.id,
                asset_id=MANAGEMENT_ASSET,
                location=AssetKind.CHECKLIST.value,  # a ChecklistTarget's location
                status=AttemptStatus.ERROR,
                reason=reason,
                error_reason=ErrorReason.INCONCLUSIVE,
                started_at=time.time(),
            )
        )


def _deduplicated(plan: Plan) -> Plan:
    """One job or decided attempt per attempt key: a check that applies to a service both as a
    service and as a web site, or a host declared twice in one asset, runs once."""
    seen: set[str] = set()
    jobs = []
    for job in plan.jobs:
        if job.key not in seen:
            seen.add(job.key)
            jobs.append(job)
    decided = []
    for attempt in plan.decided:
        if attempt.key not in seen:
            seen.add(attempt.key)
            decided.append(attempt)
    return Plan(jobs=jobs, decided=decided)


def _endpoint(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


class _Common(TypedDict):
    """The fields every target of one asset shares (see :class:`Target`)."""

    entity_id: str
    asset_id: str
    kind: AssetKind
    exposure: Exposure
    tags: tuple[str, ...]


class _AssetPlanner:
    """Plans every check on one asset."""

    def __init__(
        self,
        plan: Plan,
        entity: Entity,
        asset: Asset,
        addrs: list[str],
        scans: Mapping[str, HostScan],
        profile: Profile,
        declared_urls: set[tuple[str, str, int]],
    ) -> None:
        self.out = plan
        self.asset = asset
        self.addrs = addrs
        self.scans = scans
        self.profile = profile
        self.declared_urls = declared_urls
        # What every target of this asset shares, whatever its kind.
        self.common = _Common(
            entity_id=entity.id,
            asset_id=asset.id,
            kind=asset.kind,
            exposure=asset.exposure,
            tags=tuple(asset.tags),
        )
        self.ot = Target(**self.common).ot
        self.hostname = (
            ""
            if asset.kind in (AssetKind.NETWORK, AssetKind.URL) or is_ip(asset.value)
            else asset.value
        )
        # A name with several addresses: each address is its own place, so every location
        # names it (else the attempts of all but one address would share one key).
        self.several = bool(self.hostname) and len(addrs) > 1

    def plan(self, check: LoadedCheck, opted_in: set[str]) -> None:
        meta = check.meta
        kind = AssetKind.HOST if self.asset.kind == AssetKind.NETWORK else self.asset.kind
        host_like = self.asset.kind in HOST_LIKE
        wants_host = host_like and kind in meta.kinds
        wants_services = host_like and bool(meta.services)
        wants_web = host_like and AssetKind.URL in meta.kinds
        if self.asset.kind == AssetKind.URL:
            if AssetKind.URL not in meta.kinds:
                return
        elif not (wants_host or wants_services or wants_web):
            return  # this check never looks at this kind of asset: no attempt at all
        if meta.intrusive and meta.id not in opted_in:
            self.decide(
                check,
                AttemptStatus.SKIPPED,
                "intrusive check; the inventory does not opt in to it (checks.intrusive"
                + (", or checks.credentials.enabled)" if meta.credentials else ")"),
            )
            return
        if meta.intrusive and self.ot:
            self.decide(
                check,
                AttemptStatus.SKIPPED,
                "intrusive checks never run on ot assets (OT-safe profile)",
            )
            return
        if self.asset.kind == AssetKind.URL:
            self.job(
                check,
                UrlTarget(
                    **self.common,
                    address=self.addrs[0] if self.addrs else "",
                    url=self.asset.url or "",
                ),
            )
            return
        if not self.addrs:
            self.decide(
                check, AttemptStatus.SKIPPED, f"no address of {self.asset.value} answered discovery"
            )
        self._per_address(check, wants_host)

    def _per_address(self, check: LoadedCheck, wants_host: bool) -> None:
        """The check on each of the asset's addresses (a host, an on-site host, a range's)."""
        meta = check.meta
        wants_services = bool(meta.services)
        wants_web = AssetKind.URL in meta.kinds
        if self.asset.kind == AssetKind.ONSITE and meta.mode == Mode.ONSITE:
            # An on-site audit starts before discovery (it logs in whatever nmap says), so its
            # target never carries discovered services.
            for address in self.addrs if wants_host else ():
                self.job(check, self._host(address, ()))
            return
        for address in self.addrs:
            scan = self.scans.get(address)
            where = address if self.asset.kind == AssetKind.NETWORK else None
            if scan is not None and not scan.answered:
                self.decide(
                    check,
                    AttemptStatus.SKIPPED,
                    f"{address} did not answer discovery; cannot tell",
                    where,
                )
                continue
            found = scan.services if scan is not None else ()
            if wants_host:
                self.job(check, self._host(address, found))
            if wants_services or wants_web:
                self._per_service(check, address, found, wants_services, wants_web, where)

    def _per_service(
        self,
        check: LoadedCheck,
        address: str,
        found: tuple[Service, ...],
        wants_services: bool,
        wants_web: bool,
        where: str | None,
    ) -> None:
        meta = check.meta
        matched = False
        for service in found:
            if wants_services and service.name in meta.services:
                self.job(
                    check,
                    ServiceTarget(
                        **self.common,
                        address=address,
                        hostname=self.hostname,
                        several=self.several,
                        service=service,
                    ),
                )
                matched = True
            scheme = WEB_SERVICES.get(service.name)
            if wants_web and scheme:
                matched = True
                host = self.hostname or address
                if (scheme, host.lower(), service.port) in self.declared_urls:
                    continue  # the inventory declares this site as a URL asset: checked there
                url = f"{scheme}://{url_host(host)}:{service.port}/"
                target = UrlTarget(
                    **self.common,
                    address=address,
                    hostname=self.hostname,
                    several=self.several,
                    url=url,
                    service=service,
                )
                self.job(check, target)
        if not matched:
            wanted = list(meta.services) + (["http/https"] if wants_web else [])
            self.decide(
                check,
                AttemptStatus.NOT_APPLICABLE,
                f"no {'/'.join(wanted)} service found on {address} (ports scanned: "
                f"{self.profile.ports})",
                where,
            )

    def _host(self, address: str, found: tuple[Service, ...]) -> HostTarget:
        """The whole-host target of ``address``: an OnsiteTarget for an on-site asset."""
        if self.asset.kind == AssetKind.ONSITE:
            return OnsiteTarget(
                **self.common,
                address=address,
                hostname=self.hostname,
                several=self.several,
                services=found,
                expected_services=tuple(self.asset.expected_services),
                credentials=self.asset.credentials or "",
            )
        return HostTarget(
            **self.common,
            address=address,
            hostname=self.hostname,
            several=self.several,
            services=found,
            expected_services=tuple(self.asset.expected_services),
        )

    def job(self, check: LoadedCheck, target: Target) -> None:
        self.out.jobs.append(Job(check, target))

    def decide(
        self, check: LoadedCheck, status: AttemptStatus, reason: str, location: str | None = None
    ) -> None:
        self.out.decided.append(
            Attempt(
                check_id=check.id,
                entity_id=self.common["entity_id"],
                asset_id=self.common["asset_id"],
                location=location or self.asset.kind.value,
                status=status,
                reason=reason,
                started_at=time.time(),
            )
        )
