"""Issues tracked across runs, their audit trail, and what reconciliation needs.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(
            sa.Column("reconciled", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_index(
        "ix_attempts_run_check_asset", "attempts", ["run_id", "check_id", "entity_id", "asset_id"]
    )
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("entity_id", sa.String(63), nullable=False),
        sa.Column("asset_id", sa.String(63), nullable=False),
        sa.Column("check_id", sa.String(100), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("target_location", sa.Text, nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("first_seen_run", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("last_seen_run", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("first_seen_at", sa.Float, nullable=False),
        sa.Column("last_seen_at", sa.Float, nullable=False),
        sa.Column("deadline", sa.Float),
        sa.Column("waiver_reason", sa.Text),
        sa.Column("waiver_approver", sa.Text),
        sa.Column("waiver_until", sa.Float),
    )
    op.create_index("ix_issues_entity_state", "issues", ["entity_id", "state"])
    op.create_table(
        "issue_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id"), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id")),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("from_state", sa.String(20)),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False, server_default="scanner"),
    )
    op.create_index("ix_issue_events_issue", "issue_events", ["issue_id"])
    op.create_index("ix_issue_events_run", "issue_events", ["run_id"])


def downgrade() -> None:
    op.drop_table("issue_events")
    op.drop_table("issues")
    op.drop_index("ix_attempts_run_check_asset", "attempts")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("reconciled")
