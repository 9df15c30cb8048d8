"""Each run's name resolutions: the addresses a DNS name had when the run first resolved it, so
that preflight, discovery, every check and every worker of the run connect to the same ones.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_resolutions",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("addresses", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("run_resolutions")
