"""The web application's commands: users add/disable/passwd, tokens create, and `scanner queue
run` running a verification rescan queued from the web against a real site on loopback."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from scanner.app.accounts import add_user, authenticate, existing, token_user
from scanner.app.notices import issue_run_notices
from scanner.app.review import Actor, request_rescan
from scanner.app.runs import run_inventory
from scanner.app.scheduler import Scheduler
from scanner.cli.main import main
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.helpers import write
from tests.unit.app.site import INVENTORY, serving
from tests.web.client import Browser
from tests.web.site import serving as web_serving


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_users_and_tokens(db_url: str) -> None:
    env = {"PW": "a long enough password"}
    code, out = _run(
        "users", "add", "ann", "--role", "lead", "--password-env", "PW", "--db", db_url, env=env
    )
    assert code == 0, out
    code, out = _run(
        "users", "add", "liz", "--role", "liaison", "--password-env", "PW", "--db", db_url, env=env
    )
    assert code == 2 and "--entity" in out
    code, out = _run(
        "users",
        "add",
        "bob",
        "--role",
        "viewer",
        "--password-env",
        "PW",
        "--entity",
        "e",
        "--db",
        db_url,
        env=env,
    )
    assert code == 2 and "only a liaison" in out
    code, out = _run(
        "users",
        "add",
        "cat",
        "--role",
        "viewer",
        "--password-env",
        "SHORT",
        "--db",
        db_url,
        env={"SHORT": "short"},
    )
    assert code == 2 and "shorter than 12" in out
    code, out = _run(
        "users", "add", "gen", "--role", "inspector", "--generate-password", "--db", db_url
    )
    assert code == 0 and "password (shown once):" in out
    store = Store.open(db_url)
    assert authenticate(store, "ann", "a long enough password", "t").user is not None
    code, token = _run("tokens", "create", "ann", "--db", db_url)
    assert code == 0 and token.startswith("sct_")
    assert token_user(store, token.strip()).name == "ann"  # type: ignore[union-attr]
    assert store.accounts.token_user("sct_" + "0" * 40) is None
    code, out = _run("tokens", "revoke", "ann", "--db", db_url)
    assert code == 0 and "1 tokens of ann revoked" in out
    assert token_user(store, token.strip()) is None
    code, token = _run("tokens", "create", "ann", "--db", db_url)
    env2 = {"PW": "another long password"}
    assert _run("users", "passwd", "ann", "--password-env", "PW", "--db", db_url, env=env2)[0] == 0
    assert authenticate(store, "ann", "another long password", "t").user is not None
    assert _run("users", "disable", "ann", "--db", db_url)[0] == 0
    assert authenticate(store, "ann", "another long password", "t").user is None
    assert token_user(store, token.strip()) is None  # disabling revokes the tokens
    assert [a.action for a in store.audit.recent()][:2] == ["user.disabled", "user.password"]


def test_a_rescan_queued_on_the_web_is_run_by_queue_run(tmp_path: Path, db_url: str) -> None:
    store = Store.open(db_url)
    with serving() as site:
        inventory = write(tmp_path / "inv.yaml", INVENTORY.format(port=site.port))
        first = run_inventory(inventory, "web", store)
        [notice] = issue_run_notices(store, first.run_id, tmp_path, ["md"], ["en"]).notices
        env = {"PW": "inspector password"}
        _run(
            "users",
            "add",
            "ina",
            "--role",
            "inspector",
            "--password-env",
            "PW",
            "--db",
            db_url,
            env=env,
        )
        notice_id = store.notices.id_of(notice.number)
        with web_serving(store) as url:
            browser = Browser(url)
            assert browser.login("ina", "inspector password").status_code == 303
            token = browser.csrf(f"/notices/{notice_id}")
            assert (
                browser.post(f"/notices/{notice_id}/rescan", data={"csrf": token}).status_code
                == 303
            )
        assert store.runs.latest_id() == first.run_id  # queued, not run
        site.nosniff = True
        site.banner = False
        code, out = _run("queue", "run", "--out", str(tmp_path / "v"), "--db", db_url)
        assert code == 0, out
        [request] = store.reviews.requests(notice_id=notice_id)
        assert request.status == "done" and request.run_id not in (None, first.run_id)
        assert request.note == "rectified"
        assert {i.state for i in store.issues.find()} == {"fixed"}
        assert (tmp_path / "v" / f"{notice.number}.en.html").exists()
        assert _run("queue", "run", "--db", db_url)[1].strip().endswith("0 queued rescans handled")


def test_the_scheduler_runs_rescans_queued_on_the_web(tmp_path: Path, db_url: str) -> None:
    store = Store.open(db_url)
    with serving() as site:
        inventory = write(tmp_path / "inv.yaml", INVENTORY.format(port=site.port))
        first = run_inventory(inventory, "web", store)
        [notice] = issue_run_notices(store, first.run_id, tmp_path, ["md"], ["en"]).notices
        add_user(store, "ina", "inspector", "inspector password")
        actor = Actor(existing(store, "ina"), "192.0.2.7")
        request_id = request_rescan(store, actor, store.notices.id_of(notice.number))
        site.nosniff = True
        scheduler = Scheduler(load_inventory(inventory), store)
        scheduler.tick()
    request = store.reviews.requests_by_id(request_id)
    assert request is not None and request.status == "done"
    assert request.note == "partially_rectified" and request.run_id != first.run_id
    actions = [(a.action, a.source) for a in store.audit.of("notice", request.notice_id)]
    assert actions == [("rescan.requested", "192.0.2.7"), ("rescan.done", "queue")]
