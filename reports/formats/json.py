"""JSON: the documents as data following ``notice.schema.json`` and ``summary.schema.json``,
texts in the chosen language; text from targets is carried exactly (JSON escapes it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from reports.context import notice_translator
from reports.format import SummaryFormat
from scanner.core.documents import EntityLine, Notice, Rectification, Summary
from scanner.core.lifecycle import LEVELS
from scanner.notices import regimes

#: Version of the JSON documents (``notice.schema.json``, ``summary.schema.json``).
SCHEMA_VERSION = 1


def _iso(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _dump(data: Mapping[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def notice_data(notice: Notice, lang: str) -> dict[str, Any]:
    """The notice as JSON-ready data following ``notice.schema.json``, texts in ``lang``."""
    regime = regimes.load(notice.legal_regime)
    t = notice_translator(notice, lang)
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kind": "notice",
        "lang": lang,
        "number": notice.number,
        "issued": notice.issued.isoformat(),
        "campaign": notice.campaign,
        "authority": notice.authority,
        "authorization": notice.authorization,
        "legal_regime": notice.legal_regime,
        "legal_basis": [
            {
                "ref": clause.ref,
                "citation": regime.cite(clause.ref, lang, notice.issued),
                "requirement": clause.requirement.get(lang, ""),
            }
            for clause in regime.basis_on(notice.issued)
        ],
        "entity": {
            "id": notice.entity_id,
            "name": notice.entity_name,
            "sector": notice.sector,
            "cii_operator": notice.cii_operator,
            "mlps_level": notice.mlps_level,
            "contacts": [
                {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
                for c in notice.contacts
            ],
        },
        "scope": list(notice.scope),
        "devices": [
            {
                "asset_id": d.asset_id,
                "asset": d.asset,
                "location": d.location,
                "protocol": d.protocol,
                "vendor": d.vendor,
                "product": d.product,
                "version": d.version,
                "serial": d.serial,
                "cpe": d.cpe,
            }
            for d in notice.devices
        ],
        "modes": list(notice.modes),
        "window": {"start": _iso(notice.window_start), "end": _iso(notice.window_end)},
        "run_id": notice.run_id,
        "round": notice.round,
        "supplements": notice.supplements or None,
        "actions": [
            {
                "kind": a.kind,
                "day": a.day.isoformat(),
                "amount": a.amount,
                "reference": a.reference,
                "recorded_by": a.recorded_by,
                "note": a.note,
            }
            for a in notice.actions
        ],
        "status": notice.status,
        "reply_by": notice.reply_by.isoformat() if notice.reply_by else None,
        "counts": notice.counts(),
        **(
            {"unverified_privilege": notice.unverified_privilege}
            if notice.unverified_privilege
            else {}
        ),
        "items": [
            {
                "rank": i.rank,
                "issue_id": i.issue_id,
                "level": i.level,
                "score": i.score,
                "severity": i.severity,
                "check_id": i.check_id,
                "title": t(i.title),
                "asset_id": i.asset_id,
                "asset": i.asset,
                "location": i.location,
                "evidence": i.evidence,
                "remediation": t(i.remediation),
                "references": [
                    {"ref": ref, "citation": regime.cite(ref, lang, notice.issued)}
                    for ref in i.references
                ],
                "legal_basis": list(i.legal_basis),
                "deadline": i.deadline.isoformat(),
                "first_seen": i.first_seen.isoformat(),
                "status": i.status,
                "overdue": i.overdue,
            }
            for i in notice.items
        ],
    }
    if notice.credential_tests:  # only when the run tested credentials (older notices unchanged)
        data["credential_tests"] = [
            {
                "asset_id": c.asset_id,
                "service": c.service,
                "address": c.address,
                "port": c.port,
                "accounts": c.accounts,
                "logins": c.tries,
            }
            for c in notice.credential_tests
        ]
    return data


def _line(e: EntityLine) -> dict[str, Any]:
    return {
        "entity_id": e.entity_id,
        "name": e.name,
        "sector": e.sector,
        "cii_operator": e.cii_operator,
        "counts": {lvl: e.counts.get(lvl, 0) for lvl in LEVELS},
        "notice_number": e.notice_number,
        "notice_status": e.notice_status,
        "overdue_high": e.overdue_high,
        "rectification": _rectification(e.rectification),
    }


def _rectification(r: Rectification) -> dict[str, Any]:
    return {
        "found": r.found,
        "rectified": r.rectified,
        "rectified_high": r.rectified_high,
        "still_open": r.still_open,
        "overdue": r.overdue,
        "overdue_days": r.overdue_days,
        "accepted": r.accepted,
        "false_positive": r.false_positive,
        "could_not_verify": r.could_not_verify,
        "rate": None if r.rate is None else round(r.rate, 4),
        "median_days": r.median_days,
        "notices": {
            "served": r.notices,
            "rectified": r.notices_rectified,
            "partially_rectified": r.notices_partial,
            "overdue": r.notices_overdue,
        },
        "actions": dict(r.actions),
        "penalised": r.penalised,
        "fines": r.fines,
    }


def summary_data(summary: Summary, lang: str) -> dict[str, Any]:
    """The summary as JSON-ready data following ``summary.schema.json``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "summary",
        "lang": lang,
        "campaign": summary.campaign,
        "authority": summary.authority,
        "run_id": summary.run_id,
        "generated": _iso(summary.generated),
        "issues": {lvl: summary.issues.get(lvl, 0) for lvl in LEVELS},
        "total": summary.total,
        "notices_served": summary.notices_served,
        "rectification": _rectification(summary.rectification),
        "rounds": [
            {
                "number": p.number,
                "run_id": p.run_id,
                "day": p.day.isoformat(),
                "notices": p.notices,
                "found": p.found,
                "rectified": p.rectified,
                "still_open": p.still_open,
            }
            for p in summary.rounds
        ],
        "sector_rectification": [
            {"sector": sector, **_rectification(r)} for sector, r in summary.sector_rectification
        ],
        **(
            {"unverified_privilege": summary.unverified_privilege}
            if summary.unverified_privilege
            else {}
        ),
        "entities": [_line(e) for e in summary.entities],
        "sectors": [
            {"sector": s, "entities": n, "issues": issues, "high": high}
            for s, n, issues, high in summary.sectors
        ],
        "worst_assets": [
            {"entity_id": e, "asset_id": a, "high": high, "total": total}
            for e, a, high, total in summary.worst_assets
        ],
        "escalation": [_line(e) for e in summary.escalation],
        "history": {
            entity: [
                {
                    "run_id": p.run_id,
                    "day": p.day.isoformat(),
                    "counts": {lvl: p.counts.get(lvl, 0) for lvl in LEVELS},
                }
                for p in points
            ]
            for entity, points in summary.history.items()
        },
    }


class Json(SummaryFormat):
    """Notices and summaries as JSON documents."""

    name = "json"
    extension = "json"

    def render_notice(self, notice: Notice, lang: str) -> bytes:
        """:func:`notice_data`, indented, UTF-8."""
        return _dump(notice_data(notice, lang))

    def render_summary(self, summary: Summary, lang: str) -> bytes:
        """:func:`summary_data`, indented, UTF-8."""
        return _dump(summary_data(summary, lang))
