"""Index issues by (entity, asset, check): reconciliation joins a run's attempts on it.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_issues_target", "issues", ["entity_id", "asset_id", "check_id"])


def downgrade() -> None:
    op.drop_index("ix_issues_target", "issues")
