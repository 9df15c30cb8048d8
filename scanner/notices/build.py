"""Rectification notices and the campaign summary, built from the store.

Issuing notices after a full run opens a rectification **round** of the campaign: each entity
with active issues that are on no notice yet gets one notice (at most one per entity and round;
after its first, a *supplementary* notice citing its previous one), with a stable number in the
campaign's sequence, its items ranked by risk, and a deadline per item fixed the first time the
item appears on a notice. An issue is on one notice only: later runs change its status there.
Building the summary reads the store and changes nothing. Rendering is :mod:`reports.render`'s job;
this module only makes :mod:`scanner.core.documents` objects. The inventory used is the copy stored
with the run, so a notice always describes the campaign as it was inspected.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from scanner.core.documents import (
    Action,
    Contact,
    CredentialTestLine,
    Device,
    EntityLine,
    HistoryPoint,
    Notice,
    NoticeItem,
    Rectification,
    RoundPoint,
    Summary,
)
from scanner.core.errors import UserError
from scanner.core.lifecycle import (
    ACTIVE,
    ITEM_CLOSED,
    LEVELS,
    PENALTIES,
    ActionKind,
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
from scanner.store.attempts import FindingRow, TriesRow
from scanner.store.issues import IssueEventRow, IssueRow
from scanner.store.notices import ActionRow, NoticeItemRow, NoticeRow, PlannedItem
from scanner.store.runs import RunRow

DAY = 86400.0


def run_inventory(store: Store, run_id: int) -> LoadedInventory:
    """The inventory a run was started with (its stored copy)."""
    row = store.runs.get(run_id)
    text = store.runs.inventory_text(run_id)
    if not text:
        raise UserError(f"run {run_id} has no stored inventory (made by an older version).")
    return inventory_from_text(text, Path(f"run {row.id} inventory"))


def issue_risk(inv: LoadedInventory, issue: IssueRow, store: Store | None = None) -> Risk:
    """The risk of a stored issue under the run's inventory (its asset's exposure, its entity),
    and, with ``store``, what its latest finding says: a CVSS base score from a vulnerability
    feed, and whether the flaw is known to be exploited (CISA KEV). A version-inferred finding
    (``confirmed: false``) keeps its check's severity alone: it is a lead, not a flaw."""
    return issue_risks(inv, [issue], store)[issue.id]


def issue_risks(
    inv: LoadedInventory, rows: Sequence[IssueRow], store: Store | None = None
) -> dict[int, Risk]:
    """:func:`issue_risk` of each of ``rows``, by issue id: their latest findings read in a
    few statements for all of them."""
    details = (
        store.attempts.finding_details([(r.last_seen_run, r.fingerprint) for r in rows])
        if store
        else {}
    )
    entities = {e.id: e for e in inv.model.entities}
    assets = {(e.id, a.id): a for e in inv.model.entities for a in e.assets}
    risks = {}
    for issue in rows:
        entity = entities.get(issue.entity_id)
        asset = assets.get((issue.entity_id, issue.asset_id))
        detail = details.get((issue.last_seen_run, issue.fingerprint), {})
        confirmed = detail.get("confirmed") is not False
        cvss = detail.get("cvss")
        risks[issue.id] = assess(
            issue.severity,
            asset.exposure.value if asset else "internal",
            cii_operator=entity.cii_operator if entity else False,
            mlps_level=entity.mlps_level if entity else 1,
            model=inv.model.risk,
            cvss=float(cvss) if confirmed and isinstance(cvss, int | float) else None,
            known_exploited=confirmed and bool(detail.get("known_exploited")),
        )
    return risks


def issue_notices(
    store: Store, run_id: int, registry: Registry, now: float | None = None
) -> list[Notice]:
    """The notices of the round opened after run ``run_id``: created on the first call (the
    round, numbers, items, deadlines), then re-read. A verification rescan opens no round."""
    now = time.time() if now is None else now
    if store.runs.restricted_to(run_id) is not None:
        raise UserError(
            f"run {run_id} is a verification rescan: it updates the items of the notice it "
            "verified and opens no round. Fix: issue notices after a full run (`scanner notices` "
            "picks the latest one)."
        )
    inv = run_inventory(store, run_id)
    campaign = inv.model.campaign
    ids = store.notices.issue(
        run_id,
        campaign=campaign.name,
        prefix=campaign.notice_prefix or campaign.authorization.reference,
        entities=[entity.id for entity in inv.model.entities],
        plan=lambda rows: _plan(inv, rows, now, store),
        now=now,
    )
    return build_notices(store, ids, registry, inv=inv)


def _plan(
    inv: LoadedInventory, rows: list[IssueRow], now: float, store: Store
) -> list[PlannedItem]:
    """A new notice's items: ranked by risk, each with the deadline its level gives, unless its
    issue already has one (fixed the first time the item is on a notice)."""
    risks = issue_risks(inv, rows, store)
    ranked = sorted(
        ((risks[r.id], r) for r in rows),
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
    [notice] = build_notices(store, [notice_id], registry, inv=inv, now=now, statuses=statuses)
    return notice


def build_notices(
    store: Store,
    notice_ids: Sequence[int],
    registry: Registry,
    *,
    inv: LoadedInventory | None = None,
    now: float | None = None,
    statuses: dict[int, ItemStatus] | None = None,
) -> list[Notice]:
    """The notices ``notice_ids`` as documents, in that order, each item in its current state
    (or ``statuses``). ``inv`` is the inventory of their runs (by default each run's stored
    copy). What they are built from is read for all of them at once: a few statements per run,
    whatever the number of notices, items and findings."""
    now = time.time() if now is None else now
    heads = store.notices.heads(notice_ids)
    cited = {h.supplements for h in heads.values() if h.supplements} - heads.keys()
    numbers = {i: h.number for i, h in {**heads, **store.notices.heads(cited)}.items()}
    items = store.notices.items_of(notice_ids)
    actions: dict[int, list[Action]] = defaultdict(list)
    for row in store.notices.actions(list(notice_ids)):
        actions[row.notice_id].append(_action(row))
    runs = {
        r: _RunFacts.read(store, r, inv, {h.entity_id for h in heads.values() if h.run_id == r})
        for r in sorted({h.run_id for h in heads.values()})
    }
    return [
        _notice(
            heads[i],
            runs[heads[i].run_id],
            items[i],
            registry,
            supplements=numbers.get(heads[i].supplements or 0, ""),
            actions=tuple(actions[i]),
            now=now,
            statuses=statuses or {},
        )
        for i in notice_ids
    ]


@dataclass(frozen=True)
class _RunFacts:
    """What the notices issued after one run read from it, for all their entities at once."""

    inv: LoadedInventory
    run: RunRow
    entities: dict[str, Entity]
    findings: dict[str, list[FindingRow]]
    lacking: dict[str, int]
    tries: dict[str, list[TriesRow]]

    @classmethod
    def read(
        cls, store: Store, run_id: int, inv: LoadedInventory | None, entities: set[str]
    ) -> _RunFacts:
        findings: dict[str, list[FindingRow]] = defaultdict(list)
        for f in store.attempts.findings(run_id, entities):
            findings[f.entity_id].append(f)
        tries: dict[str, list[TriesRow]] = defaultdict(list)
        for t in store.attempts.credential_tries(run_id, entities=entities):
            tries[t.entity_id].append(t)
        inv = inv or run_inventory(store, run_id)
        return cls(
            inv=inv,
            run=store.runs.get(run_id),
            entities={e.id: e for e in inv.model.entities},
            findings=findings,
            lacking=store.attempts.lacking_privilege_of(run_id, entities),
            tries=tries,
        )


def _notice(
    head: NoticeRow,
    facts: _RunFacts,
    rows: list[NoticeItemRow],
    registry: Registry,
    *,
    supplements: str,
    actions: tuple[Action, ...],
    now: float,
    statuses: dict[int, ItemStatus],
) -> Notice:
    """One notice as a document, from what was read for it."""
    inv, run = facts.inv, facts.run
    entity = facts.entities.get(head.entity_id)
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
        status = statuses.get(r.id, r.state)
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
        devices=_devices(facts.findings.get(entity.id, []), assets),
        translations=question_translations(
            registry.checks[i.check_id].cls for i in items if i.check_id in registry.checks
        ),
        round=head.round,
        supplements=supplements,
        actions=actions,
        unverified_privilege=facts.lacking.get(entity.id, 0),
        credential_tests=credential_tests(facts.tries.get(entity.id, [])),
    )
    cited = [ref for i in items for ref in i.references]
    cited += [c.ref for c in regime.basis] + ([regime.penalty] if regime.penalty else [])
    if problems := regime.problems(cited, notice.issued):
        # the regime's data cannot say which article is in force on the notice's date
        raise UserError(
            f"notice {head.number} (issued {notice.issued.isoformat()}): "
            + "; ".join(problems)
            + f". Fix: map the articles in scanner/notices/regimes/{regime.name}.yaml (laws)."
        )
    return replace(notice, status=notice_status(notice.items))


def _action(row: ActionRow) -> Action:
    return Action(
        kind=row.kind.value,
        day=date.fromisoformat(row.day),
        amount=row.amount,
        reference=row.reference,
        recorded_by=row.recorded_by,
        note=row.note,
    )


def _devices(findings: list[FindingRow], assets: dict[str, str]) -> tuple[Device, ...]:
    """The devices a run's findings of one entity (worst first, as stored) identified on its
    assets, one per asset and service (the checks put them in ``detail["device"]``)."""
    found: dict[tuple[str, str, str], Device] = {}
    for f in findings:
        record = f.detail.get("device") if isinstance(f.detail, dict) else None
        if not isinstance(record, dict):
            continue
        fields = {k: str(record.get(k, ""))[:200] for k in ("vendor", "product", "version")}
        key = (f.asset_id, f.location, str(record.get("protocol", "")))
        best = found.get(key)
        # Two checks on one OPC UA port: keep the record that says the most.
        if best is None or sum(map(bool, fields.values())) > sum(
            map(bool, (best.vendor, best.product, best.version))
        ):
            found[key] = Device(
                asset_id=f.asset_id,
                asset=assets.get(f.asset_id, f.asset_id),
                location=f.location,
                protocol=key[2][:40],
                serial=str(record.get("serial", ""))[:200],
                cpe=str(record.get("cpe", ""))[:300],
                **fields,
            )

    def order(key: tuple[str, str, str]) -> tuple[str, int, str]:
        port = re.search(r"(\d+)/\w+$", key[1])
        return key[0], int(port.group(1)) if port else 0, key[1]

    return tuple(found[k] for k in sorted(found, key=order))


def credential_tests(rows: list[TriesRow]) -> tuple[CredentialTestLine, ...]:
    """The logins a run's credential checks sent to one entity's assets (``rows``), per
    service."""
    lines: dict[tuple[str, str, str, int], tuple[set[str], int]] = {}
    for row in rows:
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
    """The campaign summary after run ``run_id``: the issues found and the notices served up
    to it, each in its state now. It only reads the store."""
    now = time.time() if now is None else now
    inv = run_inventory(store, run_id)
    campaign = inv.model.campaign.name
    entity_ids = {e.id for e in inv.model.entities}
    found = [
        i for i in store.issues.find() if i.entity_id in entity_ids and i.first_seen_run <= run_id
    ]
    levels = {i: risk.level for i, risk in issue_risks(inv, found, store).items()}
    events = store.issues.all_events()
    fixed_at: dict[int, float] = {}
    for event in events:
        if event.to_state == IssueState.FIXED:
            fixed_at[event.issue_id] = event.at
    unverified = store.issues.inconclusive_since_seen(run_id)
    heads = store.notices.of_campaign(campaign, up_to_run=run_id)
    notices: dict[int, Notice] = {}
    for served, ids in _by_run(heads).items():  # each run's inventory parsed once
        built = build_notices(store, ids, registry, inv=inv if served == run_id else None, now=now)
        notices.update(zip(ids, built, strict=True))
    actions = store.notices.actions(list(notices))
    facts = _Facts(levels, fixed_at, unverified, now)
    # one entity's share of each, in the order of the whole (its figures come from these)
    found_of: dict[str, list[IssueRow]] = defaultdict(list)
    for issue in found:
        found_of[issue.entity_id].append(issue)
    notices_of: dict[str, list[Notice]] = defaultdict(list)
    for h in heads:
        notices_of[h.entity_id].append(notices[h.id])
    actions_of: dict[str, list[ActionRow]] = defaultdict(list)
    for a in actions:
        actions_of[notices[a.notice_id].entity_id].append(a)

    def figures(entities: set[str]) -> Rectification:
        if len(entities) == 1:
            [one] = entities
            return facts.figures(found_of[one], notices_of[one], actions_of[one])
        return facts.figures(
            [i for i in found if i.entity_id in entities],
            [notices[h.id] for h in heads if h.entity_id in entities],
            [a for a in actions if notices[a.notice_id].entity_id in entities],
        )

    active = [i for i in found if i.state in ACTIVE]
    by_entity: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
    by_asset: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    overdue_high: dict[str, int] = defaultdict(int)
    for issue in active:
        level = levels[issue.id]
        by_entity[issue.entity_id][level] += 1
        by_asset[(issue.entity_id, issue.asset_id)][0] += level == RiskLevel.HIGH
        by_asset[(issue.entity_id, issue.asset_id)][1] += 1
        if level == RiskLevel.HIGH and issue.deadline is not None and issue.deadline < now:
            overdue_high[issue.entity_id] += 1
    lines = []
    for entity in inv.model.entities:
        own = notices_of[entity.id]
        lines.append(
            EntityLine(
                entity_id=entity.id,
                name=entity.name,
                sector=entity.sector,
                cii_operator=entity.cii_operator,
                counts=dict(by_entity[entity.id]),
                notice_number=own[-1].number if own else "",
                notice_status=notice_status(tuple(i for n in own for i in n.items)) if own else "",
                overdue_high=overdue_high[entity.id],
                rectification=figures({entity.id}),
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
    history, snapshots = _history(store, inv, run_id, levels, events)
    return Summary(
        campaign=campaign,
        authority=inv.model.campaign.authority,
        run_id=run_id,
        generated=datetime.fromtimestamp(now, UTC),
        issues=totals,
        notices_served=len(notices),
        entities=tuple(lines),
        sectors=tuple((s, *v) for s, v in sorted(sectors.items())),  # type: ignore[misc]
        worst_assets=tuple(worst),
        escalation=tuple(
            sorted(
                (line for line in lines if line.overdue_high), key=lambda line: -line.overdue_high
            )
        ),
        history=history,
        rectification=figures(entity_ids),
        sector_rectification=tuple(
            (sector, figures({e.id for e in inv.model.entities if e.sector == sector}))
            for sector in sorted(sectors)
        ),
        rounds=_rounds(store, campaign, run_id, heads, snapshots),
        unverified_privilege=store.attempts.lacking_privilege(run_id),
    )


def _by_run(heads: list[NoticeRow]) -> dict[int, list[int]]:
    """The ids of ``heads`` by the run each was issued after, in their order."""
    ids: dict[int, list[int]] = defaultdict(list)
    for h in heads:
        ids[h.run_id].append(h.id)
    return ids


class _Facts:
    """What the summary's figures are computed from, for any set of entities."""

    def __init__(
        self,
        levels: Mapping[int, str],
        fixed_at: Mapping[int, float],
        unverified: set[int],
        now: float,
    ) -> None:
        self.levels, self.fixed_at, self.unverified, self.now = levels, fixed_at, unverified, now

    def figures(
        self, found: list[IssueRow], notices: list[Notice], actions: list[ActionRow]
    ) -> Rectification:
        fixed = [i for i in found if i.state == IssueState.FIXED]
        active = [i for i in found if i.state in ACTIVE]
        late = [
            self.now - i.deadline
            for i in active
            if i.deadline is not None and i.deadline < self.now
        ]
        days = sorted(
            (self.fixed_at[i.id] - i.first_seen_at) / DAY for i in fixed if i.id in self.fixed_at
        )
        by_kind = dict.fromkeys((k.value for k in ActionKind), 0)
        for action in actions:
            by_kind[action.kind.value] += 1
        statuses = [n.status for n in notices]
        by_notice = {n.number: n.entity_id for n in notices}
        penalised = {
            by_notice[n.number]
            for n in notices
            for a in n.actions
            if ActionKind(a.kind) in PENALTIES
        }
        return Rectification(
            found=len(found),
            rectified=len(fixed),
            rectified_high=sum(self.levels[i.id] == RiskLevel.HIGH for i in fixed),
            still_open=len(active),
            overdue=len(late),
            overdue_days=int(max(late, default=0) // DAY),
            accepted=sum(i.state == IssueState.ACCEPTED for i in found),
            false_positive=sum(i.state == IssueState.FALSE_POSITIVE for i in found),
            could_not_verify=sum(i.id in self.unverified for i in active),
            notices=len(notices),
            notices_rectified=statuses.count(NoticeStatus.RECTIFIED),
            notices_partial=statuses.count(NoticeStatus.PARTIALLY_RECTIFIED),
            notices_overdue=statuses.count(NoticeStatus.OVERDUE),
            median_days=_median(days),
            actions=by_kind,
            penalised=len(penalised),
            fines=sum(a.amount or 0.0 for a in actions if a.kind == ActionKind.FINE),
        )


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    middle = len(values) // 2
    value = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    return round(value, 1)


@dataclass(frozen=True)
class _Snapshot:
    """The campaign's issues after one completed run: found so far, fixed, active."""

    run_id: int
    found: int
    rectified: int
    still_open: int


def _rounds(
    store: Store, campaign: str, up_to: int, heads: list[NoticeRow], snapshots: list[_Snapshot]
) -> tuple[RoundPoint, ...]:
    """Each round as it stood after its last run: the last completed run before the next
    round's run (or up to the summary's run)."""
    opened = store.notices.rounds_of(campaign, up_to_run=up_to)
    points = []
    for k, row in enumerate(opened):
        ends = opened[k + 1].run_id if k + 1 < len(opened) else up_to + 1
        inside = [s for s in snapshots if row.run_id <= s.run_id < ends]
        last = inside[-1] if inside else _Snapshot(row.run_id, 0, 0, 0)
        points.append(
            RoundPoint(
                number=row.number,
                run_id=row.run_id,
                day=datetime.fromtimestamp(row.opened_at, UTC).date(),
                notices=sum(h.round == row.number for h in heads),
                found=last.found,
                rectified=last.rectified,
                still_open=last.still_open,
            )
        )
    return tuple(points)


def _history(
    store: Store,
    inv: LoadedInventory,
    up_to: int,
    levels: Mapping[int, str],
    events: list[IssueEventRow],
) -> tuple[dict[str, tuple[HistoryPoint, ...]], list[_Snapshot]]:
    """Open issues per entity and level after each completed run, replayed from the events;
    and the campaign's totals after each."""
    done = store.runs.completed(up_to)
    owner = {issue.id: issue.entity_id for issue in store.issues.find()}
    entity_ids = {e.id for e in inv.model.entities}
    state: dict[int, IssueState] = {}
    points: dict[str, list[HistoryPoint]] = defaultdict(list)
    snapshots = []
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
        found = rectified = still_open = 0
        for issue_id, current in state.items():
            if owner.get(issue_id) not in entity_ids or issue_id not in levels:
                continue
            found += 1
            rectified += current == IssueState.FIXED
            if current in ACTIVE:
                still_open += 1
                counts[owner[issue_id]][levels[issue_id]] += 1
        snapshots.append(_Snapshot(run.id, found, rectified, still_open))
        day = datetime.fromtimestamp(finished or 0, UTC).date()
        for entity in inv.model.entities:
            points[entity.id].append(HistoryPoint(run.id, day, dict(counts[entity.id])))
    return {k: tuple(v) for k, v in points.items()}, snapshots


def _entity(inv: LoadedInventory, entity_id: str) -> Entity | None:
    return next((e for e in inv.model.entities if e.id == entity_id), None)


def today() -> date:
    """Today in UTC (notices are dated in UTC)."""
    return datetime.now(UTC).date()
