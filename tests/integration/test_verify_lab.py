"""A verification rescan against the lab: fix the weakness, verify the notice, close it."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.app.compile import compile_run
from scanner.app.runs import start_run
from scanner.cli.main import main
from scanner.engine.registry import discover
from scanner.inventory.schema import load_inventory
from scanner.notices.build import issue_notices
from scanner.store import Store
from tests.helpers import write
from tests.integration.test_tracking_lab import INVENTORY, redis
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_verify_notice_rectified_and_closed(
    lab_state: lab.LabState, tmp_path: Path, db_url: str
) -> None:
    inv = load_inventory(write(tmp_path / "inv.yaml", INVENTORY))
    store = Store.open(db_url)
    start_run(compile_run(inv, "remote"), store)
    [notice] = issue_notices(store, store.runs.latest_id() or 0, discover())
    assert [i.check_id for i in notice.items] == ["net.redis-no-auth"]
    out = tmp_path / "out"
    runner = CliRunner()
    verify = [
        "verify",
        "--notice",
        notice.number,
        "--db",
        db_url,
        "--out",
        str(out),
        "--format",
        "html,json",
        "--lang",
        "en",
    ]
    try:
        # Still weak: not rectified.
        result = runner.invoke(main, verify)
        assert result.exit_code == 0, result.output
        assert "not_rectified" in result.output and "issued" in result.output
        assert redis(b"CONFIG SET requirepass lab-fixed") == [b"+OK"]
        result = runner.invoke(main, verify)
        assert result.exit_code == 0, result.output
        assert "rectified" in result.output and "closure letter" in result.output
        assert (out / f"{notice.number}.closure.en.html").is_file()
        assert '"rectified"' in (out / f"{notice.number}.en.json").read_text(encoding="utf-8")
        # A rectified notice has nothing left to verify: a clear error, exit 2.
        again = runner.invoke(main, verify)
        assert again.exit_code == 2 and "already rectified" in again.output
    finally:
        with contextlib.suppress(OSError):
            redis(b"AUTH lab-fixed", b'CONFIG SET requirepass ""')
