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
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false

from scanner.core.lifecycle import ActionKind, IssueState, RiskLevel, RunStatus
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

# The addresses each DNS name had when the run first resolved it (first writer wins): one
# resolution per name per run, shared by preflight, discovery, checks and workers (0009).
run_resolutions = Table(
    "run_resolutions",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("addresses", JSON, nullable=False),
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
    Column("cpe", String(300), nullable=False, server_default=""),  # since 0010
    Column("os_cpe", String(300), nullable=False, server_default=""),  # since 0016
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
    # the code hash of the check that ran (0011)
    Column("check_sha256", String(64), nullable=False, server_default=""),
    Column("privilege", String(20)),  # core.models.Privilege of on-site root commands (0014)
    UniqueConstraint("run_id", "key", name="uq_attempts_run_key"),
    allowed("attempts", "status", AttemptStatus),
    Index("ix_attempts_run_check_asset", "run_id", "check_id", "entity_id", "asset_id"),
    # 0013: a run's counts by status read from the index alone (runs list, notices, web pages).
    Index("ix_attempts_run_status", "run_id", "status"),
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

#: What an attempt sent and received (0011): bounded per attempt, secrets already replaced.
exchanges = Table(
    "exchanges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("attempt_id", Integer, ForeignKey("attempts.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("source", String(80), nullable=False),
    Column("destination", String(80), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float, nullable=False),
    Column("label", Text, nullable=False),
    Column("sent", LargeBinary, nullable=False),
    Column("received", LargeBinary, nullable=False),
    Column("sent_total", Integer, nullable=False),
    Column("received_total", Integer, nullable=False),
    Column("cut", Boolean, nullable=False),
    Column("turns", JSON, nullable=False),
    UniqueConstraint("attempt_id", "seq", name="uq_exchanges_attempt_seq"),
)

#: The append-only hash chain over a run's attempts, in the order they were stored (0011):
#: ``head`` = SHA-256(previous head || ``digest``), the digest of the attempt's canonical record
#: (:mod:`scanner.core.evidence`). No foreign key on ``attempt_id``: the link outlives a deleted
#: attempt, which is how the deletion shows.
attempt_chain = Table(
    "attempt_chain",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("attempt_id", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("head", String(64), nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_attempt_chain_attempt", "attempt_id"),
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
    # 0013: the dashboard's groups (risk levels, overdue items) read from the index alone.
    Index("ix_issues_state_groups", "state", "entity_id", "asset_id", "severity"),
    Index("ix_issues_state_deadline", "state", "deadline", "entity_id"),
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
    # The campaign's rectification round the notice was issued in (1 for the first inspection).
    Column("round", Integer, nullable=False, server_default="1"),
    # A supplementary notice: the entity's earlier notice it cites (None for a first notice).
    Column("supplements", Integer),
    UniqueConstraint("run_id", "entity_id", name="uq_notices_run_entity"),
)

#: A campaign's rectification rounds: round ``number`` opened when notices were issued after run
#: ``run_id`` (migration 0012). Every run up to the next round's run belongs to the round.
rounds = Table(
    "rounds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("campaign", String(200), nullable=False),
    Column("number", Integer, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("opened_at", Float, nullable=False),
    UniqueConstraint("campaign", "number", name="uq_rounds_campaign_number"),
    UniqueConstraint("campaign", "run_id", name="uq_rounds_campaign_run"),
)

#: What the authority did after a notice: one row per enforcement action (migration 0012).
enforcement_actions = Table(
    "enforcement_actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notice_id", Integer, ForeignKey("notices.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("day", String(10), nullable=False),  # the action's date, ISO 8601
    Column("amount", Float),  # a fine's amount (yuan), else None
    Column("reference", Text, nullable=False),  # the decision's document reference
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", Float, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    allowed("enforcement_actions", "kind", ActionKind),
    Index("ix_enforcement_actions_notice", "notice_id"),
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

#: Vulnerability feeds imported by ``scanner feed import`` (migration 0010): one row per source
#: (``osv:Debian``, ``nvd``, ``kev``...), its version and import time; a re-import replaces
#: every row of the source in one transaction.
feed_sources = Table(
    "feed_sources",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("kind", String(10), nullable=False),  # osv, nvd, kev
    Column("version", String(100), nullable=False),  # the feed's own date or version
    Column("imported_at", Float, nullable=False),
    Column("entries", Integer, nullable=False),
    Column("files", Text, nullable=False),  # the file names imported, for the status
)

#: OSV: one row per affected range (or listed version) of one package in one ecosystem.
feed_advisories = Table(
    "feed_advisories",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("advisory", String(100), nullable=False),  # DSA-5724-1, DEBIAN-CVE-..., RHSA-...
    Column("aliases", Text, nullable=False),  # the CVE ids it covers, space-separated
    Column("ecosystem", String(100), nullable=False),  # Debian:12, Rocky Linux:9, ...
    Column("package", String(200), nullable=False),
    Column("introduced", String(200), nullable=False),  # "0": every earlier version
    Column("fixed", String(200), nullable=False),  # empty: no fix (or last_affected)
    Column("last_affected", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Index("ix_feed_advisories_package", "ecosystem", "package"),
    Index("ix_feed_advisories_source", "source"),
)

#: NVD: one row per CVE, with its CVSS base score.
feed_cves = Table(
    "feed_cves",
    metadata,
    Column("source", String(100), nullable=False),
    Column("cve", String(40), nullable=False),
    Column("cvss", Float),
    Column("vector", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    UniqueConstraint("source", "cve", name="uq_feed_cves_source_cve"),
    Index("ix_feed_cves_cve", "cve"),
)

#: NVD: one row per vulnerable CPE match of a CVE's configurations (a version, or a range).
feed_cpe_ranges = Table(
    "feed_cpe_ranges",
    metadata,
    Column("source", String(100), nullable=False),
    Column("cve", String(40), nullable=False),
    Column("vendor", String(200), nullable=False),
    Column("product", String(200), nullable=False),
    Column("version", String(200), nullable=False),  # "*" or "-": see the range columns
    Column("start_including", String(200), nullable=False),
    Column("start_excluding", String(200), nullable=False),
    Column("end_including", String(200), nullable=False),
    Column("end_excluding", String(200), nullable=False),
    # an AND configuration's platform condition, JSON (store.feeds); "" for none (since 0016)
    Column("requires", Text, nullable=False, server_default=""),
    Index("ix_feed_cpe_ranges_product", "vendor", "product"),
    Index("ix_feed_cpe_ranges_source", "source"),
)

#: CISA KEV: the CVEs known to be exploited.
feed_kev = Table(
    "feed_kev",
    metadata,
    Column("source", String(100), nullable=False),
    Column("cve", String(40), nullable=False),
    Column("name", Text, nullable=False),
    Column("date_added", String(20), nullable=False),
    Column("ransomware", String(20), nullable=False),
    UniqueConstraint("source", "cve", name="uq_feed_kev_source_cve"),
    Index("ix_feed_kev_cve", "cve"),
)

# -- the team web application (migration 0013) -------------------------------------------------

#: Roles of the web application's accounts (scanner.app.accounts.Role holds their meaning).
ROLES = ("admin", "lead", "inspector", "viewer", "liaison")
PROPOSAL_KINDS = ("waiver", "false_positive")
PROPOSAL_STATUSES = ("pending", "approved", "rejected")
REQUEST_STATUSES = ("queued", "running", "done", "failed")

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("entity_id", String(63)),  # a liaison's one entity; NULL for every other role
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, server_default=sa_false()),
    Column("created_at", Float, nullable=False),
    allowed("users", "role", ROLES),
    CheckConstraint("(role = 'liaison') = (entity_id IS NOT NULL)", name="ck_users_liaison_entity"),
)

#: Server-side sessions: the cookie carries a signed random id, this row its SHA-256.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id")),  # NULL before login (the login form)
    Column("csrf", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    Column("source", String(64), nullable=False),
    Index("ix_web_sessions_user", "user_id"),
    Index("ix_web_sessions_last_seen", "last_seen_at"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("label", String(100), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float),
    Column("revoked", Boolean, nullable=False, server_default=sa_false()),
)

#: Every login attempt (throttling and lockout count the failures).
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("source", String(64), nullable=False),
    Column("at", Float, nullable=False),
    Column("ok", Boolean, nullable=False),
    Index("ix_login_attempts_name_at", "name", "at"),
    Index("ix_login_attempts_source_at", "source", "at"),
)

#: The audit trail of people's actions: who, when, from where, what, on which object.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("source", String(64), nullable=False),
    Column("action", String(60), nullable=False),
    Column("object_type", String(30), nullable=False),
    Column("object_id", Integer),
    Column("entity_id", String(63)),
    Column("detail", Text, nullable=False, server_default=""),
    Index("ix_audit_log_object", "object_type", "object_id"),
)

#: An inspector's proposed decision on an issue, until a lead approves or rejects it.
proposals = Table(
    "proposals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issue_id", Integer, ForeignKey("issues.id"), nullable=False),
    Column("entity_id", String(63), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("until", Float),  # a waiver's expiry
    Column("proposed_by", String(64), nullable=False),
    Column("proposed_at", Float, nullable=False),
    Column("status", String(20), nullable=False),
    Column("decided_by", String(64)),
    Column("decided_at", Float),
    Column("note", Text, nullable=False, server_default=""),
    allowed("proposals", "kind", PROPOSAL_KINDS),
    allowed("proposals", "status", PROPOSAL_STATUSES),
    Index("ix_proposals_issue", "issue_id"),
)

#: A liaison's reply to a notice.
replies = Table(
    "replies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notice_id", Integer, ForeignKey("notices.id"), nullable=False),
    Column("entity_id", String(63), nullable=False),
    Column("author", String(64), nullable=False),
    Column("at", Float, nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_replies_notice", "notice_id"),
)

#: A reply's files, kept in the database (no path a user names ever reaches the file system).
attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reply_id", Integer, ForeignKey("replies.id"), nullable=False),
    Column("entity_id", String(63), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Index("ix_attachments_reply", "reply_id"),
)

#: Verification rescans asked for from the web: queued here, run by `scanner queue run`.
rescan_requests = Table(
    "rescan_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notice_id", Integer, ForeignKey("notices.id"), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", Float, nullable=False),
    Column("status", String(20), nullable=False),
    Column("claimed_at", Float),
    Column("finished_at", Float),
    Column("run_id", Integer, ForeignKey("runs.id")),
    Column("note", Text, nullable=False, server_default=""),
    allowed("rescan_requests", "status", REQUEST_STATUSES),
)

#: Secrets the web application keeps (the cookie signing key), generated on first start.
web_secrets = Table(
    "web_secrets",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)
