"""Web server's HTTP basic authentication accepts a default or weak password (intrusive,
credential test).

Admin consoles of routers, cameras, printers, Tomcat managers and many internal tools sit behind
HTTP basic authentication with the vendor's default login. On each service discovery names
``http`` or ``https`` the check requests ``/`` (the setting ``paths`` adds others, e.g.
``/manager/html``); for each path that answers ``401`` with a ``Basic`` challenge it sends the
same request with an ``Authorization`` header per login of the built-in short list and the
campaign's lists (see docs/credentials.md), keeping to the run's credential-test policy, and
stops at the first answer that is not 401 or 403. Redirects are not followed. Form logins are
not tried.

Sample evidence::

    http login accepted for account 'admin': its password is on the weak and default password
    list (c******* (8 characters)); 3 logins tried by this check (http://127.0.10.20:80/, 200)
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterator

from checks.creds._policy import Guess, candidates, detail, evidence, guess_logins
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    NotApplicable,
    ServiceTarget,
    Severity,
    url_host,
)

DEFAULT_PATHS = ("/",)


class _BasicLogins:
    """Requests with an Authorization header through the host's HTTP session."""

    def __init__(self, ctx: CheckContext, url: str) -> None:
        self._ctx, self._url = ctx, url
        self.status = 0

    @property
    def alive(self) -> bool:
        return True

    def takes(self, guess: Guess) -> bool:
        return True

    def try_login(self, guess: Guess) -> bool:
        token = base64.b64encode(f"{guess.account}:{guess.password}".encode()).decode()
        answer = self._ctx.http_request(
            "GET", self._url, headers={"Authorization": f"Basic {token}"}, max_bytes=4096
        )
        self.status = answer.status
        return answer.status not in (401, 403)

    def close(self) -> None:
        return None


def _same(logins: _BasicLogins) -> _BasicLogins:
    """The one "connection" of a URL: the host's HTTP session carries every login."""
    return logins


class HttpBasicWeakPassword(Check):
    id = "cred.http-basic-weak-password"
    title = "HTTP basic authentication accepts a default or weak password"
    family = "creds"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("http", "https"))
    intrusive = True
    credentials = True
    references = ("CWE-1392", "CWE-521", "MLPS-8.1.4.2", "CSL-21")
    remediation = (
        "Change the login to a long unique password (or single sign-on), serve the console "
        "over HTTPS only, and restrict it to the administrators' addresses."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        scheme = "https" if target.service.name == "https" else "http"
        base = f"{scheme}://{url_host(target.address)}:{target.service.port}"
        paths = ctx.setting("paths", list(DEFAULT_PATHS))
        protected = []
        for path in [p for p in paths if isinstance(p, str) and p.startswith("/")][:10]:
            answer = ctx.http_request("GET", base + path, max_bytes=4096)
            challenge = (answer.header("WWW-Authenticate") or "").lower()
            if answer.status == 401 and challenge.startswith("basic"):
                protected.append(base + path)
        if not protected:
            raise NotApplicable("no path asks for HTTP basic authentication")
        for url in protected:
            logins = _BasicLogins(ctx, url)
            outcome = guess_logins(
                ctx, target, "http", candidates(ctx, "http"), functools.partial(_same, logins)
            )
            if outcome.accepted is not None:
                yield self.finding(
                    target,
                    f"{evidence('http', outcome, outcome.accepted)} ({url}, {logins.status})",
                    location=f"{target.location} account {outcome.accepted.account}",
                    detail={**detail(outcome, outcome.accepted), "url": url},
                )
                return
