"""SSH host keys pinned in the store on approved first contact (`scanner hostkeys approve`).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("port", sa.Integer, nullable=False),
        sa.Column("key_type", sa.String(40), nullable=False),
        sa.Column("key_base64", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(100), nullable=False),
        sa.Column("approved_by", sa.Text, nullable=False),
        sa.Column("approved_at", sa.Float, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("host", "port", "key_type", name="uq_host_keys_host_port_type"),
    )


def downgrade() -> None:
    op.drop_table("host_keys")
