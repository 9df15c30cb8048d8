"""Evidence bundles without the lab: a stored run's notice exported and verified; export's
refusals (a broken or missing chain, a credential's password in the bundle); and hostile
archives, which verify names as mismatches and never crashes on."""

from __future__ import annotations

import json
import sqlite3
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from scanner.app.evidence import export_notice, verify_bundle
from scanner.app.keys import generate
from scanner.cli.main import main
from scanner.core.errors import UserError
from scanner.core.evidence import ExchangeLog
from scanner.core.models import Attempt, AttemptStatus, Finding, Severity
from scanner.engine.registry import discover
from scanner.notices.build import issue_notices
from scanner.store import Store
from scanner.tracking.issues import reconcile
from tests.unit.app import stored

SECRET_ENV = "EV18_UNIT_PASSWORD"
SECRET = "unit-Planted-9f3"
INVENTORY = stored.INVENTORY + (
    f"credentials:\n  svc:\n    username: svc\n    password_env: {SECRET_ENV}\n"
)


def _attempt(evidence: str = "+PONG without AUTH") -> Attempt:
    log = ExchangeLog()
    handle = log.open("tcp", "127.0.0.1:40000", "127.0.10.1:6379")
    log.sent(handle, b"*1\r\n$4\r\nPING\r\n")
    log.received(handle, b"+PONG\r\n")
    finding = Finding(stored.REDIS, "ent", "web", "6379/tcp", Severity.CRITICAL, evidence)
    return Attempt(
        stored.REDIS,
        "ent",
        "web",
        "6379/tcp",
        AttemptStatus.FAIL,
        findings=(finding,),
        exchanges=log.exchanges(),
        check_sha256="cd" * 32,
    )


def _exported(tmp_path: Path, evidence: str = "+PONG without AUTH") -> tuple[Store, str, Path]:
    store = Store.open(f"sqlite:///{tmp_path / 'scanner.db'}")
    run_id = store.runs.create(
        "test", "remote", "inv.yaml", "0" * 64, "t", inventory_text=INVENTORY
    )
    store.attempts.record(run_id, [_attempt(evidence), stored.passed(stored.HSTS, "https://x/")])
    store.runs.finish(run_id, "completed")
    reconcile(store, run_id, now=time.time())
    [notice] = issue_notices(store, run_id, discover())
    generate(tmp_path / "key")
    return store, notice.number, tmp_path / "key"


@dataclass(frozen=True)
class Bundle:
    path: Path
    number: str
    public: Path


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """One exported bundle for the tests that only read it (rendering a PDF takes seconds)."""
    tmp = tmp_path_factory.mktemp("bundle")
    store, number, key = _exported(tmp)
    made = export_notice(store, number, tmp / "b.zip", key)
    assert made.attempts == 1 and made.chain_length == 2
    return Bundle(made.path, number, tmp / "key.pub")


def test_a_stored_notice_is_exported_and_verified(bundle: Bundle) -> None:
    found = verify_bundle(bundle.path, bundle.public)
    assert found.ok and found.key_given and found.number == bundle.number, found.problem
    with zipfile.ZipFile(bundle.path) as archive:
        [name] = [n for n in archive.namelist() if n.startswith("attempts/")]
        attempt = json.loads(archive.read(name))
    assert attempt["exchanges"][0]["transcript"] == "> *1\n> $4\n> PING\n> \n< +PONG\n< "
    assert attempt["record"]["check_sha256"] == "cd" * 32


def test_export_refuses_a_broken_or_missing_chain(tmp_path: Path) -> None:
    store, number, key = _exported(tmp_path)
    with store.writer.begin() as conn:
        conn.execute(text("UPDATE attempts SET reason = 'edited' WHERE id = 1"))
    with pytest.raises(UserError, match="link 1: attempt 1"):
        export_notice(store, number, tmp_path / "b.zip", key)
    with store.writer.begin() as conn:
        conn.execute(text("DELETE FROM attempt_chain"))
    with pytest.raises(UserError, match="stored before the evidence chain existed"):
        export_notice(store, number, tmp_path / "b.zip", key)
    assert not (tmp_path / "b.zip").exists()


def test_export_refuses_a_bundle_with_a_credentials_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    store, number, key = _exported(tmp_path, evidence=f"the banner says {SECRET}")
    with pytest.raises(UserError, match="would contain a credential's password"):
        export_notice(store, number, tmp_path / "b.zip", key)
    assert not list(tmp_path.glob("*.zip*"))


def test_export_refuses_a_private_key_others_can_read(tmp_path: Path) -> None:
    store, number, key = _exported(tmp_path)
    key.chmod(0o640)
    with pytest.raises(UserError, match="chmod 600"):
        export_notice(store, number, tmp_path / "b.zip", key)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_hostile_archives_are_mismatches_not_crashes(bundle: Bundle, tmp_path: Path) -> None:
    with zipfile.ZipFile(bundle.path) as archive:
        good = {n: archive.read(n) for n in archive.namelist()}
    manifest = json.loads(good["manifest.json"])
    (tmp_path / "not.zip").write_bytes(b"PK\x03\x04 not really")
    cases = {
        "not a zip": (tmp_path / "not.zip", "not a readable zip"),
        "missing": (tmp_path / "missing.zip", "does not exist"),
        "traversal": (_zip(tmp_path / "t.zip", {**good, "../evil": b"x"}), "not a plain file"),
        "control": (_zip(tmp_path / "c.zip", {**good, "a\x1b[2J": b"x"}), "not a plain file"),
        "no manifest": (
            _zip(tmp_path / "n.zip", {k: v for k, v in good.items() if k != "manifest.json"}),
            "manifest.json is missing",
        ),
        "garbage manifest": (
            _zip(tmp_path / "g.zip", {**good, "manifest.json": b"[" * 100_000}),
            "not valid JSON",
        ),
        "odd manifest": (
            _zip(
                tmp_path / "o.zip",
                {**good, "manifest.json": json.dumps({**manifest, "run_id": "x"}).encode()},
            ),
            "the manifest is malformed",
        ),
        "lists itself": (
            _zip(
                tmp_path / "l.zip",
                {
                    **good,
                    "manifest.json": json.dumps(
                        {**manifest, "members": {"manifest.sig": {"sha256": "0"}}}
                    ).encode(),
                },
            ),
            "cannot vouch for",
        ),
    }
    for what, (path, expected) in cases.items():
        found = verify_bundle(path)
        assert not found.ok and expected in found.problem, (what, found.problem)
        assert "\x1b" not in found.problem
    with zipfile.ZipFile(tmp_path / "dup.zip", "w") as archive:
        for name, data in good.items():
            archive.writestr(name, data)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("items.json", b"{}")
    found = verify_bundle(tmp_path / "dup.zip")
    assert not found.ok and "appears twice" in found.problem


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            n: conn.execute(f'SELECT * FROM "{n}" ORDER BY rowid').fetchall()  # noqa: S608
            for n in names
        }


def test_export_verify_and_chain_change_nothing_in_the_store(tmp_path: Path) -> None:
    store, number, key = _exported(tmp_path)
    store.close()
    db = tmp_path / "scanner.db"
    before = _dump(db)
    runner = CliRunner()
    url = f"sqlite:///{db}"
    for args in (
        ["evidence", "export", number, "--out", str(tmp_path / "b.zip"), "--key", str(key)],
        ["evidence", "chain"],
        ["evidence", "chain", "--run", "1"],
    ):
        result = runner.invoke(main, [*args, "--db", url])
        assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["evidence", "verify", str(tmp_path / "b.zip")])
    assert result.exit_code == 0 and "verified" in result.output, result.output
    assert _dump(db) == before
