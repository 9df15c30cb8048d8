"""Durable storage of runs, attempts, findings and refusals (SQLAlchemy Core, Alembic-migrated)."""

from scanner.store.store import Store, default_url

__all__ = ["Store", "default_url"]
