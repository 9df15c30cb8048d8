"""Accounts of the team web application: users and their roles, passwords, API tokens,
logins with throttling and lockout, and sessions.

Roles: ``admin`` (everything, accounts included), ``lead`` (approves waivers and false
positives, issues notices), ``inspector`` (proposes them, asks for verification rescans),
``viewer`` (reads everything), ``liaison`` (bound to one entity: reads only its notices and
issues, and replies to its notices). Passwords are hashed with argon2id; sessions and API
tokens are random values of which the store keeps only the SHA-256.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from scanner.core.errors import UserError
from scanner.store import Store
from scanner.store.accounts import SessionRow, UserRow


class Role(StrEnum):
    """What an account may do (see the module docstring)."""

    ADMIN = "admin"
    LEAD = "lead"
    INSPECTOR = "inspector"
    VIEWER = "viewer"
    LIAISON = "liaison"


#: Roles that may propose decisions and ask for rescans; roles that may approve them.
PROPOSERS = frozenset({Role.ADMIN, Role.LEAD, Role.INSPECTOR})
APPROVERS = frozenset({Role.ADMIN, Role.LEAD})

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte password is an attack, not a secret


@dataclass(frozen=True)
class Throttle:
    """Login throttling: failures per name before a temporary lockout, failures per source
    address before it is throttled, and how long both last."""

    per_name: int = 5
    per_source: int = 20
    window: float = 900.0
    lockout: float = 900.0


@dataclass(frozen=True)
class Login:
    """The outcome of a login: the account, or why not (``bad`` credentials, ``locked``
    name, ``throttled`` address) and until when a lock lasts."""

    user: UserRow | None
    refused: str = ""
    retry_after: float = 0.0


_hasher = PasswordHasher()
# Compared against when the name is unknown, so an unknown name costs the time a known one does.
_DUMMY = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``, after checking its length."""
    if len(password) < MIN_PASSWORD:
        raise UserError(
            f"the password is shorter than {MIN_PASSWORD} characters. Fix: a longer one."
        )
    if len(password) > MAX_PASSWORD:
        raise UserError(f"the password is longer than {MAX_PASSWORD} characters.")
    return _hasher.hash(password)


def add_user(
    store: Store, name: str, role: str, password: str, *, entity: str | None = None
) -> int:
    """A new account; a liaison needs ``entity``, the other roles must not have one."""
    if not NAME.fullmatch(name):
        raise UserError(
            f"user name {name!r}: use letters, digits, '.', '_' and '-' (at most 64). Fix: rename."
        )
    try:
        chosen = Role(role)
    except ValueError:
        raise UserError(f"role {role!r}: choose one of {', '.join(Role)}.") from None
    if chosen == Role.LIAISON and not entity:
        raise UserError("a liaison is bound to one entity. Fix: pass --entity ENTITY_ID.")
    if chosen != Role.LIAISON and entity:
        raise UserError("only a liaison is bound to an entity. Fix: drop --entity.")
    return store.accounts.add_user(name, chosen.value, entity, hash_password(password))


def existing(store: Store, name: str) -> UserRow:
    """The account ``name``, or a UserError."""
    user = store.accounts.user_named(name)
    if user is None:
        raise UserError(f"there is no user {name!r}. Fix: `scanner users add {name} --role ...`.")
    return user


def disable_user(store: Store, name: str, *, enable: bool = False) -> None:
    """Disable an account (its sessions end, its tokens are revoked), or enable it again."""
    store.accounts.set_disabled(existing(store, name).id, not enable)


def set_password(store: Store, name: str, password: str) -> None:
    """Give an account a new password (its sessions end)."""
    store.accounts.set_password(existing(store, name).id, hash_password(password))


def create_token(store: Store, name: str, label: str = "api") -> str:
    """A new API token for account ``name``: returned once, stored only as its hash."""
    user = existing(store, name)
    if user.disabled:
        raise UserError(f"user {name!r} is disabled. Fix: enable it first.")
    token = "sct_" + secrets.token_urlsafe(32)
    store.accounts.add_token(user.id, label, digest(token))
    return token


def revoke_tokens(store: Store, name: str) -> int:
    """Revoke every API token of account ``name``; how many were live."""
    return store.accounts.revoke_tokens(existing(store, name).id)


def token_user(store: Store, token: str) -> UserRow | None:
    """The enabled account of an API token, or None."""
    if not token.startswith("sct_") or len(token) > 200:
        return None
    return store.accounts.token_user(digest(token))


def digest(value: str) -> str:
    """The SHA-256 of a random secret (tokens, session ids: they need no slow hash)."""
    return hashlib.sha256(value.encode()).hexdigest()


def authenticate(
    store: Store,
    name: str,
    password: str,
    source: str,
    *,
    throttle: Throttle = Throttle(),
    now: float | None = None,
) -> Login:
    """Check a login, throttled per source address and locked per name after repeated failures.

    Every attempt is logged; a locked name or throttled address is refused before the password
    is looked at (so guessing on gains nothing), and says until when.
    """
    now = time.time() if now is None else now
    name = name[:64]
    since = now - throttle.window
    if store.accounts.failures(since=since, source=source) >= throttle.per_source:
        last = store.accounts.last_failure(source=source) or now
        return Login(None, "throttled", last + throttle.lockout)
    if store.accounts.failures(since=since, name=name) >= throttle.per_name:
        last = store.accounts.last_failure(name=name) or now
        if now < last + throttle.lockout:
            return Login(None, "locked", last + throttle.lockout)
    user = store.accounts.user_named(name)
    ok = _verify(user.password_hash if user else _DUMMY, password[:MAX_PASSWORD])
    ok = ok and user is not None and not user.disabled
    store.accounts.record_login(name, source, ok, now)
    if not ok:
        return Login(None, "bad")
    return Login(user)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


# -- sessions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """A live session: its row, and its account once logged in."""

    row: SessionRow
    user: UserRow | None


def new_session(store: Store, user_id: int | None, source: str) -> tuple[str, str]:
    """A new session (anonymous with ``user_id`` None): its secret id and its CSRF token."""
    raw, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    store.accounts.add_session(digest(raw), user_id, csrf, source[:64], time.time())
    return raw, csrf


def open_session(
    store: Store, raw: str, *, idle: float, absolute: float, now: float | None = None
) -> Session | None:
    """The session with secret id ``raw``, if it has not been idle longer than ``idle`` nor
    lived longer than ``absolute`` seconds, and its account is enabled; activity is recorded."""
    now = time.time() if now is None else now
    key = digest(raw)
    row = store.accounts.session(key)
    if row is None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        store.accounts.drop_session(key)
        return None
    user = store.accounts.user(row.user_id) if row.user_id is not None else None
    if row.user_id is not None and (user is None or user.disabled):
        store.accounts.drop_session(key)
        return None
    if now - row.last_seen_at > 30:  # one write per half minute, not per request
        store.accounts.touch_session(key, now)
    return Session(row, user)


def end_session(store: Store, raw: str) -> None:
    """End a session (logout, or the anonymous one a login replaces)."""
    store.accounts.drop_session(digest(raw))
