"""The logins credential checks sent, per attempt and account (never a password), so a run
counts them and the notice tells the entity.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential_tries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("attempt_id", sa.Integer, sa.ForeignKey("attempts.id"), nullable=False),
        sa.Column("check_id", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(63), nullable=False),
        sa.Column("asset_id", sa.String(63), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("port", sa.Integer, nullable=False),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("tries", sa.Integer, nullable=False),
        sa.Index("ix_credential_tries_run_entity", "run_id", "entity_id"),
    )


def downgrade() -> None:
    op.drop_table("credential_tries")
