"""Rendering: notices for 200 entities with 50 items each (10,000 issues), built in memory.

Times ``reports.render.render_notice`` over every notice in HTML (target: under 5 s for all),
then in Markdown, JSON and CSV for comparison, and PDF for a sample of notices (target: under
2 s per notice; WeasyPrint lays out every page, so the whole set would take minutes). Both
languages are timed for HTML; PDF is timed in zh-CN, the heavier case (CJK fonts). The items use
the real checks' titles and remediation texts, so the zh-CN catalog lookups are real too.
Prints figures; asserts nothing.

Usage: ``.venv/bin/python bench/render.py [--entities N] [--items N] [--pdf-sample N]``
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from _common import peak_rss_mb

from reports.render import LANGUAGES, render_notice
from scanner.core.documents import Contact, Notice, NoticeItem
from scanner.core.lifecycle import LEVELS
from scanner.engine.checklist import question_translations
from scanner.engine.registry import discover
from scanner.notices import regimes

EVIDENCE = (
    "PING answered +PONG without AUTH; redis_version:7.0.15, mode standalone; "
    "banner '220 (vsFTPd 3.0.3)' <b>not markup</b> | `not code`"
)


def build(n_entities: int, n_items: int) -> list[Notice]:
    """``n_entities`` notices of ``n_items`` items each, cycling through the real checks."""
    checks = discover(entry_points=False).sorted()
    prc = regimes.load("prc")
    issued = date(2026, 3, 9)
    notices = []
    issue_id = 0
    for e in range(n_entities):
        items = []
        for k in range(n_items):
            check = checks[(e + k) % len(checks)]
            level = LEVELS[min(k * len(LEVELS) // n_items, len(LEVELS) - 1)]
            issue_id += 1
            items.append(
                NoticeItem(
                    rank=k + 1,
                    issue_id=issue_id,
                    level=level,
                    score=round(9.9 - 9.5 * k / n_items, 1),
                    severity=check.meta.severity.value,
                    check_id=check.id,
                    title=check.meta.title,
                    asset_id=f"host-{k % 7}",
                    asset=f"10.{e // 250}.{e % 250}.{k % 7 + 1}",
                    location=f"{1000 + k}/tcp",
                    evidence=EVIDENCE,
                    remediation=check.meta.remediation,
                    references=check.meta.references,
                    legal_basis=prc.legal_basis(check.meta.references),
                    deadline=issued + timedelta(days={"high": 7, "medium": 30, "low": 90}[level]),
                    first_seen=date(2026, 3, 2),
                )
            )
        notices.append(
            Notice(
                number=f"BENCH-2026-{e + 1:04d}",
                issued=issued,
                campaign="rendering benchmark",
                authority="Demo City Public Security Bureau, Cyber Security Inspection Office",
                authorization="BENCH-AUTH-2026",
                legal_regime="prc",
                entity_id=f"entity-{e}",
                entity_name=f"Entity {e} Power Dispatch Co.",
                sector="energy",
                cii_operator=e % 3 == 0,
                mlps_level=3,
                contacts=(Contact("Li Wei", "Head of information security", "sec@example.org"),),
                items=tuple(items),
                scope=tuple(f"host-{k}: 10.0.0.{k + 1}" for k in range(7)),
                modes=("remote", "onsite"),
                window_start=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
                window_end=datetime(2026, 3, 3, 9, 15, tzinfo=UTC),
                run_id=1,
                reply_by=issued + timedelta(days=90),
                translations=question_translations(c.cls for c in checks),
            )
        )
    return notices


def pages(pdf: bytes) -> str:
    """The page count pdfinfo (poppler-utils) reads, or "?" without it."""
    if shutil.which("pdfinfo") is None:
        return "?"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True, check=False)
    return next(
        (line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:")), "?"
    )


def timed(notices: list[Notice], fmt: str, lang: str) -> tuple[float, int]:
    """Seconds to render every notice, and the bytes produced."""
    start = time.perf_counter()
    size = sum(len(render_notice(n, fmt, lang)) for n in notices)
    return time.perf_counter() - start, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--pdf-sample", type=int, default=5)
    args = parser.parse_args()

    notices = build(args.entities, args.items)
    total = sum(len(n.items) for n in notices)
    print(f"{len(notices)} notices, {total} items")
    # Warm-up, not timed: compiles the templates and the catalogs once per process.
    for lang in LANGUAGES:
        render_notice(notices[0], "html", lang)

    for lang in LANGUAGES:
        seconds, size = timed(notices, "html", lang)
        print(
            f"html {lang:5}: {seconds:6.2f} s for all ({seconds / len(notices) * 1000:.1f} ms "
            f"per notice, {size / 1e6:.1f} MB)  target < 5 s"
        )
    for fmt in ("md", "json", "csv"):
        seconds, size = timed(notices, fmt, "zh-CN")
        print(f"{fmt:4} zh-CN: {seconds:6.2f} s for all ({size / 1e6:.1f} MB)")

    # PDF: the first call also loads WeasyPrint, Pango and the fonts; reported apart.
    sample = notices[: args.pdf_sample + 1]
    start = time.perf_counter()
    first = render_notice(sample[0], "pdf", "zh-CN")
    print(
        f"pdf  zh-CN: first notice (loads WeasyPrint and fonts) {time.perf_counter() - start:.2f} s"
    )
    times = []
    pdf = first
    for notice in sample[1:]:
        start = time.perf_counter()
        pdf = render_notice(notice, "pdf", "zh-CN")
        times.append(time.perf_counter() - start)
    if times:
        print(
            f"pdf  zh-CN: mean {statistics.mean(times):.2f} s, max {max(times):.2f} s per notice "
            f"over {len(times)} notices of {args.items} items ({pages(pdf)} pages, "
            f"{len(pdf) / 1e3:.0f} kB)  target < 2 s"
        )
    print(f"peak memory: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
