"""Three rectification rounds of a three-entity campaign, against real web servers this test starts
on 127.0.20.1-3 (its own loopback addresses; the shared lab is not touched), flipped between
rounds as the entities fix and break things:

- round 1 (run 1): grid exposes its .env (high risk), lacks nosniff and names its version; water
  lacks nosniff and framing protection and names its version; portal names its version and has
  no CSP. Three notices. Then a verification rescan of grid's notice (run 2) after grid removed
  the .env: that item is rectified, the others untouched.
- round 2 (run 3): water sends nosniff, portal hides its version: partly fixed. No new item, so
  no notice; ``diff 2 3`` says what the rescan did not check, never "new".
- round 3 (run 4): grid fixes the rest; portal breaks another thing (its .env is downloadable);
  water's server is down (could not verify). Portal gets a supplementary notice citing its first.

Along the way: a waiver, a false positive, four enforcement actions. The summary after run 4 is
checked figure by figure (campaign, sectors, entities, notices, rounds, actions), with its first
paragraph in zh-CN and en.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # ships no types

import reports
from reports.render import render_summary
from scanner.app.decisions import mark_false_positive, waive_issue
from scanner.app.issues import diff_runs
from scanner.app.notices import (
    issue_run_notices,
    record_notice_action,
    show_notice,
    verify_and_write,
)
from scanner.app.runs import run_inventory
from scanner.core.documents import Rectification
from scanner.engine.registry import discover
from scanner.notices.build import build_summary
from scanner.store import Store
from tests.helpers import write

ADDRESSES = {"grid": "127.0.20.1", "water": "127.0.20.2", "portal": "127.0.20.3"}
CHECKS = (
    "web.env-exposed",
    "web.nosniff-missing",
    "web.server-version-disclosure",
    "web.clickjacking-unprotected",
    "web.csp-missing",
)
DAY = 86400.0


@dataclass
class Site:
    """What one entity's web server does; the test flips the flags between rounds."""

    env: bool = False  # /.env downloadable
    nosniff: bool = True  # sends X-Content-Type-Options: nosniff
    banner: bool = False  # names its version in Server
    frame: bool = True  # sends X-Frame-Options
    csp: bool = True  # sends Content-Security-Policy
    port: int = 0


@contextlib.contextmanager
def serving(site: Site, address: str) -> Iterator[ThreadingHTTPServer]:
    """Serve ``site`` on ``address`` (an ephemeral port) until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers: list[tuple[str, str]] = [("Content-Type", "text/html")]
            body = b"<html><head><title>Welcome</title></head><body>hello</body></html>"
            status = 200
            if self.path == "/.env":
                if site.env:
                    headers = [("Content-Type", "text/plain")]
                    body = b"APP_KEY=base64:k\nDB_PASSWORD=secret\n"
                else:
                    status, body = 404, b"<html>not found</html>"
            elif self.path != "/":
                status, body = 404, b"<html>not found</html>"
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            if site.nosniff:
                self.send_header("X-Content-Type-Options", "nosniff")
            if site.frame:
                self.send_header("X-Frame-Options", "DENY")
            if site.csp:
                self.send_header("Content-Security-Policy", "default-src 'self'")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def version_string(self) -> str:
            return "Apache/2.4.41 (Ubuntu)" if site.banner else "web"

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((address, site.port), Handler)
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


INVENTORY = """\
campaign:
  name: rounds
  authority: Test City Cyber Security Inspection Office
  authorization:
    reference: R-1
    issued_by: test
    valid_from: 2026-01-01
    valid_until: 2030-12-31
scope:
  allow: [127.0.20.0/24]
deadlines: {{high: 20, medium: 30, low: 5}}
rate_limits:
  check_timeout: 3
entities:
  - id: grid
    name: Grid Power Co.
    sector: energy
    cii_operator: true
    mlps_level: 3
    assets:
      - {{id: portal, url: 'http://127.0.20.1:{grid}/', exposure: internet}}
  - id: water
    name: City Water
    sector: water
    assets:
      - {{id: www, url: 'http://127.0.20.2:{water}/', exposure: internet}}
  - id: portal
    name: News Portal
    sector: portal
    assets:
      - {{id: www, url: 'http://127.0.20.3:{portal}/', exposure: internet}}
profiles:
  web:
    checks: [{checks}]
"""


def test_three_rounds_and_every_figure_of_the_summary(tmp_path: Path, db_url: str) -> None:
    sites = {
        "grid": Site(env=True, nosniff=False, banner=True),
        "water": Site(nosniff=False, banner=True, frame=False),
        "portal": Site(banner=True, csp=False),
    }
    store = Store.open(db_url)
    out = tmp_path / "out"
    with contextlib.ExitStack() as servers:
        running = {
            e: servers.enter_context(serving(site, ADDRESSES[e])) for e, site in sites.items()
        }
        inventory = write(
            tmp_path / "inv.yaml",
            INVENTORY.format(checks=", ".join(CHECKS), **{e: s.port for e, s in sites.items()}),
        )

        def full_run() -> int:
            result = run_inventory(inventory, "web", store)
            assert result.status == "completed", result
            return result.run_id

        def issue_of(entity: str, check: str) -> int:
            [found] = [i for i in store.issues.find(entity=entity) if i.check_id == check]
            return found.id

        # -- round 1: find --------------------------------------------------------------------
        run1 = full_run()
        first = issue_run_notices(store, run1, out, ["md"], ["en"]).notices
        assert [(n.number, n.entity_id, n.round, n.supplements) for n in first] == [
            ("R-1-0001", "grid", 1, ""),
            ("R-1-0002", "water", 1, ""),
            ("R-1-0003", "portal", 1, ""),
        ]
        assert {n.entity_id: len(n.items) for n in first} == {"grid": 3, "water": 3, "portal": 2}
        waive_issue(
            store,
            issue_of("water", "web.clickjacking-unprotected"),
            reason="framing needed by the partner portal until the redesign",
            approver="Director Li",
            until=date(2030, 6, 30),
        )
        mark_false_positive(
            store,
            issue_of("portal", "web.csp-missing"),
            reason="CSP is set by the CDN in front of the site",
            actor="Inspector Zhao",
        )
        record_notice_action(
            store, "R-1-0001", kind="interview", reference="TCI-IV-01", recorded_by="Wang"
        )
        sites["grid"].env = False  # grid removes its .env; a verification rescan sees it
        verified = verify_and_write(store, "R-1-0001", out, ["md"], ["en"])
        run2 = verified.run.run_id
        statuses = {i.check_id: i.status for i in verified.notice.items}
        assert statuses["web.env-exposed"] == "rectified"
        assert statuses["web.nosniff-missing"] == "not_rectified"
        assert verified.notice.status == "partially_rectified"

        # -- round 2: partly fixed ------------------------------------------------------------
        sites["water"].nosniff = True
        sites["portal"].banner = False
        run3 = full_run()
        assert issue_run_notices(store, run3, out, ["md"], ["en"]).notices == []  # nothing new
        rescan_vs_sweep = diff_runs(store, run2, run3)
        assert rescan_vs_sweep.counts["new"] == 0
        # Run 2 rescanned grid only: water's banner and framing, portal's CSP were not checked.
        assert rescan_vs_sweep.counts["not_checked_in_a"] == 3
        assert {i.entity_id for i in rescan_vs_sweep.groups["not_checked_in_a"]} == {
            "water",
            "portal",
        }
        assert rescan_vs_sweep.counts["still_open"] == 2  # grid's nosniff and banner
        record_notice_action(
            store,
            "R-1-0002",
            kind="fine",
            amount=50000,
            reference="TCI-PEN-07",
            recorded_by="Wang",
        )
        record_notice_action(
            store, "R-1-0002", kind="warning", reference="TCI-WARN-03", recorded_by="Wang"
        )

        # -- round 3: fix, and break another --------------------------------------------------
        sites["grid"].nosniff, sites["grid"].banner = True, False
        sites["portal"].env = True
        running["water"].shutdown()  # water's server is down: could not verify
        running["water"].server_close()
        run4 = full_run()
        [supplementary] = issue_run_notices(store, run4, out, ["md"], ["en"]).notices
        assert (supplementary.number, supplementary.entity_id) == ("R-1-0004", "portal")
        assert (supplementary.round, supplementary.supplements) == (3, "R-1-0003")
        assert [i.check_id for i in supplementary.items] == ["web.env-exposed"]
        record_notice_action(
            store, "R-1-0004", kind="shutdown", reference="TCI-SD-01", recorded_by="Wang"
        )

    # Grid's notice: its history has the rescans that fixed its items and the interview.
    history = [e.what for e in show_notice(store, "R-1-0001").history]
    assert history[0] == "issued in round 1"
    assert sum("open -> fixed by run" in line for line in history) == 3
    assert any(line.startswith("interview on ") and "TCI-IV-01" in line for line in history)

    assert store.notices.round_of_runs() == {run1: 1, run3: 2, run4: 3}  # `scanner runs` shows it

    # An item is never on two notices; each notice's status follows its items.
    notices = store.notices.of_campaign("rounds")
    listed = [i.issue.id for n in notices for i in store.notices.items(n.id)]
    assert len(listed) == len(set(listed)) == 9

    water_banner = store.issues.get(issue_of("water", "web.server-version-disclosure"))
    assert water_banner.deadline is not None
    now = water_banner.deadline + 3.5 * DAY  # low-risk deadlines have passed by 3 days
    summary = build_summary(store, run4, discover(), now=now)
    r = summary.rectification
    # Found 9: grid 3, water 3, portal 3 (banner, csp, then .env). Rectified: grid's three,
    # water's nosniff, portal's banner. Open: water's banner (overdue, could not verify: its
    # server was down in run 4) and portal's .env. Accepted: water's framing. False positive:
    # portal's CSP.
    assert figures(r) == {
        "found": 9,
        "rectified": 5,
        "still_open": 2,
        "overdue": 1,
        "overdue_days": 3,
        "accepted": 1,
        "false_positive": 1,
        "could_not_verify": 1,
        "notices": 4,
        "notices_rectified": 2,  # grid's, and portal's first (banner fixed, CSP not an issue)
        "notices_partial": 0,
        "notices_overdue": 1,  # water's
        "penalised": 2,  # water (fine, warning), portal (shutdown); an interview is none
        "fines": 50000.0,
    }
    assert r.rectified_high == 1  # grid's .env
    assert r.rate == 5 / 7
    assert r.median_days is not None and 0 <= r.median_days < 1
    assert r.actions == {
        "interview": 1,
        "warning": 1,
        "fine": 1,
        "suspend_order": 0,
        "rectify_order": 0,
        "shutdown": 1,
        "referral": 0,
    }
    lines = {line.entity_id: line for line in summary.entities}
    assert (lines["grid"].notice_number, lines["grid"].notice_status) == ("R-1-0001", "rectified")
    assert lines["portal"].notice_number == "R-1-0004"
    assert lines["portal"].notice_status == "partially_rectified"  # over both its notices
    assert figures(lines["grid"].rectification) == figures(
        Rectification(found=3, rectified=3, notices=1, notices_rectified=1)
    )
    assert figures(lines["water"].rectification) == figures(
        Rectification(
            found=3,
            rectified=1,
            still_open=1,
            overdue=1,
            overdue_days=3,
            accepted=1,
            could_not_verify=1,
            notices=1,
            notices_overdue=1,
            penalised=1,
            fines=50000.0,
        )
    )
    assert figures(lines["portal"].rectification) == figures(
        Rectification(
            found=3,
            rectified=1,
            still_open=1,
            false_positive=1,
            notices=2,
            notices_rectified=1,
            penalised=1,
        )
    )
    assert lines["portal"].rectification.rate == 1 / 2
    assert dict(summary.sector_rectification).keys() == {"energy", "water", "portal"}
    assert dict(summary.sector_rectification)["portal"] == lines["portal"].rectification
    assert summary.notices_served == 4
    assert sum(summary.issues.values()) == 2  # active issues by level: water's and portal's
    # The chart over rounds: each round after its last run.
    assert [
        (p.number, p.run_id, p.notices, p.found, p.rectified, p.still_open) for p in summary.rounds
    ] == [
        (1, run1, 3, 8, 1, 5),  # after run 2: grid's .env rectified; 2 decided by people
        (2, run3, 0, 8, 3, 3),
        (3, run4, 1, 9, 5, 2),
    ]

    # The first paragraph, in both languages, with these figures.
    en = render_summary(summary, "html", "en").decode("utf-8")
    assert first_paragraph(en) == (
        "The campaign rectified 5 security issues (of which 1 high risk), shut down 1 website "
        "or service, served 4 rectification notices and penalised 2 entities."
    )
    zh = render_summary(summary, "html", "zh-CN").decode("utf-8")
    assert first_paragraph(zh) == (
        "本次检查共整改安全隐患5个（其中高风险1个），关停网站或服务1个，"  # noqa: RUF001
        "下发整改通知书4份，处罚单位2家。"  # noqa: RUF001
    )
    assert "<script" not in en.lower() and "<svg" in en
    schema = json.loads((Path(reports.__file__).parent / "summary.schema.json").read_text())
    for lang in ("en", "zh-CN"):
        data = json.loads(render_summary(summary, "json", lang))
        assert not list(jsonschema.Draft202012Validator(schema).iter_errors(data))
        assert data["rectification"]["rectified"] == 5 and len(data["rounds"]) == 3


def figures(r: Rectification) -> dict[str, object]:
    """The figures of ``r`` compared field by field (rate, median and actions apart)."""
    keys = (
        "found",
        "rectified",
        "still_open",
        "overdue",
        "overdue_days",
        "accepted",
        "false_positive",
        "could_not_verify",
        "notices",
        "notices_rectified",
        "notices_partial",
        "notices_overdue",
        "penalised",
        "fines",
    )
    return {k: getattr(r, k) for k in keys}


def first_paragraph(html: str) -> str:
    """The text of the summary's first paragraph (the lead), whitespace collapsed."""
    found = re.search(r'<p class="indent lead">(.*?)</p>', html, re.S)
    assert found is not None
    return re.sub(r"\s+", " ", found.group(1)).strip()
