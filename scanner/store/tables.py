"""The store's tables, as SQLAlchemy Core metadata. Migrations in ``migrations/`` create them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("campaign", String(200), nullable=False),
    Column("profile", String(100), nullable=False),
    Column("inventory", Text, nullable=False),
    Column("inventory_sha256", String(64), nullable=False),
    Column("scanner_version", String(40), nullable=False),
    Column("status", String(20), nullable=False),  # running, completed, failed, interrupted
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float),
    Column("note", Text, nullable=False, server_default=""),
)

hosts = Table(
    "hosts",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("answered", Boolean, nullable=False),
)

services = Table(
    "services",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("port", Integer, primary_key=True),
    Column("protocol", String(8), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("product", String(400), nullable=False),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("key", String(64), nullable=False),
    Column("check_id", String(100), nullable=False),
    Column("entity_id", String(63), nullable=False),
    Column("asset_id", String(63), nullable=False),
    Column("location", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("error_reason", String(20)),
    Column("traceback", Text, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("duration", Float, nullable=False),
    UniqueConstraint("run_id", "key", name="uq_attempts_run_key"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("attempt_id", Integer, ForeignKey("attempts.id"), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("check_id", String(100), nullable=False),
    Column("entity_id", String(63), nullable=False),
    Column("asset_id", String(63), nullable=False),
    Column("location", Text, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("detail", JSON, nullable=False),
    UniqueConstraint("run_id", "fingerprint", name="uq_findings_run_fingerprint"),
    Index("ix_findings_fingerprint", "fingerprint"),
)

refusals = Table(
    "refusals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("target", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("check_id", String(100), nullable=False),
    Column("at", Float, nullable=False),
)
