"""Web application's login form accepts a default or weak password (intrusive, credential test).

Routers, cameras, NAS boxes, building-management and SCADA web front ends, Tomcat-style
consoles and CMS back ends log in through an HTML form, often with the vendor's default login.
On each URL asset and each web service discovery found, the check reads the page (redirects
followed in scope; the setting ``paths`` adds others, e.g. ``/login``, ``/admin/``) and takes
the first form that has exactly one password field and posts it: its user name field (a text
or e-mail input, by name ``user``/``login``/``email``... before the password field), its hidden
fields (CSRF tokens) and its action, resolved against the page (and its ``<base href>``); a
form that sends the password in the URL (GET), posts to another host, or has no user name
field (a password-only device login) is not tried.

Each login is one fresh browser-like session of its own: the login page is fetched again (a
new CSRF token and session cookie), the form posted with that page's cookies, and same-origin
redirects followed (never one off the site; nothing is followed out of scope). The first login
is a deliberately wrong password on the first account (counted like every login): what the
site answers to a wrong password is the baseline. A login counts as accepted only when its
answer differs from the baseline the way an accepted one does: the login form did not come
back, the status is not an error, the baseline's error message (its text that the login page
lacks, e.g. "Invalid user name or password") is absent, and the site went on elsewhere (a
redirect away from where the wrong password landed) or set a session cookie the wrong password
did not get. A page that says the login is locked or limited ("too many attempts", a CAPTCHA)
stops the check at once (inconclusive). The built-in list (web admin panels' defaults:
admin/admin, admin/password, root/root, tomcat/tomcat, ...) and the campaign's lists are tried
under the run's credential-test policy (docs/credentials.md), at most 3 logins per account,
counted as service ``http-form`` of the action's port. Pages are read up to 256 KiB.

Sample evidence::

    web form login accepted for account 'admin': its password is on the weak and default
    password list (a**** (5 characters)); 2 logins tried by this check
    (http://127.0.10.30:8080/login: the login form did not come back; the message a wrong
    password got was absent ('Invalid user name or password'); it went on to /admin)
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterator
from urllib.parse import urljoin

from checks.creds._policy import Guess, candidates, detail, evidence, guess_logins
from checks.creds._webform import PAGE_BYTES, FormLogins, LoginForm, find_form
from checks.protocols.htmlform import read_page
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    NotApplicable,
    Severity,
    UrlTarget,
    one_line,
)

#: How the run counts these logins (apart from the web server's basic authentication, ``http``).
SERVICE = "http-form"


class WebFormWeakPassword(Check):
    id = "cred.web-form-weak-password"
    title = "Web login form accepts a default or weak password"
    family = "creds"
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    intrusive = True
    credentials = True
    references = ("CWE-1392", "CWE-521", "MLPS-8.1.4.2", "CSL-21")
    remediation = (
        "Change the login to a long unique password (or single sign-on), lock or slow down "
        "repeated failed logins, serve the console over HTTPS only, and restrict it to the "
        "administrators' addresses."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        if not target.address:
            raise Inconclusive(f"{one_line(target.url, 120)} has no address to log in to")
        forms = self._forms(target, ctx)
        guesses = candidates(ctx, SERVICE)
        limit = ctx.credential_policy.max_attempts
        for form in forms:
            first = next(
                (
                    g.account
                    for g in guesses
                    if ctx.credential_used(target.address, form.port, SERVICE, g.account) < limit
                ),
                None,
            )
            wrong = [Guess(first, f"ci-scanner-{secrets.token_hex(8)}")] if first else []
            logins = FormLogins(ctx, form, wrong[0]) if wrong else None
            outcome = guess_logins(
                ctx,
                target,
                SERVICE,
                [*wrong, *guesses],
                functools.partial(_opened, logins),
                port=form.port,
            )
            if outcome.accepted is not None and logins is not None:
                yield self.finding(
                    target,
                    f"{evidence('web form', outcome, outcome.accepted)} "
                    f"({one_line(form.page, 120)}: {'; '.join(logins.signals)})",
                    location=f"{target.location} account {outcome.accepted.account}",
                    detail={
                        **detail(outcome, outcome.accepted),
                        "url": form.page,
                        "action": form.action,
                        "signals": list(logins.signals),
                    },
                )
                return

    def _forms(self, target: UrlTarget, ctx: CheckContext) -> list[LoginForm]:
        """The login forms of the target's page and of the ``paths`` setting's pages."""
        paths = ctx.setting("paths", [])
        extra = [urljoin(target.url, p) for p in paths if isinstance(p, str) and p.startswith("/")]
        urls = [target.url, *extra[:10]]
        found: dict[tuple[str, str, str], LoginForm] = {}
        reasons: list[str] = []
        for url in dict.fromkeys(urls):
            response = ctx.http_get(url, max_bytes=PAGE_BYTES)
            if response.status >= 400:
                reasons.append(f"{one_line(url, 120)} answered {response.status}")
                continue
            form = find_form(read_page(response.text), response.url)
            if isinstance(form, str):
                reasons.append(form)
            else:
                found.setdefault((form.action, form.user, form.password), form)
        if not found:  # the most telling reason: a form not tried says more than no form
            telling = [r for r in reasons if not r.startswith("no form")]
            raise NotApplicable((telling or reasons)[0])
        return list(found.values())


def _opened(logins: FormLogins | None) -> FormLogins:
    """The one "connection" of a login form: each login opens its own session anyway."""
    if logins is None:  # no account had logins left: guess_logins never opens one
        raise Inconclusive("no account of the login form has logins left in this run")
    return logins
