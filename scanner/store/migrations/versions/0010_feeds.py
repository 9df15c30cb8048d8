"""Vulnerability feeds: sources, OSV affected ranges, NVD CVEs and CPE ranges, the KEV catalogue;
and each discovered service's CPE (nmap's version detection).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("services", sa.Column("cpe", sa.String(300), nullable=False, server_default=""))
    op.create_table(
        "feed_sources",
        sa.Column("source", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("imported_at", sa.Float, nullable=False),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("files", sa.Text, nullable=False),
    )
    op.create_table(
        "feed_advisories",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("advisory", sa.String(100), nullable=False),
        sa.Column("aliases", sa.Text, nullable=False),
        sa.Column("ecosystem", sa.String(100), nullable=False),
        sa.Column("package", sa.String(200), nullable=False),
        sa.Column("introduced", sa.String(200), nullable=False),
        sa.Column("fixed", sa.String(200), nullable=False),
        sa.Column("last_affected", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
    )
    op.create_index("ix_feed_advisories_package", "feed_advisories", ["ecosystem", "package"])
    op.create_index("ix_feed_advisories_source", "feed_advisories", ["source"])
    op.create_table(
        "feed_cves",
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("cve", sa.String(40), nullable=False),
        sa.Column("cvss", sa.Float),
        sa.Column("vector", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.UniqueConstraint("source", "cve", name="uq_feed_cves_source_cve"),
    )
    op.create_index("ix_feed_cves_cve", "feed_cves", ["cve"])
    op.create_table(
        "feed_cpe_ranges",
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("cve", sa.String(40), nullable=False),
        sa.Column("vendor", sa.String(200), nullable=False),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("start_including", sa.String(200), nullable=False),
        sa.Column("start_excluding", sa.String(200), nullable=False),
        sa.Column("end_including", sa.String(200), nullable=False),
        sa.Column("end_excluding", sa.String(200), nullable=False),
    )
    op.create_index("ix_feed_cpe_ranges_product", "feed_cpe_ranges", ["vendor", "product"])
    op.create_index("ix_feed_cpe_ranges_source", "feed_cpe_ranges", ["source"])
    op.create_table(
        "feed_kev",
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("cve", sa.String(40), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("date_added", sa.String(20), nullable=False),
        sa.Column("ransomware", sa.String(20), nullable=False),
        sa.UniqueConstraint("source", "cve", name="uq_feed_kev_source_cve"),
    )
    op.create_index("ix_feed_kev_cve", "feed_kev", ["cve"])


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("cpe")
    for table in ("feed_kev", "feed_cpe_ranges", "feed_cves", "feed_advisories", "feed_sources"):
        op.drop_table(table)
