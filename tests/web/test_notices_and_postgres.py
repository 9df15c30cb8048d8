"""A lead issues a run's notices from the web (inspectors may not, liaisons do not see runs),
and the application over PostgreSQL: pages, the API and a liaison's view."""

from __future__ import annotations

from pathlib import Path

import requests

from scanner.app.accounts import create_token
from scanner.core.models import Attempt, AttemptStatus, Finding, Severity
from scanner.store import Store
from scanner.tracking.issues import reconcile
from tests.pg import Postgres
from tests.web.client import logged_in
from tests.web.site import INVENTORY, REDIS, seed, serving


def _third_run(store: Store) -> int:
    run_id = store.runs.create("test", "remote", "i.yaml", "0" * 64, "t", inventory_text=INVENTORY)
    finding = Finding(REDIS, "ent", "web", "6380/tcp", Severity.HIGH, "second redis")
    attempt = Attempt(REDIS, "ent", "web", "6380/tcp", AttemptStatus.FAIL, findings=(finding,))
    store.attempts.record(run_id, [attempt])
    store.runs.finish(run_id, "completed")
    reconcile(store, run_id)
    return run_id


def test_a_lead_issues_a_runs_notices(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'n.db'}")
    seed(store)
    run_id = _third_run(store)
    with serving(store) as url:
        inspector = logged_in(url, "inspector")
        token = inspector.csrf(f"/runs/{run_id}")
        assert inspector.post(f"/runs/{run_id}/notices", data={"csrf": token}).status_code == 403
        liaison = logged_in(url, "liaison")
        token = liaison.csrf("/")
        assert liaison.post(f"/runs/{run_id}/notices", data={"csrf": token}).status_code == 404
        lead = logged_in(url, "lead")
        token = lead.csrf(f"/runs/{run_id}")
        assert lead.post(f"/runs/{run_id}/notices", data={"csrf": token}).status_code == 303
        served = [n for n in store.views.notices().rows if n.run_id == run_id]
        assert [n.entity_id for n in served] == ["ent"]
        assert served[0].number in lead.get("/notices").text
    [audit] = [a for a in store.audit.recent() if a.action == "notices.issued"]
    assert audit.actor == "lead" and audit.object_id == run_id and served[0].number in audit.detail


def test_the_application_on_postgresql(postgres: Postgres) -> None:
    store = Store.open(postgres.create_database())
    ids = seed(store)
    with serving(store) as url:
        admin = logged_in(url, "admin")
        for path in ("/", "/issues", f"/issues/{ids['issue_hostile']}", "/entities", "/runs"):
            assert admin.get(path).status_code == 200, path
        notice = admin.get(f"/notices/{ids['notice_ent']}/download?fmt=pdf&doc_lang=zh-CN")
        assert notice.content.startswith(b"%PDF")
        liaison = logged_in(url, "liaison")
        assert liaison.get(f"/issues/{ids['issue_other']}").status_code == 404
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {create_token(store, 'liaison')}"
        items = http.get(f"{url}/api/v1/issues?limit=50", timeout=30).json()["items"]
        assert items and {i["entity_id"] for i in items} == {"ent"}
    store.close()
