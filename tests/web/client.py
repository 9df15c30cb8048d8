"""A browser-like HTTP client of the served application: logs in through the form, keeps the
session cookie, and finds each page's CSRF token."""

from __future__ import annotations

import re

import requests

from tests.web.site import PASSWORD

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Browser:
    """One user agent with its cookies."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def get(self, path: str, **kw: object) -> requests.Response:
        return self.http.get(self.url + path, timeout=30, allow_redirects=False, **kw)  # type: ignore[arg-type]

    def post(self, path: str, **kw: object) -> requests.Response:
        return self.http.post(self.url + path, timeout=30, allow_redirects=False, **kw)  # type: ignore[arg-type]

    def csrf(self, path: str) -> str:
        found = CSRF.search(self.get(path).text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def login(self, name: str, password: str = PASSWORD) -> requests.Response:
        token = self.csrf("/login")
        return self.post("/login", data={"name": name, "password": password, "csrf": token})


def logged_in(url: str, name: str) -> Browser:
    browser = Browser(url)
    response = browser.login(name)
    assert response.status_code == 303, response.text
    return browser
