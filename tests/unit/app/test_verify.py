"""verify_and_write: a notice's open items rescanned after the site fixed them, then closed."""

from __future__ import annotations

from pathlib import Path

from scanner.app.notices import issue_run_notices, verify_and_write
from scanner.app.runs import run_inventory
from scanner.store import Store
from tests.helpers import write
from tests.unit.app.site import CHECKS, INVENTORY, serving


def test_verified_notice_and_closure_letter(tmp_path: Path, db_url: str) -> None:
    store = Store.open(db_url)
    with serving() as site:
        inventory = write(tmp_path / "inv.yaml", INVENTORY.format(port=site.port))
        first = run_inventory(inventory, "web", store)
        [notice] = issue_run_notices(store, first.run_id, tmp_path, ["md"], ["en"]).notices
        assert {i.check_id for i in notice.items} == set(CHECKS)
        site.nosniff = True  # the entity fixes one of the two
        verified = verify_and_write(store, notice.number, tmp_path / "v", ["md"], ["en"])
        statuses = {i.check_id: i.status for i in verified.notice.items}
        assert statuses == {
            "web.nosniff-missing": "rectified",
            "web.server-version-disclosure": "not_rectified",
        }
        assert verified.run.run_id != first.run_id
        assert verified.notice.status != "rectified"
        assert not list(verified.folder.glob("*.closure.*"))
        assert (verified.folder / f"{notice.number}.en.md").exists()
        site.banner = False  # and then the other
        closed = verify_and_write(store, notice.number, tmp_path / "c", ["md"], ["en"])
        assert closed.notice.status == "rectified"
        assert (closed.folder / f"{notice.number}.closure.en.html").exists()
