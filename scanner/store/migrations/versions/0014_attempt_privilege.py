"""How an on-site attempt's root-only commands ran: sudo, sudo_password, su, none or refused
(``core.models.Privilege``); NULL for attempts that ran none.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("privilege", sa.String(20)))


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("privilege")
