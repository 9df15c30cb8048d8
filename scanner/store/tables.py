"""The store's tables, as SQLAlchemy Core metadata. Migrations in ``migrations/`` create them.

Every column that holds a lifecycle value (a run's status, an attempt's status, an issue's state,
a notice item's risk level) carries a named CHECK constraint built from its enum, so the database
refuses a value the code does not know; migration 0008 adds the same constraints to existing
stores, and a test compares the two.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
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
from sqlalchemy import false as sa_false

from scanner.core.lifecycle import IssueState, RiskLevel, RunStatus
from scanner.core.models import AttemptStatus

metadata = MetaData()


def one_of(column: str, values: Iterable[str], *, nullable: bool = False) -> str:
    """The SQL of a CHECK that ``column`` holds one of ``values`` (or NULL, with ``nullable``)."""
    values = list(values)
    if any("'" in v for v in values):
        raise ValueError(f"a quote in the allowed values of {column}: {values!r}")
    listed = ", ".join(f"'{v}'" for v in values)
    check = f"{column} IN ({listed})"
    return f"{column} IS NULL OR {check}" if nullable else check


def allowed(
    table: str, column: str, values: Iterable[str], *, nullable: bool = False
) -> CheckConstraint:
    """The CHECK constraint ``ck_<table>_<column>``: ``column`` holds one of ``values``."""
    return CheckConstraint(one_of(column, values, nullable=nullable), name=f"ck_{table}_{column}")


runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("campaign", String(200), nullable=False),
    Column("profile", String(100), nullable=False),
    Column("inventory", Text, nullable=False),
    Column("inventory_sha256", String(64), nullable=False),
    Column("scanner_version", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float),
    Column("note", Text, nullable=False, server_default=""),
    Column("reconciled", Boolean, nullable=False, server_default=sa_false()),
    Column("inventory_text", Text, nullable=False, server_default=""),
    # A verification rescan's (entity, asset, check) triples, so that --resume keeps to them.
    Column("restricted_to", JSON),
    allowed("runs", "status", RunStatus),
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
    allowed("attempts", "status", AttemptStatus),
    Index("ix_attempts_run_check_asset", "run_id", "check_id", "entity_id", "asset_id"),
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

#: The logins credential checks sent, per attempt and account (migration 0015): never a password.
credential_tries = Table(
    "credential_tries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("attempt_id", Integer, ForeignKey("attempts.id"), nullable=False),
    Column("check_id", String(100), nullable=False),
    Column("entity_id", String(63), nullable=False),
    Column("asset_id", String(63), nullable=False),
    Column("address", String(64), nullable=False),
    Column("port", Integer, nullable=False),
    Column("service", String(100), nullable=False),
    Column("account", Text, nullable=False),
    Column("tries", Integer, nullable=False),
    Index("ix_credential_tries_run_entity", "run_id", "entity_id"),
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

issues = Table(
    "issues",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("entity_id", String(63), nullable=False),
    Column("asset_id", String(63), nullable=False),
    Column("check_id", String(100), nullable=False),
    Column("location", Text, nullable=False),
    Column("target_location", Text, nullable=False),  # the attempt's location that found it
    Column("severity", String(10), nullable=False),
    Column("state", String(20), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("first_seen_run", Integer, ForeignKey("runs.id"), nullable=False),
    Column("last_seen_run", Integer, ForeignKey("runs.id"), nullable=False),
    Column("first_seen_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    Column("deadline", Float),  # fixed when the item first appears on a notice
    Column("waiver_reason", Text),
    Column("waiver_approver", Text),
    Column("waiver_until", Float),
    Index("ix_issues_entity_state", "entity_id", "state"),
    Index("ix_issues_target", "entity_id", "asset_id", "check_id"),
    allowed("issues", "state", IssueState),
)

issue_events = Table(
    "issue_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issue_id", Integer, ForeignKey("issues.id"), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id")),  # None for a person's decision
    Column("at", Float, nullable=False),
    Column("from_state", String(20)),
    Column("to_state", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", Text, nullable=False, server_default="scanner"),
    Index("ix_issue_events_issue", "issue_id"),
    Index("ix_issue_events_run", "run_id"),
    allowed("issue_events", "from_state", IssueState, nullable=True),  # NULL: first seen
    allowed("issue_events", "to_state", IssueState),
)

notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(80), nullable=False, unique=True),
    Column("campaign", String(200), nullable=False),
    Column("entity_id", String(63), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("issued_at", Float, nullable=False),
    UniqueConstraint("run_id", "entity_id", name="uq_notices_run_entity"),
)

notice_items = Table(
    "notice_items",
    metadata,
    Column("notice_id", Integer, ForeignKey("notices.id"), primary_key=True),
    Column("issue_id", Integer, ForeignKey("issues.id"), primary_key=True),
    Column("rank", Integer, nullable=False),
    Column("level", String(10), nullable=False),
    Column("score", Float, nullable=False),
    Index("ix_notice_items_issue", "issue_id"),
    allowed("notice_items", "level", RiskLevel),
)

host_keys = Table(
    "host_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("host", String(255), nullable=False),  # address or name, as the inventory writes it
    Column("port", Integer, nullable=False),
    Column("key_type", String(40), nullable=False),  # ssh-ed25519, ecdsa-sha2-nistp256, ...
    Column("key_base64", Text, nullable=False),
    Column("fingerprint", String(100), nullable=False),  # SHA256:...
    Column("approved_by", Text, nullable=False),
    Column("approved_at", Float, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    UniqueConstraint("host", "port", "key_type", name="uq_host_keys_host_port_type"),
)

#: One row per named lock (a schedule's profile): who holds it and until when (heartbeats
#: extend ``expires_at``; an expired lock is free, so a crashed holder does not block forever).
locks = Table(
    "locks",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

#: The scheduler's log: one row per due time it handled (started, skipped or missed).
schedule_events = Table(
    "schedule_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schedule", String(200), nullable=False),
    Column("due_at", Float, nullable=False),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("run_id", Integer, ForeignKey("runs.id")),
    Column("outcome", String(20), nullable=False),  # started, completed, interrupted, failed, ...
    # ... skipped or missed
    Column("note", Text, nullable=False, server_default=""),
    UniqueConstraint("schedule", "due_at", name="uq_schedule_events_due"),
)
