"""JSON: the documents as data following ``notice.schema.json`` and ``summary.schema.json``,
texts in the chosen language; text from targets is carried exactly (JSON escapes it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from reports.context import notice_translator
from reports.format import SummaryFormat
from scanner.core.documents import EntityLine, Notice, Summary
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
                "citation": regime.cite(clause.ref, lang),
                "requirement": clause.requirement.get(lang, ""),
            }
            for clause in regime.basis
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
        "modes": list(notice.modes),
        "window": {"start": _iso(notice.window_start), "end": _iso(notice.window_end)},
        "run_id": notice.run_id,
        "status": notice.status,
        "reply_by": notice.reply_by.isoformat() if notice.reply_by else None,
        "counts": notice.counts(),
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
                    {"ref": ref, "citation": regime.cite(ref, lang)} for ref in i.references
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
