"""Rectification notices and the campaign summary, built from the store.

After a run, each entity with active issues seen in that run gets one notice (one per entity and
run): a stable number in the campaign's sequence, its items ranked by risk, and a deadline per
item fixed the first time the item appears on a notice. Rendering is :mod:`reports.render`'s job;
this module only makes :mod:`scanner.core.documents` objects. The inventory used is the copy stored
with the run, so a notice always describes the campaign as it was inspected.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from scanner.core.documents import (
    Contact,
    CredentialTestLine,
    EntityLine,
    HistoryPoint,
    Notice,
    NoticeItem,
    Summary,
)
from scanner.core.errors import UserError
from scanner.core.lifecycle import (
    ACTIVE,
    ITEM_CLOSED,
    LEVELS,
    IssueState,
    ItemStatus,
    NoticeStatus,
    RiskLevel,
)
from scanner.core.models import MANAGEMENT_ASSET
from scanner.engine.checklist import question_translations
from scanner.engine.registry import Registry
from scanner.inventory.schema import Entity, LoadedInventory, inventory_from_text
from scanner.notices import regimes
from scanner.notices.risk import Risk, assess
from scanner.store import Store
from scanner.store.issues import IssueRow
from scanner.store.notices import PlannedItem


def run_inventory(store: Store, run_id: int) -> LoadedInventory:
    """The inventory a run was started with (its stored copy)."""
    row = store.runs.get(run_id)
    text = store.runs.inventory_text(run_id)
    if not text:
        raise UserError(f"run {run_id} has no stored inventory (made by an older version).")
    return inventory_from_text(text, Path(f"run {row.id} inventory"))


def issue_risk(inv: LoadedInventory, issue: IssueRow) -> Risk:
    """The risk of a stored issue under the run's inventory (its asset's exposure, its entity)."""
    entity = _entity(inv, issue.entity_id)
    asset = next((a for a in entity.assets if a.id == issue.asset_id), None) if entity else None
    return assess(
        issue.severity,
        asset.exposure.value if asset else "internal",
        cii_operator=entity.cii_operator if entity else False,
        mlps_level=entity.mlps_level if entity else 1,
        model=inv.model.risk,
    )


def issue_notices(
    store: Store, run_id: int, registry: Registry, now: float | None = None
) -> list[Notice]:
    """Notices for a run, created on first call (numbers, items, deadlines), then re-read."""
    now = time.time() if now is None else now
    inv = run_inventory(store, run_id)
    campaign = inv.model.campaign
    ids = store.notices.issue(
        run_id,
        campaign=campaign.name,
        prefix=campaign.notice_prefix or campaign.authorization.reference,
        entities=[entity.id for entity in inv.model.entities],
        plan=lambda rows: _plan(inv, rows, now),
        now=now,
    )
    return [build_notice(store, notice_id, registry, inv=inv) for notice_id in ids]


def _plan(inv: LoadedInventory, rows: list[IssueRow], now: float) -> list[PlannedItem]:
    """A new notice's items: ranked by risk, each with the deadline its level gives, unless its
    issue already has one (fixed the first time the item is on a notice)."""
    ranked = sorted(
        ((issue_risk(inv, r), r) for r in rows),
        key=lambda pair: (-pair[0].score, pair[1].check_id, pair[1].location),
    )
    issued = datetime.fromtimestamp(now, UTC).date()
    items = []
    for risk, row in ranked:
        due = None
        if row.deadline is None:
            days = getattr(inv.model.deadlines, risk.level)
            end = datetime.combine(issued + timedelta(days=days), datetime.max.time(), UTC)
            due = end.timestamp()
        items.append(PlannedItem(row.id, risk.level, risk.score, due))
    return items


def build_notice(
    store: Store,
    notice_id: int,
    registry: Registry,
    *,
    inv: LoadedInventory | None = None,
    now: float | None = None,
    statuses: dict[int, ItemStatus] | None = None,
) -> Notice:
    """The notice as a document, with each item's current state (or ``statuses``)."""
    now = time.time() if now is None else now
    head = store.notices.get(notice_id)
    inv = inv or run_inventory(store, head.run_id)
    run = store.runs.get(head.run_id)
    rows = store.notices.items(notice_id)
    entity = _entity(inv, head.entity_id)
    if entity is None:
        raise UserError(
            f"notice {head.number}: entity {head.entity_id} is not in the run's inventory."
        )
    assets = {a.id: a.value for a in entity.assets}
    if entity.checklist is not None:  # the checklist's items: name the answers file
        assets[MANAGEMENT_ASSET] = str(entity.checklist)
    regime = regimes.load(inv.model.campaign.legal_regime)  # the data decides what is law
    items = []
    for item in rows:
        r = item.issue
        loaded = registry.checks.get(r.check_id)
        meta = loaded.meta if loaded else None
        status = (statuses or {}).get(r.id, r.state)
        assert r.deadline is not None  # set when the item was put on the notice
        deadline = datetime.fromtimestamp(r.deadline, UTC).date()
        references = tuple(meta.references) if meta else ()
        items.append(
            NoticeItem(
                rank=item.rank,
                issue_id=r.id,
                level=item.level,
                score=item.score,
                severity=r.severity,
                check_id=r.check_id,
                title=meta.title if meta else r.check_id,
                asset_id=r.asset_id,
                asset=assets.get(r.asset_id, r.asset_id),
                location=r.location,
                evidence=r.evidence,
                remediation=meta.remediation if meta else "",
                references=references,
                legal_basis=regime.legal_basis(references),
                deadline=deadline,
                first_seen=datetime.fromtimestamp(r.first_seen_at, UTC).date(),
                status=status,
                overdue=r.state in ACTIVE and r.deadline < now,
            )
        )
    campaign = inv.model.campaign
    modes = (
        sorted({m.value for m in inv.model.profiles[run.profile].modes})
        if run.profile in inv.model.profiles
        else []
    )
    notice = Notice(
        number=head.number,
        issued=datetime.fromtimestamp(head.issued_at, UTC).date(),
        campaign=campaign.name,
        authority=campaign.authority,
        authorization=campaign.authorization.reference,
        legal_regime=campaign.legal_regime,
        entity_id=entity.id,
        entity_name=entity.name,
        sector=entity.sector,
        cii_operator=entity.cii_operator,
        mlps_level=entity.mlps_level,
        contacts=tuple(Contact(c.name, c.role, c.email, c.phone) for c in entity.contacts),
        items=tuple(items),
        scope=tuple(f"{a.id}: {a.value}" for a in entity.assets),
        modes=tuple(modes) or ("remote",),
        window_start=datetime.fromtimestamp(run.started_at, UTC),
        window_end=datetime.fromtimestamp(run.finished_at or run.started_at, UTC),
        run_id=head.run_id,
        reply_by=max((i.deadline for i in items), default=None),
        translations=question_translations(
            registry.checks[i.check_id].cls for i in items if i.check_id in registry.checks
        ),
        credential_tests=credential_tests(store, head.run_id, entity.id),
    )
    return replace(notice, status=notice_status(notice.items))


def credential_tests(store: Store, run_id: int, entity_id: str) -> tuple[CredentialTestLine, ...]:
    """The logins the run's credential checks sent to ``entity_id``'s assets, per service."""
    lines: dict[tuple[str, str, str, int], tuple[set[str], int]] = {}
    for row in store.attempts.credential_tries(run_id, entity_id):
        t = row.tries
        accounts, tries = lines.get((row.asset_id, t.service, t.address, t.port), (set(), 0))
        accounts.add(t.account)
        lines[(row.asset_id, t.service, t.address, t.port)] = (accounts, tries + t.tries)
    return tuple(
        CredentialTestLine(asset, service, address, port, len(accounts), tries)
        for (asset, service, address, port), (accounts, tries) in sorted(lines.items())
    )


def notice_status(items: tuple[NoticeItem, ...]) -> NoticeStatus:
    """issued, partially_rectified, rectified or overdue, from the items."""
    closed = [i.status in ITEM_CLOSED for i in items]
    if items and all(closed):
        return NoticeStatus.RECTIFIED
    if any(i.overdue for i in items):
        return NoticeStatus.OVERDUE
    return NoticeStatus.PARTIALLY_RECTIFIED if any(closed) else NoticeStatus.ISSUED


def notice_id(store: Store, number: str) -> int:
    """The id of notice ``number``, or a UserError naming the known numbers."""
    return store.notices.id_of(number)


def build_summary(
    store: Store, run_id: int, registry: Registry, now: float | None = None
) -> Summary:
    """The campaign summary after run ``run_id``."""
    now = time.time() if now is None else now
    inv = run_inventory(store, run_id)
    served = {n.entity_id: n for n in issue_notices(store, run_id, registry, now=now)}
    active = store.issues.find(states=sorted(ACTIVE))
    history = _history(store, inv, run_id)
    by_entity: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
    by_asset: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    overdue_high: dict[str, int] = defaultdict(int)
    for issue in active:
        level = issue_risk(inv, issue).level
        by_entity[issue.entity_id][level] += 1
        by_asset[(issue.entity_id, issue.asset_id)][0] += level == RiskLevel.HIGH
        by_asset[(issue.entity_id, issue.asset_id)][1] += 1
        if level == RiskLevel.HIGH and issue.deadline is not None and issue.deadline < now:
            overdue_high[issue.entity_id] += 1
    lines = []
    for entity in inv.model.entities:
        notice = served.get(entity.id)
        lines.append(
            EntityLine(
                entity_id=entity.id,
                name=entity.name,
                sector=entity.sector,
                cii_operator=entity.cii_operator,
                counts=dict(by_entity[entity.id]),
                notice_number=notice.number if notice else "",
                notice_status=notice.status if notice else "",
                overdue_high=overdue_high[entity.id],
            )
        )
    sectors: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for line in lines:
        sectors[line.sector][0] += 1
        sectors[line.sector][1] += sum(line.counts.values())
        sectors[line.sector][2] += line.counts[RiskLevel.HIGH]
    totals: dict[str, int] = {level: sum(line.counts[level] for line in lines) for level in LEVELS}
    worst = sorted(
        ((e, a, h, t) for (e, a), (h, t) in by_asset.items()),
        key=lambda w: (-w[2], -w[3], w[0], w[1]),
    )[:10]
    return Summary(
        campaign=inv.model.campaign.name,
        authority=inv.model.campaign.authority,
        run_id=run_id,
        generated=datetime.fromtimestamp(now, UTC),
        issues=totals,
        notices_served=len(served),
        entities=tuple(lines),
        sectors=tuple((s, *v) for s, v in sorted(sectors.items())),  # type: ignore[misc]
        worst_assets=tuple(worst),
        escalation=tuple(
            sorted(
                (line for line in lines if line.overdue_high), key=lambda line: -line.overdue_high
            )
        ),
        history=history,
    )


def _history(store: Store, inv: LoadedInventory, up_to: int) -> dict[str, tuple[HistoryPoint, ...]]:
    """Open issues per entity and level after each completed run, replayed from the events."""
    done = store.runs.completed(up_to)
    info = {issue.id: issue for issue in store.issues.find()}
    events = store.issues.all_events()
    levels = {i: issue_risk(inv, issue).level for i, issue in info.items()}
    state: dict[int, IssueState] = {}
    points: dict[str, list[HistoryPoint]] = defaultdict(list)
    cursor = 0
    for run in done:
        finished = run.finished_at
        while cursor < len(events) and (
            (events[cursor].run_id or 0) <= run.id
            if events[cursor].run_id is not None
            else events[cursor].at <= (finished or 0)
        ):
            state[events[cursor].issue_id] = events[cursor].to_state
            cursor += 1
        counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
        for issue_id, current in state.items():
            if current in ACTIVE:
                counts[info[issue_id].entity_id][levels[issue_id]] += 1
        day = datetime.fromtimestamp(finished or 0, UTC).date()
        for entity in inv.model.entities:
            points[entity.id].append(HistoryPoint(run.id, day, dict(counts[entity.id])))
    return {k: tuple(v) for k, v in points.items()}


def _entity(inv: LoadedInventory, entity_id: str) -> Entity | None:
    return next((e for e in inv.model.entities if e.id == entity_id), None)


def today() -> date:
    """Today in UTC (notices are dated in UTC)."""
    return datetime.now(UTC).date()
