"""Evidence: each attempt's raw exchanges and check code hash, and the hash chain over a run's
attempts (docs/evidence.md).

Attempts stored before this revision have no exchanges and no links: their runs' chains are
empty, and the evidence service says so rather than vouching for them.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(
            sa.Column("check_sha256", sa.String(64), nullable=False, server_default="")
        )
    op.create_table(
        "exchanges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("attempt_id", sa.Integer, sa.ForeignKey("attempts.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("destination", sa.String(80), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("sent", sa.LargeBinary, nullable=False),
        sa.Column("received", sa.LargeBinary, nullable=False),
        sa.Column("sent_total", sa.Integer, nullable=False),
        sa.Column("received_total", sa.Integer, nullable=False),
        sa.Column("cut", sa.Boolean, nullable=False),
        sa.Column("turns", sa.JSON, nullable=False),
        sa.UniqueConstraint("attempt_id", "seq", name="uq_exchanges_attempt_seq"),
    )
    op.create_table(
        "attempt_chain",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        # no foreign key: a link must outlive a deleted attempt, to show that it is missing
        sa.Column("attempt_id", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Index("ix_attempt_chain_attempt", "attempt_id"),
    )


def downgrade() -> None:
    op.drop_table("attempt_chain")
    op.drop_table("exchanges")
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("check_sha256")
