"""Notices and their items; the inventory text of each run (notices are built from it).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("inventory_text", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(80), nullable=False, unique=True),
        sa.Column("campaign", sa.String(200), nullable=False),
        sa.Column("entity_id", sa.String(63), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("issued_at", sa.Float, nullable=False),
        sa.UniqueConstraint("run_id", "entity_id", name="uq_notices_run_entity"),
    )
    op.create_table(
        "notice_items",
        sa.Column("notice_id", sa.Integer, sa.ForeignKey("notices.id"), primary_key=True),
        sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id"), primary_key=True),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
    )
    op.create_index("ix_notice_items_issue", "notice_items", ["issue_id"])


def downgrade() -> None:
    op.drop_table("notice_items")
    op.drop_table("notices")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("inventory_text")
