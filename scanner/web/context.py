"""Who is asking: the session and account of a request, its language, what it may see, and the
errors every route may raise (an object another entity owns is *not found*, never forbidden:
a liaison cannot even learn that it exists)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from fastapi import Request

from reports.catalogs import LANGUAGES, translator
from scanner.app.accounts import APPROVERS, PROPOSERS, Role, Session
from scanner.app.review import Actor
from scanner.store.accounts import UserRow


class NotFound(Exception):
    """The object does not exist, or the account may not see it (the same answer)."""


class Forbidden(Exception):
    """The account may see the object but not do this."""


class NeedLogin(Exception):
    """No logged-in account."""


class BadCsrf(Exception):
    """A form without the session's CSRF token."""


@dataclass
class Ctx:
    """One request's account, session, language and source address."""

    request: Request
    session: Session | None
    raw_session: str | None
    lang: str
    source: str
    new_cookie: tuple[str, str] | None = field(default=None)  # (raw id, csrf) to set
    bearer: UserRow | None = None  # the account of an API request's bearer token

    @property
    def user(self) -> UserRow | None:
        if self.bearer is not None:
            return self.bearer
        return self.session.user if self.session else None

    def need_user(self) -> UserRow:
        if self.user is None:
            raise NeedLogin
        return self.user

    @property
    def role(self) -> Role | None:
        return Role(self.user.role) if self.user else None

    @property
    def entity(self) -> str | None:
        """The one entity a liaison sees (None: every entity)."""
        user = self.need_user()
        return user.entity_id if user.role == Role.LIAISON else None

    @property
    def csrf(self) -> str:
        return self.session.row.csrf if self.session else ""

    def check_csrf(self, token: str) -> None:
        if not self.session or not token or not hmac.compare_digest(token, self.session.row.csrf):
            raise BadCsrf

    def actor(self) -> Actor:
        return Actor(self.need_user(), self.source)

    def can_propose(self) -> bool:
        return self.role in PROPOSERS

    def can_approve(self) -> bool:
        return self.role in APPROVERS

    def _(self, message: str) -> str:
        text = translator(self.lang)(message)
        # Run-time labels are values (false_positive, partially_rectified): readable in English.
        return text.replace("_", " ") if text == message and " " not in text else text


def language(request: Request) -> str:
    """``?lang=``, then the ``lang`` cookie, then Accept-Language (zh first), else English."""
    for value in (request.query_params.get("lang"), request.cookies.get("lang")):
        if value in LANGUAGES:
            return value
    accepted = request.headers.get("accept-language", "").lower()
    return "zh-CN" if accepted.startswith("zh") else "en"


def ctx(request: Request) -> Ctx:
    """The request's context, set by the session middleware."""
    found: Ctx = request.state.ctx
    return found
