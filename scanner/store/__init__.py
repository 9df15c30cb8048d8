"""Durable storage (SQLAlchemy Core, Alembic-migrated): the only package that writes SQL.

:class:`Store` owns the connection; each aggregate is one module with one accessor reached from
it: ``store.runs``, ``store.attempts``, ``store.issues``, ``store.notices``, ``store.host_keys``,
``store.schedules`` and ``store.locks``. They return frozen dataclasses, never dicts.
"""

from scanner.store.store import Store, StoreError, default_url, disk_full

__all__ = ["Store", "StoreError", "default_url", "disk_full"]
