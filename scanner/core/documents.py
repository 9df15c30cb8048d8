"""The documents the scanner issues, as plain data: rectification notices and campaign summaries.

:mod:`scanner.notices.build` builds them from the store; :mod:`reports` turns them into HTML,
Markdown, PDF, JSON and CSV in each language. Keeping them as frozen data between the two means
templates never query the store, and tests can render a document built by hand.
Every text field that came from a target (evidence, locations) is already cleaned of control
characters; templates must still escape it (autoescape is on).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from scanner.core.lifecycle import LEVELS


@dataclass(frozen=True)
class Contact:
    """A person at the entity who receives the notice."""

    name: str
    role: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CredentialTestLine:
    """The logins credential checks sent to one service of one asset in the notice's run, so
    the entity knows what the inspection tried (never which passwords).

    Attributes:
        asset_id: the asset.
        service: the service name (``ssh``, ``ftp``...).
        address / port: where the service was reached.
        accounts: how many accounts were tried.
        tries: how many logins were sent in all.
    """

    asset_id: str
    service: str
    address: str
    port: int
    accounts: int
    tries: int


@dataclass(frozen=True)
class NoticeItem:
    """One rectification item: an issue, ranked by risk, with what to do and by when.

    Attributes:
        rank: 1 for the worst item of the notice.
        issue_id: the tracked issue.
        level: risk level, high / medium / low.
        score: risk score 0-10.
        severity: the check's severity (critical ... info).
        check_id: the check that found it.
        title: the check's title (English; templates translate it through the catalog).
        asset_id: the asset's id in the inventory.
        asset: the asset as declared (address, name, range or URL).
        location: where on the asset (port/protocol, URL, config key, account).
        evidence: what the scanner observed, cleaned and bounded.
        remediation: what to do (English; translated through the catalog).
        references: the check's references (CWE-n, CSL-n, MLPS-x.y ...).
        legal_basis: reference ids that the notice's legal regime cites for this item.
        deadline: the day by which it must be rectified (fixed when first on a notice).
        first_seen: the day the scanner first saw it.
        status: open, reopened, fixed, accepted, false_positive; after a verification rescan
            also rectified / not_rectified / could_not_verify.
        overdue: True when still open after its deadline.
    """

    rank: int
    issue_id: int
    level: str
    score: float
    severity: str
    check_id: str
    title: str
    asset_id: str
    asset: str
    location: str
    evidence: str
    remediation: str
    references: tuple[str, ...]
    legal_basis: tuple[str, ...]
    deadline: date
    first_seen: date
    status: str = "open"
    overdue: bool = False


@dataclass(frozen=True)
class Action:
    """An enforcement action the authority recorded after a notice.

    Attributes:
        kind: an :class:`~scanner.core.lifecycle.ActionKind` value (interview, warning, fine...).
        day: the day of the action (the decision's date).
        amount: a fine's amount in yuan, else None.
        reference: the decision's document reference.
        recorded_by: who recorded it.
        note: free text, may be empty.
    """

    kind: str
    day: date
    amount: float | None
    reference: str
    recorded_by: str
    note: str = ""


@dataclass(frozen=True)
class Device:
    """A device the run identified on one of the entity's assets (from a finding's
    ``detail["device"]``): the notice's device inventory.

    Attributes:
        asset_id / asset: the asset, by id and as declared.
        location: the service it answered on (``102/tcp``).
        protocol: s7, modbus, iec104, dnp3, bacnet, enip, opcua.
        vendor / product / version / serial: what the device said about itself ("" if not).
        cpe: a CPE 2.3-like name for matching vulnerability feeds ("" when unknown).
    """

    asset_id: str
    asset: str
    location: str
    protocol: str
    vendor: str = ""
    product: str = ""
    version: str = ""
    serial: str = ""
    cpe: str = ""


@dataclass(frozen=True)
class Notice:
    """A rectification notice to one entity, from one run.

    Attributes:
        number: stable, campaign-scoped notice number (e.g. ``DEMO-AUTH-2026-017-0003``).
        issued: the day it was issued.
        campaign: campaign name.
        authority: the issuing authority.
        authorization: the authorization reference the inspection ran under.
        legal_regime: ``prc`` or ``generic``: which legal texts the notice cites.
        entity_id / entity_name / sector / cii_operator / mlps_level: the addressee.
        contacts: the addressee's contacts.
        items: the rectification items, worst first.
        scope: the assets inspected, as ``asset id: declared value``.
        modes: what was executed: remote, onsite, checklist.
        window_start / window_end: when the inspection ran (UTC).
        run_id: the run the notice comes from.
        status: issued, partially_rectified, rectified or overdue (derived from the items).
        reply_by: the day the entity's rectification report is due (the latest deadline).
        devices: the industrial devices the run identified on the entity's assets (vendor,
            product, firmware), one per asset and service.
        translations: per language, English texts of the items mapped to their text in that
            language, for texts that carry their own translations instead of being in the
            report catalogs (the management checklist's questions, translated in their YAML).
            The renderers look a text up in the catalogs first, then here.
        round: the campaign's rectification round the notice was issued in (1, 2, ...).
        supplements: the number of the entity's earlier notice that this supplementary notice
            cites ("" for an entity's first notice).
        actions: the enforcement actions recorded after the notice, oldest first.
        unverified_privilege: on-site checks of the run that could not be verified for lack of
            privilege (their root-only reads ran without root: none declared, or refused).
        credential_tests: the logins credential checks sent in the run, per service of each
            asset (empty when the campaign ran none).
    """

    number: str
    issued: date
    campaign: str
    authority: str
    authorization: str
    legal_regime: str
    entity_id: str
    entity_name: str
    sector: str
    cii_operator: bool
    mlps_level: int
    contacts: tuple[Contact, ...]
    items: tuple[NoticeItem, ...]
    scope: tuple[str, ...]
    modes: tuple[str, ...]
    window_start: datetime
    window_end: datetime
    run_id: int
    status: str = "issued"
    reply_by: date | None = None
    devices: tuple[Device, ...] = ()
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict, hash=False)
    round: int = 1
    supplements: str = ""
    actions: tuple[Action, ...] = ()
    unverified_privilege: int = 0
    credential_tests: tuple[CredentialTestLine, ...] = ()

    def counts(self) -> dict[str, int]:
        """Items per risk level, every level present."""
        return {level: sum(i.level == level for i in self.items) for level in LEVELS}


@dataclass(frozen=True)
class Rectification:
    """What a campaign (or one sector, or one entity) rectified: the figures it is judged by.

    Attributes:
        found: issues found (every state), up to the summary's run.
        rectified: issues the scanner saw fixed (state fixed).
        rectified_high: of those, high risk.
        still_open: issues open or reopened.
        overdue: of those, past their deadline.
        overdue_days: the longest time an overdue issue is past its deadline, in whole days.
        accepted: issues accepted with a waiver.
        false_positive: issues marked false positives.
        could_not_verify: open issues a later run tried to check and could not tell (an error,
            a timeout, an unreachable host).
        notices: notices served.
        notices_rectified / notices_partial / notices_overdue: notices fully rectified,
            partially rectified, overdue.
        median_days: the median days from first seen to seen fixed, of the rectified issues
            (None when none is).
        actions: enforcement actions by kind (every kind present).
        penalised: entities with at least one penalty (warning, fine, suspension order,
            shutdown).
        fines: the sum of the fines, in yuan.
    """

    found: int = 0
    rectified: int = 0
    rectified_high: int = 0
    still_open: int = 0
    overdue: int = 0
    overdue_days: int = 0
    accepted: int = 0
    false_positive: int = 0
    could_not_verify: int = 0
    notices: int = 0
    notices_rectified: int = 0
    notices_partial: int = 0
    notices_overdue: int = 0
    median_days: float | None = None
    actions: dict[str, int] = field(default_factory=dict)
    penalised: int = 0
    fines: float = 0.0

    @property
    def rate(self) -> float | None:
        """Rectified over the issues that need rectification (found, less accepted and false
        positives); None when there are none."""
        needing = self.found - self.accepted - self.false_positive
        return self.rectified / needing if needing > 0 else None


@dataclass(frozen=True)
class RoundPoint:
    """The campaign at the end of one rectification round (for the chart over rounds).

    Attributes:
        number: the round (1 for the first inspection).
        run_id: the run the round was opened after (its notices' run).
        day: the day the round was opened.
        notices: notices served in the round.
        found / rectified / still_open: issues found so far, seen fixed, and open, after the
            last run of the round.
    """

    number: int
    run_id: int
    day: date
    notices: int
    found: int
    rectified: int
    still_open: int


@dataclass(frozen=True)
class EntityLine:
    """One entity's line in the campaign summary (``notice_number``: its latest notice;
    ``notice_status``: over all its notices' items)."""

    entity_id: str
    name: str
    sector: str
    cii_operator: bool
    counts: dict[str, int]
    notice_number: str
    notice_status: str
    overdue_high: int = 0
    rectification: Rectification = field(default_factory=Rectification)


@dataclass(frozen=True)
class HistoryPoint:
    """Open issues of one entity by level after one run (for the history chart)."""

    run_id: int
    day: date
    counts: dict[str, int]


@dataclass(frozen=True)
class Summary:
    """The campaign summary an inspection office publishes.

    Attributes:
        campaign / authority / run_id / generated: what and when.
        issues: active issues by level, every level present.
        notices_served: how many notices the campaign served, in every round up to the run.
        entities: one line per entity inspected.
        sectors: per sector: entities, issues and high-risk issues.
        worst_assets: (entity id, asset id, high, total), worst first, at most ten.
        escalation: entities with overdue high-risk items, worst first.
        history: per entity id, open issues by level over runs, oldest first.
        rectification: what the campaign rectified (:class:`Rectification`).
        sector_rectification: per sector, what it rectified.
        rounds: the campaign at the end of each rectification round, oldest first.
        unverified_privilege: on-site checks of the run that could not be verified for lack
            of privilege (all entities).
    """

    campaign: str
    authority: str
    run_id: int
    generated: datetime
    issues: dict[str, int]
    notices_served: int
    entities: tuple[EntityLine, ...]
    sectors: tuple[tuple[str, int, int, int], ...]
    worst_assets: tuple[tuple[str, str, int, int], ...]
    escalation: tuple[EntityLine, ...] = ()
    history: dict[str, tuple[HistoryPoint, ...]] = field(default_factory=dict)
    rectification: Rectification = field(default_factory=Rectification)
    sector_rectification: tuple[tuple[str, Rectification], ...] = ()
    rounds: tuple[RoundPoint, ...] = ()
    unverified_privilege: int = 0

    @property
    def total(self) -> int:
        """All active issues."""
        return sum(self.issues.values())
