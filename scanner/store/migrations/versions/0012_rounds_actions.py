"""Rectification rounds and enforcement actions.

A campaign's rounds are a table of their own (round ``number`` opened by issuing notices after
run ``run_id``, see docs/tracking.md). A notice records the round it was issued in and, when it
is a supplementary notice, the earlier notice of the same entity it cites.
``enforcement_actions`` holds what the authority did after a notice (interview, warning, fine,
orders, shutdown, case referral), each with its date, document reference and who recorded it.

Existing notices become round 1, 2, ... by the runs they were issued after, per campaign; none
of them is marked supplementary (the stores before this revision did not know).

Revision ID: 0012
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from scanner.store.tables import one_of

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None

#: The kinds of enforcement action, written out (a migration keeps meaning what it meant).
ACTION_KINDS = (
    "interview",
    "warning",
    "fine",
    "suspend_order",
    "rectify_order",
    "shutdown",
    "referral",
)


def upgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("round", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("supplements", sa.Integer, nullable=True))
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("campaign", sa.String(200), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("opened_at", sa.Float, nullable=False),
        sa.UniqueConstraint("campaign", "number", name="uq_rounds_campaign_number"),
        sa.UniqueConstraint("campaign", "run_id", name="uq_rounds_campaign_run"),
    )
    rounds_table = sa.table(
        "rounds",
        sa.column("campaign"),
        sa.column("number"),
        sa.column("run_id"),
        sa.column("opened_at"),
    )
    notices = sa.table(
        "notices",
        sa.column("id"),
        sa.column("campaign"),
        sa.column("run_id"),
        sa.column("issued_at"),
        sa.column("round"),
    )
    bind = op.get_bind()
    rounds: dict[tuple[str, int], int] = {}
    per_campaign: dict[str, int] = {}
    for nid, campaign, run_id, issued_at in bind.execute(
        sa.select(notices.c.id, notices.c.campaign, notices.c.run_id, notices.c.issued_at).order_by(
            notices.c.run_id, notices.c.id
        )
    ).all():
        if (campaign, run_id) not in rounds:
            per_campaign[campaign] = per_campaign.get(campaign, 0) + 1
            rounds[(campaign, run_id)] = per_campaign[campaign]
            bind.execute(
                sa.insert(rounds_table).values(
                    campaign=campaign,
                    number=per_campaign[campaign],
                    run_id=run_id,
                    opened_at=issued_at,
                )
            )
        bind.execute(
            sa.update(notices).where(notices.c.id == nid).values(round=rounds[(campaign, run_id)])
        )
    op.create_table(
        "enforcement_actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("notice_id", sa.Integer, sa.ForeignKey("notices.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("amount", sa.Float),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.Float, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint(one_of("kind", ACTION_KINDS), name="ck_enforcement_actions_kind"),
    )
    op.create_index("ix_enforcement_actions_notice", "enforcement_actions", ["notice_id"])


def downgrade() -> None:
    op.drop_table("enforcement_actions")
    op.drop_table("rounds")
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("supplements")
        batch.drop_column("round")
