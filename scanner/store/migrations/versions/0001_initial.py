"""Initial tables: runs, hosts, services, attempts, findings, refusals.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("campaign", sa.String(200), nullable=False),
        sa.Column("profile", sa.String(100), nullable=False),
        sa.Column("inventory", sa.Text, nullable=False),
        sa.Column("inventory_sha256", sa.String(64), nullable=False),
        sa.Column("scanner_version", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("finished_at", sa.Float),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "hosts",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("address", sa.String(64), primary_key=True),
        sa.Column("answered", sa.Boolean, nullable=False),
    )
    op.create_table(
        "services",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("address", sa.String(64), primary_key=True),
        sa.Column("port", sa.Integer, primary_key=True),
        sa.Column("protocol", sa.String(8), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("product", sa.String(400), nullable=False),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("check_id", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(63), nullable=False),
        sa.Column("asset_id", sa.String(63), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("error_reason", sa.String(20)),
        sa.Column("traceback", sa.Text, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("duration", sa.Float, nullable=False),
        sa.UniqueConstraint("run_id", "key", name="uq_attempts_run_key"),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("attempt_id", sa.Integer, sa.ForeignKey("attempts.id"), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("check_id", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(63), nullable=False),
        sa.Column("asset_id", sa.String(63), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.UniqueConstraint("run_id", "fingerprint", name="uq_findings_run_fingerprint"),
    )
    op.create_index("ix_findings_fingerprint", "findings", ["fingerprint"])
    op.create_table(
        "refusals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("check_id", sa.String(100), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in ("refusals", "findings", "attempts", "services", "hosts", "runs"):
        op.drop_table(table)
