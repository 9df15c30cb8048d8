"""The host keys aggregate: SSH host keys pinned in the store (``host_keys``).

A pin is host as the inventory writes it, port, key type, the key, its fingerprint, who approved
it and when. Approving and trusting pins is :mod:`scanner.app.hostkeys`'s job; this module only
keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from scanner.store.sql import Aggregate
from scanner.store.tables import host_keys


@dataclass(frozen=True)
class Pin:
    """One pinned host key (a row of ``host_keys``)."""

    host: str
    port: int
    key_type: str
    key_base64: str
    fingerprint: str
    approved_by: str
    approved_at: float
    note: str = ""


class HostKeys(Aggregate):
    """Pinned SSH host keys: listed, added, revoked."""

    def pins(self, host: str | None = None) -> list[Pin]:
        """Every pin (of ``host`` only, when given), by host, port and key type."""
        query = select(host_keys).order_by(host_keys.c.host, host_keys.c.port, host_keys.c.key_type)
        if host is not None:
            query = query.where(host_keys.c.host == host)
        with self._store.engine.connect() as conn:
            return [
                Pin(
                    r.host,
                    r.port,
                    r.key_type,
                    r.key_base64,
                    r.fingerprint,
                    r.approved_by,
                    r.approved_at,
                    r.note,
                )
                for r in conn.execute(query)
            ]

    def add(self, pin: Pin) -> None:
        """Store a new pin."""
        with self._store.writer.begin() as conn:
            conn.execute(
                insert(host_keys).values(
                    host=pin.host,
                    port=pin.port,
                    key_type=pin.key_type,
                    key_base64=pin.key_base64,
                    fingerprint=pin.fingerprint,
                    approved_by=pin.approved_by,
                    approved_at=pin.approved_at,
                    note=pin.note,
                )
            )

    def revoke(self, host: str, *, fingerprint: str | None, port: int | None = None) -> int:
        """Remove ``host``'s pins (only the one with ``fingerprint`` when given); how many went."""
        query = delete(host_keys).where(host_keys.c.host == host)
        if fingerprint is not None:
            query = query.where(host_keys.c.fingerprint == fingerprint)
        if port is not None:
            query = query.where(host_keys.c.port == port)
        with self._store.writer.begin() as conn:
            return conn.execute(query).rowcount or 0
