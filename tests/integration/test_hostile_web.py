"""Every web check against a hostile HTTP server: bounded time and memory, honest attempts, clean
evidence.

Each mode of :mod:`tests.hostile_http` gets every registered ``web`` check at once (one thread
each, each with its own run services, so nothing is shared through the per-run cache: the worst
case), with a 3 s check timeout. The test asserts that every check ends within timeout + 3 s,
that none ends as ``check_bug``, that the process's peak memory grows by less than 200 MB, and
that nothing the server sent puts a control character into evidence, locations, reasons or
details.
"""

from __future__ import annotations

import re
import resource
import time
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import pytest

from scanner.core.models import Attempt, AttemptStatus, ErrorReason
from scanner.engine.registry import discover
from tests.helpers import run_check, url_target
from tests.hostile_http import MODES, gzip_bomb, hostile_http_server

TIMEOUT = 3.0
GRACE = 3.0
MEMORY_LIMIT_MB = 200
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

WEB_CHECKS = sorted(
    (c for c in discover(entry_points=False).checks.values() if c.meta.family == "web"),
    key=lambda c: c.id,
)

# What the "controls" page is built to make the checks report (with hostile text in evidence).
CONTROLS_FAIL = {
    "web.http-no-https-redirect",
    "web.server-version-disclosure",
    "web.csp-missing",
    "web.clickjacking-unprotected",
    "web.nosniff-missing",
    "web.directory-listing",
    "web.git-exposed",
    "web.env-exposed",
    "web.backup-exposed",
    "web.insecure-cookie",
    "web.trace-enabled",
    "web.default-page",
}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _texts(attempt: Attempt) -> list[str]:
    texts = [attempt.reason, attempt.location]
    for finding in attempt.findings:
        texts += [finding.evidence, finding.location]
        texts += [str(v) for v in finding.detail.values()]
    return texts


def _run_all(mode: str) -> tuple[dict[str, Attempt], list[str], float]:
    """Every web check on one hostile server: (attempts, ids still running late, wall time)."""
    pool = ThreadPoolExecutor(max_workers=len(WEB_CHECKS))
    try:
        with hostile_http_server(mode) as url:
            target = url_target(url, "127.0.0.1")
            start = time.monotonic()
            futures = {
                pool.submit(run_check, c.cls, target, timeout=TIMEOUT): c.id for c in WEB_CHECKS
            }
            done, late = wait(futures, timeout=TIMEOUT + GRACE)
            wall = time.monotonic() - start
        # The server is stopped now: anything still running ends promptly.
    finally:
        pool.shutdown(wait=True)
    attempts = {futures[f]: f.result() for f in done}
    return attempts, sorted(futures[f] for f in late), wall


@pytest.fixture(scope="module", autouse=True)
def _bomb_ready() -> None:
    gzip_bomb()  # built once, before any memory is measured


@pytest.mark.parametrize("mode", MODES)
def test_web_checks_are_bounded_on_hostile_servers(mode: str) -> None:
    assert {c.id for c in WEB_CHECKS} >= CONTROLS_FAIL | {"web.hsts-missing"}
    before = _peak_rss_mb()
    attempts, late, wall = _run_all(mode)
    growth = _peak_rss_mb() - before

    problems: list[Any] = []
    if late:
        problems.append(f"still running after {TIMEOUT + GRACE:.0f} s: {late}")
    for check_id, attempt in sorted(attempts.items()):
        if attempt.error_reason == ErrorReason.CHECK_BUG:
            problems.append(f"{check_id}: check_bug: {attempt.reason}")
        if attempt.duration > TIMEOUT + GRACE:
            problems.append(f"{check_id}: took {attempt.duration:.1f} s")
        for text in _texts(attempt):
            if UNSAFE.search(text):
                problems.append(f"{check_id}: control character in {text!r}")
            if len(text) > 2000:
                problems.append(f"{check_id}: {len(text)} characters of text")
    assert not problems, "\n".join(map(str, problems))
    assert wall <= TIMEOUT + GRACE
    assert growth < MEMORY_LIMIT_MB, f"peak memory grew by {growth:.0f} MB"


def test_hostile_text_is_reported_cleanly() -> None:
    """The controls page makes the checks report, and what they report is escaped text."""
    attempts, late, _ = _run_all("controls")
    assert not late
    failed = {i for i, a in attempts.items() if a.status == AttemptStatus.FAIL}
    assert failed >= CONTROLS_FAIL, {i: attempts[i].reason for i in CONTROLS_FAIL - failed}
    evidence = [f.evidence for a in attempts.values() for f in a.findings]
    assert any("\\x1b[2J" in e for e in evidence)  # shown as an escape, not sent to a terminal
    assert all(not UNSAFE.search(t) for a in attempts.values() for t in _texts(a))
    cookie = attempts["web.insecure-cookie"].findings
    assert [f.location.split(" cookie ", 1)[1] for f in cookie] == [
        "sess\\x1b[2J<script>alert(1)</script>",
        "\\x07bell",
    ]
