"""web.admin-interface-exposed: the weak nginx has an /admin/ login page; internet assets only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from checks.web.admin_interface_exposed import AdminInterfaceExposed
from scanner.core.models import AttemptStatus, Exposure
from tests.helpers import run_check, url_target
from tests.hostile_http import NOT_FOUND, Answer, html_page, site_server
from tests.lab import lab

LOGIN = '<html><title>Sign in</title><form><input type="password" name="p"></form></html>'


@pytest.mark.lab
def test_weak_site_exposes_an_admin_login(lab_state: lab.LabState) -> None:
    url = f"https://{lab.WEAK_ADDR}/"
    attempt = run_check(AdminInterfaceExposed, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == f"{url}admin/"
    assert finding.evidence == (
        f"{url}admin/ answered 200 with a login form, title 'Admin console login'"
    )


@pytest.mark.lab
def test_hardened_site_has_no_admin_login(lab_state: lab.LabState) -> None:
    url = f"http://{lab.HARDENED_ADDR}/"
    attempt = run_check(AdminInterfaceExposed, url_target(url, lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


@pytest.mark.lab
def test_internal_assets_are_not_applicable(lab_state: lab.LabState) -> None:
    target = replace(
        url_target(f"https://{lab.WEAK_ADDR}/", lab.WEAK_ADDR), exposure=Exposure.INTERNAL
    )
    attempt = run_check(AdminInterfaceExposed, target)
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert attempt.reason == "the asset's exposure is internal, not internet"


def test_http_authentication_prompt_and_redirect_to_login() -> None:
    def site(method: str, path: str, raw: str) -> Answer:
        if path == "/manager/html":
            return 401, [("WWW-Authenticate", 'Basic realm="Tomcat Manager Application"')], b""
        if path == "/wp-login.php":
            return 302, [("Location", "/wp-login.php?form=1")], b""
        if path == "/wp-login.php?form=1":
            return html_page(LOGIN)
        return NOT_FOUND

    with site_server(site) as url:
        attempt = run_check(AdminInterfaceExposed, url_target(url, "127.0.0.1"))
    assert [(f.location, f.evidence) for f in attempt.findings] == [
        (
            f"{url}manager/html",
            f"{url}manager/html answered 401 with an HTTP authentication "
            'prompt (WWW-Authenticate: Basic realm="Tomcat Manager Application")',
        ),
        (
            f"{url}wp-login.php",
            f"{url}wp-login.php answered 200 at {url}wp-login.php?form=1 with "
            "a login form, title 'Sign in'",
        ),
    ]


def test_a_site_that_sends_every_path_to_its_login_is_not_reported() -> None:
    def site(method: str, path: str, raw: str) -> Answer:
        return html_page(LOGIN) if path == "/login" else (302, [("Location", "/login")], b"")

    with site_server(site) as url:
        attempt = run_check(AdminInterfaceExposed, url_target(url, "127.0.0.1"))
    assert attempt.status == AttemptStatus.PASS, attempt.findings
