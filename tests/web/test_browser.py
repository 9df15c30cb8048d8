"""The web application in headless Chromium (Debian's chromium and chromium-driver, driven by
selenium): log in, read the dashboard, open an issue, propose a waiver as inspector, approve it
as lead, download a notice PDF, and as a liaison see one entity and post a reply.

Screenshots of the main pages go to ``out/screenshots/`` in the repository (or the folder
``SCANNER_SCREENSHOTS`` names) for review.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.web.site import PASSWORD, Served

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("SCANNER_SCREENSHOTS", REPO / "out" / "screenshots"))
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chrome]:
    if not CHROMIUM or not DRIVER:
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are missing (scripts/setup-debian.sh)")
        pytest.skip("chromium and chromium-driver are not installed (scripts/setup-debian.sh)")
    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_argument("--lang=en-US")
    driver = Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(180)  # the shared machine can be very busy
    driver.set_script_timeout(180)
    # a click returns before the page it submits has loaded (Chromium 156.0.8078.114 does so
    # where .73 did not): look for an element for a while before calling it missing
    driver.implicitly_wait(20)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads  # type: ignore[attr-defined]
    try:
        yield driver
    finally:
        driver.quit()


def _login(d: Chrome, url: str, name: str) -> None:
    d.delete_all_cookies()
    d.get(f"{url}/login?lang=en")
    d.find_element(By.ID, "name").send_keys(name)
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    d.find_element(By.ID, "login").click()
    assert d.find_element(By.ID, "whoami").text.startswith(name)


def _shot(driver: Chrome, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def test_inspector_lead_and_liaison_in_chromium(browser: Chrome, served: Served) -> None:
    d, url, ids = browser, served.url, served.ids
    _login(d, url, "inspector")
    _shot(d, "dashboard")
    assert d.find_element(By.ID, "open-high").text.isdigit()
    d.get(f"{url}/issues")
    _shot(d, "issues")
    issue = ids["issue_ent"]
    d.get(f"{url}/issues/{issue}")
    _shot(d, "issue")
    until = d.find_element(By.ID, "until")
    until.send_keys("12312030")  # month, day, year: Chromium's en-US date field
    assert until.get_attribute("value") == "2030-12-31"
    d.find_element(By.ID, "reason").send_keys("segmented network")
    d.find_element(By.ID, "propose").click()
    _shot(d, "issue-proposed")
    statuses = d.find_elements(By.CLASS_NAME, "proposal-status")
    assert [s.text for s in statuses] == ["pending"], d.page_source[:2000]

    _login(d, url, "lead")
    d.get(f"{url}/proposals")
    _shot(d, "proposals")
    d.find_element(By.CLASS_NAME, "approve").click()
    d.get(f"{url}/issues/{issue}")
    assert d.find_element(By.ID, "state").text == "accepted"
    d.get(f"{url}/notices/{ids['notice_ent']}")
    _shot(d, "notice")
    d.find_element(By.ID, "dl-pdf-en").click()
    downloads: Path = d.downloads  # type: ignore[attr-defined]
    deadline = time.monotonic() + 120
    while not list(downloads.glob("*.pdf")) and time.monotonic() < deadline:
        time.sleep(0.2)
    [pdf] = list(downloads.glob("*.pdf"))
    assert pdf.read_bytes().startswith(b"%PDF")
    d.get(f"{url}/runs/{ids['run2']}")
    _shot(d, "run")
    # Hostile evidence reads as text in a real browser: no script ran (an alert would make the
    # next command fail), the markup is shown, not rendered.
    d.get(f"{url}/issues/{ids['issue_hostile']}")
    _shot(d, "issue-hostile-evidence")
    evidence = d.find_element(By.ID, "evidence").text
    assert evidence.startswith('<script>alert("x")</script><img src=x onerror=alert(1)>')
    assert not d.find_elements(By.CSS_SELECTOR, "#evidence script, #evidence img")

    _login(d, url, "liaison")
    d.get(f"{url}/entities")
    _shot(d, "liaison-entities")
    links = [a.text for a in d.find_elements(By.CSS_SELECTOR, "a[href^='/entities/']")]
    assert links == ["ent"]
    d.get(f"{url}/issues/{ids['issue_other']}")
    assert "404" in d.find_element(By.TAG_NAME, "h1").text
    d.get(f"{url}/notices/{ids['notice_ent']}")
    attached = Path(str(downloads)) / "plan.txt"
    attached.write_text("rectification plan")
    d.find_element(By.ID, "body").send_keys("we closed the port")
    d.find_element(By.ID, "files").send_keys(str(attached))
    d.find_element(By.ID, "reply").click()
    replies = d.find_elements(By.CLASS_NAME, "reply")
    assert any("we closed the port" in r.text for r in replies)
    _shot(d, "liaison-reply")
    d.get(f"{url}/?lang=zh-CN")
    _shot(d, "dashboard-zh-CN")
