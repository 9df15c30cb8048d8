"""NVD AND configurations: each CPE range's platform condition (``requires``), and the
operating system's CPE nmap names beside a service's (``os_cpe``), to check it against.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "feed_cpe_ranges", sa.Column("requires", sa.Text, nullable=False, server_default="")
    )
    op.add_column(
        "services", sa.Column("os_cpe", sa.String(300), nullable=False, server_default="")
    )


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("os_cpe")
    with op.batch_alter_table("feed_cpe_ranges") as batch:
        batch.drop_column("requires")
