"""The accounts aggregate of the web application: users, sessions, API tokens, login attempts
and the application's own secrets (the cookie signing key).

Nothing secret is stored in the clear: passwords arrive hashed (argon2, by
:mod:`scanner.app.accounts`), sessions and tokens are kept by the SHA-256 of their random value.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from scanner.core.errors import UserError
from scanner.store.sql import Aggregate
from scanner.store.tables import api_tokens, login_attempts, users, web_secrets, web_sessions


@dataclass(frozen=True)
class UserRow:
    """An account: its name, role, a liaison's entity, its password hash, whether disabled."""

    id: int
    name: str
    role: str
    entity_id: str | None
    password_hash: str
    disabled: bool
    created_at: float


@dataclass(frozen=True)
class SessionRow:
    """A server-side session (by the hash of its id): its user once logged in, its CSRF token."""

    id_sha256: str
    user_id: int | None
    csrf: str
    created_at: float
    last_seen_at: float
    source: str


class Accounts(Aggregate):
    """Users, sessions, tokens, login attempts, secrets."""

    # -- users ---------------------------------------------------------------------------
    def add_user(self, name: str, role: str, entity_id: str | None, password_hash: str) -> int:
        """A new account; a UserError when the name is taken."""
        try:
            with self._store.writer.begin() as conn:
                result = conn.execute(
                    insert(users).values(
                        name=name,
                        role=role,
                        entity_id=entity_id,
                        password_hash=password_hash,
                        disabled=False,
                        created_at=time.time(),
                    )
                )
        except IntegrityError:
            raise UserError(
                f"there is already a user {name!r}. Fix: choose another name."
            ) from None
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def user(self, user_id: int) -> UserRow | None:
        """The account with id ``user_id``, or None."""
        return self._one(users.c.id == user_id)

    def user_named(self, name: str) -> UserRow | None:
        """The account called ``name``, or None."""
        return self._one(users.c.name == name)

    def _one(self, where: object) -> UserRow | None:
        with self._store.engine.connect() as conn:
            row = conn.execute(select(users).where(where)).mappings().first()  # type: ignore[arg-type]
        return UserRow(**row) if row else None

    def all_users(self) -> list[UserRow]:
        """Every account, by name."""
        with self._store.engine.connect() as conn:
            return [
                UserRow(**r) for r in conn.execute(select(users).order_by(users.c.name)).mappings()
            ]

    def set_password(self, user_id: int, password_hash: str) -> None:
        """Replace an account's password hash and end its sessions."""
        with self._store.writer.begin() as conn:
            conn.execute(
                update(users).where(users.c.id == user_id).values(password_hash=password_hash)
            )
            conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))

    def set_disabled(self, user_id: int, disabled: bool) -> None:
        """Disable (or enable) an account; disabling ends its sessions and revokes its tokens."""
        with self._store.writer.begin() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(disabled=disabled))
            if disabled:
                conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))
                conn.execute(
                    update(api_tokens).where(api_tokens.c.user_id == user_id).values(revoked=True)
                )

    # -- API tokens ----------------------------------------------------------------------
    def add_token(self, user_id: int, label: str, token_sha256: str) -> int:
        """Store a new token by its hash."""
        with self._store.writer.begin() as conn:
            result = conn.execute(
                insert(api_tokens).values(
                    user_id=user_id, label=label, token_sha256=token_sha256, created_at=time.time()
                )
            )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def revoke_tokens(self, user_id: int) -> int:
        """Revoke every token of an account; how many were live."""
        with self._store.writer.begin() as conn:
            return int(
                conn.execute(
                    update(api_tokens)
                    .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked.is_(False))
                    .values(revoked=True)
                ).rowcount
            )

    def token_user(self, token_sha256: str) -> UserRow | None:
        """The enabled account an unrevoked token belongs to, or None."""
        with self._store.engine.connect() as conn:
            row = (
                conn.execute(
                    select(users)
                    .join(api_tokens, api_tokens.c.user_id == users.c.id)
                    .where(
                        api_tokens.c.token_sha256 == token_sha256,
                        api_tokens.c.revoked.is_(False),
                        users.c.disabled.is_(False),
                    )
                )
                .mappings()
                .first()
            )
        return UserRow(**row) if row else None

    # -- sessions ------------------------------------------------------------------------
    def add_session(
        self, id_sha256: str, user_id: int | None, csrf: str, source: str, now: float
    ) -> None:
        """A new session."""
        with self._store.writer.begin() as conn:
            conn.execute(
                insert(web_sessions).values(
                    id_sha256=id_sha256,
                    user_id=user_id,
                    csrf=csrf,
                    created_at=now,
                    last_seen_at=now,
                    source=source,
                )
            )

    def session(self, id_sha256: str) -> SessionRow | None:
        """The session with this id hash, or None."""
        with self._store.engine.connect() as conn:
            row = (
                conn.execute(select(web_sessions).where(web_sessions.c.id_sha256 == id_sha256))
                .mappings()
                .first()
            )
        return SessionRow(**row) if row else None

    def touch_session(self, id_sha256: str, now: float) -> None:
        """Record activity on a session (the idle timeout counts from here)."""
        with self._store.writer.begin() as conn:
            conn.execute(
                update(web_sessions)
                .where(web_sessions.c.id_sha256 == id_sha256)
                .values(last_seen_at=now)
            )

    def drop_session(self, id_sha256: str) -> None:
        """End a session."""
        with self._store.writer.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.id_sha256 == id_sha256))

    def drop_sessions_idle_since(self, before: float) -> None:
        """Remove sessions with no activity since ``before``."""
        with self._store.writer.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.last_seen_at < before))

    # -- login attempts ------------------------------------------------------------------
    def record_login(self, name: str, source: str, ok: bool, now: float) -> None:
        """Log one login attempt."""
        with self._store.writer.begin() as conn:
            conn.execute(insert(login_attempts).values(name=name, source=source, at=now, ok=ok))

    def failures(self, *, since: float, name: str | None = None, source: str | None = None) -> int:
        """Failed logins since ``since`` for ``name`` (or from ``source``), after the last
        successful one of that name."""
        query = (
            select(func.count())
            .select_from(login_attempts)
            .where(login_attempts.c.ok.is_(False), login_attempts.c.at >= since)
        )
        with self._store.engine.connect() as conn:
            if name is not None:
                last_ok = conn.execute(
                    select(func.max(login_attempts.c.at)).where(
                        login_attempts.c.name == name, login_attempts.c.ok.is_(True)
                    )
                ).scalar()
                query = query.where(login_attempts.c.name == name)
                if last_ok is not None:
                    query = query.where(login_attempts.c.at > last_ok)
            if source is not None:
                query = query.where(login_attempts.c.source == source)
            return int(conn.execute(query).scalar() or 0)

    def last_failure(self, *, name: str | None = None, source: str | None = None) -> float | None:
        """When the latest failed login of ``name`` (or from ``source``) was."""
        query = select(func.max(login_attempts.c.at)).where(login_attempts.c.ok.is_(False))
        if name is not None:
            query = query.where(login_attempts.c.name == name)
        if source is not None:
            query = query.where(login_attempts.c.source == source)
        with self._store.engine.connect() as conn:
            value = conn.execute(query).scalar()
        return float(value) if value is not None else None

    # -- secrets -------------------------------------------------------------------------
    def secret(self, name: str, make: Callable[[], str]) -> str:
        """The stored secret ``name``, created with ``make()`` the first time (one value for
        every process serving the store)."""
        with self._store.engine.connect() as conn:
            value = conn.execute(
                select(web_secrets.c.value).where(web_secrets.c.name == name)
            ).scalar()
        if value is not None:
            return str(value)
        try:
            with self._store.writer.begin() as conn:
                conn.execute(insert(web_secrets).values(name=name, value=make()))
        except IntegrityError:
            pass  # another process created it first: read theirs
        with self._store.engine.connect() as conn:
            return str(
                conn.execute(
                    select(web_secrets.c.value).where(web_secrets.c.name == name)
                ).scalar_one()
            )
