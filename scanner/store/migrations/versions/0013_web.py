"""The team web application: accounts, sessions, API tokens, login attempts, the audit trail,
proposed decisions, replies with attachments, queued verification rescans, the signing key; and
covering indexes for its pages (issues grouped by state, entity, asset and severity; overdue
items; a run's attempts by status).

The allowed values are written out (a migration keeps meaning what it meant); tables.py builds
the same constraints from its tuples and the migration test compares the two.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from scanner.store.tables import one_of

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ROLES = ("admin", "lead", "inspector", "viewer", "liaison")


def _allowed(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    return sa.CheckConstraint(one_of(column, values), name=f"ck_{table}_{column}")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.String(63)),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.Float, nullable=False),
        _allowed("users", "role", ROLES),
        sa.CheckConstraint(
            "(role = 'liaison') = (entity_id IS NOT NULL)", name="ck_users_liaison_entity"
        ),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_sha256", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_seen_at", sa.Float, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
    )
    op.create_index("ix_web_sessions_user", "web_sessions", ["user_id"])
    op.create_index("ix_web_sessions_last_seen", "web_sessions", ["last_seen_at"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_used_at", sa.Float),
        sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
    )
    op.create_index("ix_login_attempts_name_at", "login_attempts", ["name", "at"])
    op.create_index("ix_login_attempts_source_at", "login_attempts", ["source", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("object_type", sa.String(30), nullable=False),
        sa.Column("object_id", sa.Integer),
        sa.Column("entity_id", sa.String(63)),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"])
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id"), nullable=False),
        sa.Column("entity_id", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("until", sa.Float),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("proposed_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.Float),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        _allowed("proposals", "kind", ("waiver", "false_positive")),
        _allowed("proposals", "status", ("pending", "approved", "rejected")),
    )
    op.create_index("ix_proposals_issue", "proposals", ["issue_id"])
    op.create_table(
        "replies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("notice_id", sa.Integer, sa.ForeignKey("notices.id"), nullable=False),
        sa.Column("entity_id", sa.String(63), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_replies_notice", "replies", ["notice_id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reply_id", sa.Integer, sa.ForeignKey("replies.id"), nullable=False),
        sa.Column("entity_id", sa.String(63), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_attachments_reply", "attachments", ["reply_id"])
    op.create_table(
        "rescan_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("notice_id", sa.Integer, sa.ForeignKey("notices.id"), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("claimed_at", sa.Float),
        sa.Column("finished_at", sa.Float),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id")),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        _allowed("rescan_requests", "status", ("queued", "running", "done", "failed")),
    )
    op.create_index(
        "ix_issues_state_groups", "issues", ["state", "entity_id", "asset_id", "severity"]
    )
    op.create_index("ix_issues_state_deadline", "issues", ["state", "deadline", "entity_id"])
    op.create_index("ix_attempts_run_status", "attempts", ["run_id", "status"])
    op.create_table(
        "web_secrets",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_index("ix_attempts_run_status", "attempts")
    op.drop_index("ix_issues_state_deadline", "issues")
    op.drop_index("ix_issues_state_groups", "issues")
    for table in (
        "web_secrets",
        "rescan_requests",
        "attachments",
        "replies",
        "proposals",
        "audit_log",
        "login_attempts",
        "api_tokens",
        "web_sessions",
        "users",
    ):
        op.drop_table(table)
