"""Documents built by hand for the rendering tests and the rendering benchmark.

Everything is fixed (no clock, no randomness) so that golden files are stable. The items use real
check ids, titles and remediation texts, so their zh-CN translations come from ``checks.po``.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from scanner.core.documents import (
    Action,
    Contact,
    EntityLine,
    HistoryPoint,
    Notice,
    NoticeItem,
    Rectification,
    RoundPoint,
    Summary,
)
from scanner.engine.registry import discover

#: Evidence a hostile target might send: HTML, an attribute break-out, terminal escapes,
#: Markdown syntax and a spreadsheet formula.
HOSTILE_EVIDENCE = (
    "<script>alert(1)</script>\n"
    '"><img src=x onerror=alert(1)>\n'
    "\x1b[2J\x1b]0;pwned\x07 cleared\n"
    "| # `code` **bold** [link](javascript:alert(1))\n"
    "# heading\n"
    '=HYPERLINK("http://evil.example")'
)

ISSUED = date(2026, 3, 9)
START = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
END = datetime(2026, 3, 3, 9, 15, tzinfo=UTC)

# (check id, level, score, asset id, asset, location, evidence, deadline days)
_ITEMS = (
    (
        "net.redis-no-auth",
        "high",
        9.6,
        "dispatch-gw",
        "127.0.10.1",
        "6379/tcp",
        "PING answered +PONG without AUTH; redis_version:7.0.15, mode standalone",
        7,
    ),
    (
        "net.telnet-exposed",
        "high",
        8.4,
        "dispatch-gw",
        "127.0.10.1",
        "23/tcp",
        "telnet negotiation: IAC DO TTYPE, IAC DO TSPEED ...; prompt: '\\r\\nweak login: '",
        7,
    ),
    (
        "tls.legacy-protocol",
        "medium",
        6.1,
        "portal",
        "https://127.0.10.1/",
        "127.0.10.1:443",
        "portal.example:443 accepts legacy protocol versions: TLS 1.0, TLS 1.1",
        30,
    ),
    (
        "net.ftp-cleartext",
        "medium",
        5.5,
        "dispatch-gw",
        "127.0.10.1",
        "21/tcp",
        "AUTH TLS answered '530 Please login with USER and PASS.'; FEAT: EPRT, EPSV, MDTM, PASV",
        30,
    ),
    (
        "web.server-version-disclosure",
        "low",
        2.8,
        "portal",
        "https://127.0.10.1/",
        "https://127.0.10.1/",
        "Server: nginx/1.22.1; X-Powered-By: PHP/7.4.3",
        90,
    ),
)


def _meta() -> dict[str, tuple[str, str, str, tuple[str, ...]]]:
    registry = discover(entry_points=False)
    return {
        c.id: (c.meta.title, c.meta.remediation, c.meta.severity.value, c.meta.references)
        for c in registry.checks.values()
    }


def _legal(references: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(r for r in references if r.split("-")[0] in {"CSL", "MLPS", "DSL", "PIPL"})


def sample_notice() -> Notice:
    """The fixed notice of the golden files: five items over two assets, prc regime."""
    meta = _meta()
    items = []
    for rank, (check_id, level, score, asset_id, asset, location, evidence, days) in enumerate(
        _ITEMS, 1
    ):
        title, remediation, severity, references = meta[check_id]
        items.append(
            NoticeItem(
                rank=rank,
                issue_id=100 + rank,
                level=level,
                score=score,
                severity=severity,
                check_id=check_id,
                title=title,
                asset_id=asset_id,
                asset=asset,
                location=location,
                evidence=evidence,
                remediation=remediation,
                references=references,
                legal_basis=_legal(references),
                deadline=ISSUED + timedelta(days=days),
                first_seen=date(2026, 3, 2),
                overdue=False,
            )
        )
    return Notice(
        number="DEMO-AUTH-2026-017-0001",
        issued=ISSUED,
        campaign="2026 Q4 CII remote and on-site inspection (demo lab)",
        authority="Demo City Public Security Bureau, Cyber Security Inspection Office",
        authorization="DEMO-AUTH-2026-017",
        legal_regime="prc",
        entity_id="grid-east",
        entity_name="East Grid Power Dispatch Co.",
        sector="energy",
        cii_operator=True,
        mlps_level=3,
        contacts=(
            Contact(
                name="Li Wei",
                role="Head of information security",
                email="security@grid-east.example",
                phone="+86 20 5555 0101",
            ),
        ),
        items=tuple(items),
        scope=("dispatch-gw: 127.0.10.1", "portal: https://127.0.10.1/"),
        modes=("remote", "onsite"),
        window_start=START,
        window_end=END,
        run_id=3,
        status="issued",
        reply_by=ISSUED + timedelta(days=90),
    )


def hostile_notice() -> Notice:
    """The sample notice with hostile text in every field a target can influence."""
    notice = sample_notice()
    items = tuple(
        dataclasses.replace(
            item,
            evidence=HOSTILE_EVIDENCE,
            location="/<b>x</b>?q=`|#",
            asset="https://evil.example/<script>",
        )
        for item in notice.items
    )
    return dataclasses.replace(notice, items=items)


def closed_notice() -> Notice:
    """The sample notice after a verification rescan: every item rectified or accepted."""
    notice = sample_notice()
    items = tuple(
        dataclasses.replace(item, status="accepted" if item.level == "low" else "rectified")
        for item in notice.items
    )
    return dataclasses.replace(notice, items=items, status="rectified")


NO_ACTIONS = {
    "interview": 0,
    "warning": 0,
    "fine": 0,
    "suspend_order": 0,
    "rectify_order": 0,
    "shutdown": 0,
    "referral": 0,
}


def rectification(**figures: object) -> Rectification:
    """Rectification figures, actions defaulting to none of each kind."""
    actions = {**NO_ACTIONS, **figures.pop("actions", {})}  # type: ignore[dict-item]
    return Rectification(actions=actions, **figures)  # type: ignore[arg-type]


GRID = rectification(
    found=12,
    rectified=7,
    rectified_high=3,
    still_open=5,
    overdue=1,
    overdue_days=12,
    could_not_verify=1,
    notices=2,
    notices_overdue=1,
    notices_partial=1,
    median_days=21.5,
    actions={"interview": 1, "fine": 1},
    penalised=1,
    fines=50000.0,
)
WATER = rectification(
    found=10,
    rectified=3,
    rectified_high=1,
    still_open=6,
    accepted=1,
    notices=1,
    notices_partial=1,
    median_days=28.0,
    actions={"rectify_order": 1},
)
PORTAL = rectification(
    found=1206,
    rectified=1201,
    rectified_high=639,
    still_open=5,
    false_positive=0,
    notices=1,
    median_days=3.0,
    actions={"warning": 1, "shutdown": 1},
    penalised=1,
)


def sample_summary() -> Summary:
    """A campaign summary over three entities with three runs of history and two rounds."""
    entities = (
        EntityLine(
            "grid-east",
            "East Grid Power Dispatch Co.",
            "energy",
            True,
            {"high": 2, "medium": 2, "low": 1},
            "DEMO-AUTH-2026-017-0004",
            "overdue",
            overdue_high=1,
            rectification=GRID,
        ),
        EntityLine(
            "water-city",
            "City Water Supply Group",
            "water",
            True,
            {"high": 1, "medium": 3, "low": 2},
            "DEMO-AUTH-2026-017-0002",
            "partially_rectified",
            rectification=WATER,
        ),
        EntityLine(
            "portal-news",
            "City News Portal <b>&</b>",
            "media",
            False,
            {"high": 0, "medium": 1, "low": 4},
            "DEMO-AUTH-2026-017-0003",
            "issued",
            rectification=PORTAL,
        ),
    )
    days = (date(2026, 3, 2), date(2026, 4, 6), date(2026, 5, 4))
    history = {
        "grid-east": tuple(
            HistoryPoint(run, day, counts)
            for run, day, counts in zip(
                (1, 2, 3),
                days,
                (
                    {"high": 4, "medium": 3, "low": 2},
                    {"high": 3, "medium": 2, "low": 1},
                    {"high": 2, "medium": 2, "low": 1},
                ),
                strict=True,
            )
        ),
        "water-city": tuple(
            HistoryPoint(run, day, counts)
            for run, day, counts in zip(
                (1, 2, 3),
                days,
                (
                    {"high": 2, "medium": 5, "low": 2},
                    {"high": 1, "medium": 4, "low": 2},
                    {"high": 1, "medium": 3, "low": 2},
                ),
                strict=True,
            )
        ),
        "portal-news": (HistoryPoint(3, days[2], {"high": 0, "medium": 1, "low": 4}),),
    }
    return Summary(
        campaign="2026 Q4 CII remote and on-site inspection (demo lab)",
        authority="Demo City Public Security Bureau, Cyber Security Inspection Office",
        run_id=3,
        generated=datetime(2026, 5, 4, 10, 0, tzinfo=UTC),
        issues={"high": 3, "medium": 6, "low": 7},
        notices_served=4,
        entities=entities,
        sectors=(("energy", 1, 5, 2), ("water", 1, 6, 1), ("media", 1, 5, 0)),
        worst_assets=(
            ("grid-east", "dispatch-gw", 2, 4),
            ("water-city", "scada-dmz", 1, 3),
            ("portal-news", "www", 0, 5),
        ),
        escalation=(entities[0],),
        history=history,
        rectification=rectification(
            found=1228,
            rectified=1211,
            rectified_high=643,
            still_open=16,
            overdue=1,
            overdue_days=12,
            accepted=1,
            could_not_verify=1,
            notices=4,
            notices_overdue=1,
            notices_partial=2,
            median_days=3.0,
            actions={"interview": 1, "fine": 1, "rectify_order": 1, "warning": 1, "shutdown": 1},
            penalised=2,
            fines=50000.0,
        ),
        sector_rectification=(("energy", GRID), ("media", PORTAL), ("water", WATER)),
        rounds=(
            RoundPoint(1, 1, days[0], 3, 1222, 0, 1222),
            RoundPoint(2, 3, days[2], 1, 1228, 1211, 16),
        ),
    )


#: The texts of the tiny notice's item, which it carries its own translations of (as notices
#: do for the management checklist's questions).
TINY_TITLE = "Example weakness <b>not markup</b>"
TINY_REMEDIATION = "Fix the example weakness."
TINY_TRANSLATIONS = {
    "zh-CN": {TINY_TITLE: "示例问题 <b>不是标记</b>", TINY_REMEDIATION: "修复示例问题。"}
}


def tiny_notice() -> Notice:
    """A notice of one item whose texts are in no catalog: they come with the notice."""
    notice = sample_notice()
    item = dataclasses.replace(
        notice.items[0],
        check_id="example.weakness",
        title=TINY_TITLE,
        remediation=TINY_REMEDIATION,
        evidence='=cmd|" /C calc"!A0',
    )
    return dataclasses.replace(notice, items=(item,), translations=TINY_TRANSLATIONS)


def supplementary_notice() -> Notice:
    """The sample notice as a supplementary notice of round 2, with two enforcement actions."""
    return dataclasses.replace(
        sample_notice(),
        number="DEMO-AUTH-2026-017-0004",
        round=2,
        supplements="DEMO-AUTH-2026-017-0001",
        actions=(
            Action("interview", date(2026, 4, 1), None, "DCPSB-IV-2026-031", "Inspector Wang"),
            Action(
                "fine",
                date(2026, 4, 20),
                50000.0,
                "DCPSB-PEN-2026-112",
                "Inspector Wang",
                "<b>late</b> rectification",
            ),
        ),
    )
