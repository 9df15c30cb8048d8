"""A store with two entities, runs, issues (one with hostile evidence), notices and an account
of every role, and the web application served by uvicorn on 127.0.0.1 (a free port)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from scanner.app.accounts import Throttle, add_user
from scanner.app.documents import issue_for_run
from scanner.core.models import Attempt, AttemptStatus, ErrorReason, Finding, Severity
from scanner.store import Store
from scanner.tracking.issues import reconcile
from scanner.web.app import WebSettings, create_app

INVENTORY = """\
campaign:
  name: test
  authority: test office
  authorization:
    reference: T-1
    issued_by: test
    valid_from: 2026-01-01
    valid_until: 2030-12-31
scope:
  allow: [127.0.10.0/24]
entities:
  - id: ent
    name: Grid Co
    sector: energy
    assets:
      - id: web
        host: 127.0.10.1
        exposure: internet
  - id: other
    name: Water Co
    sector: water
    assets:
      - id: gw
        host: 127.0.10.2
        exposure: internal
profiles:
  remote:
    modes: [remote]
"""
REDIS = "net.redis-no-auth"
HSTS = "web.hsts-missing"
#: Markup, script, terminal escapes, a bidi override, a NUL and a long line.
HOSTILE = (
    '<script>alert("x")</script><img src=x onerror=alert(1)>\x1b[31mred\x1b[0m\u202eevil\x00'
    + "A" * 5000
)
HOSTILE_LOCATION = "/<svg onload=alert(2)>"
PASSWORD = "correct horse battery"
ROLES = {
    "admin": ("admin", None),
    "lead": ("lead", None),
    "inspector": ("inspector", None),
    "viewer": ("viewer", None),
    "liaison": ("liaison", "ent"),
    "liaison2": ("liaison", "other"),
}


def _fail(check: str, entity: str, asset: str, location: str, sev: Severity, ev: str) -> Attempt:
    finding = Finding(check, entity, asset, location, sev, ev)
    return Attempt(check, entity, asset, location, AttemptStatus.FAIL, findings=(finding,))


def seed(store: Store) -> dict[str, int]:
    """Two runs and their notices; returns ids the tests ask for."""
    ids: dict[str, int] = {}
    for n in (1, 2):
        run_id = store.runs.create(
            "test", "remote", "inv.yaml", "0" * 64, "t", inventory_text=INVENTORY
        )
        batch = [
            _fail(REDIS, "ent", "web", "6379/tcp", Severity.CRITICAL, "redis answers without auth"),
            _fail(HSTS, "ent", "web", HOSTILE_LOCATION, Severity.MEDIUM, HOSTILE),
            _fail(REDIS, "other", "gw", "6379/tcp", Severity.CRITICAL, "other entity's redis"),
            Attempt(
                HSTS,
                "other",
                "gw",
                "https://127.0.10.2/",
                AttemptStatus.ERROR,
                reason="timed out <b>bold</b>",
                error_reason=ErrorReason.TIMEOUT,
            ),
        ]
        if n == 2:
            batch.append(
                _fail(HSTS, "other", "gw", "https://127.0.10.2:8443/", Severity.MEDIUM, "no HSTS")
            )
        store.attempts.record(run_id, batch)
        store.runs.finish(run_id, "completed")
        reconcile(store, run_id, now=time.time())
        ids[f"run{n}"] = run_id
    for notice in issue_for_run(store, ids["run2"]):
        ids[f"notice_{notice.entity_id}"] = store.notices.id_of(notice.number)
    issues = store.issues.find()
    ids["issue_ent"] = next(i.id for i in issues if i.entity_id == "ent" and i.check_id == REDIS)
    ids["issue_hostile"] = next(i.id for i in issues if i.location == HOSTILE_LOCATION)
    ids["issue_other"] = next(i.id for i in issues if i.entity_id == "other")
    for name, (role, entity) in ROLES.items():
        add_user(store, name, role, PASSWORD, entity=entity)
    return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """The running application: its base URL, store and seeded ids."""

    url: str
    store: Store
    ids: dict[str, int]


@contextmanager
def serving(store: Store, settings: WebSettings | None = None) -> Iterator[str]:
    """Serve the application over ``store`` on 127.0.0.1; yields its base URL."""
    settings = settings or WebSettings(throttle=Throttle(per_name=5, per_source=50))
    port = free_port()
    config = uvicorn.Config(
        create_app(store, settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web application did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
