"""The database enforces the lifecycles: CHECK constraints on run and attempt status, issue state
(and the states of its events) and notice item risk level.

A store that already holds a value outside a set is not changed: the upgrade stops before any
constraint is added and names the table, column, values and fix (a row is never deleted or
rewritten behind the user's back). SQLite cannot add a constraint to a table, so each table is
recreated with its rows (batch mode; the store turns foreign keys off while migrating, since
dropping the old table would otherwise orphan the rows that refer to it); PostgreSQL gets
``ALTER TABLE ... ADD CONSTRAINT``.

The allowed values are written out here, not read from the enums: a migration must keep meaning
what it meant when it upgraded a store. A value added to an enum later needs a new migration;
``tests/unit/store/test_migration_0008.py`` fails until the migrated schema and
``scanner/store/tables.py`` (built from the enums) agree again.

Revision ID: 0008
Revises: 0007
"""

from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op

from scanner.core.errors import UserError
from scanner.store.tables import one_of

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ISSUE_STATES = ("open", "fixed", "reopened", "accepted", "false_positive")


@dataclass(frozen=True)
class Allowed:
    """The values one column may hold from this revision on, and what they are called."""

    table: str
    column: str
    values: tuple[str, ...]
    what: str  # "an issue state", for the error message
    nullable: bool = False

    @property
    def name(self) -> str:
        return f"ck_{self.table}_{self.column}"


ALLOWED = (
    Allowed("runs", "status", ("running", "completed", "failed", "interrupted"), "a run status"),
    Allowed(
        "attempts",
        "status",
        ("pass", "fail", "error", "skipped", "not_applicable"),
        "an attempt status",
    ),
    Allowed("issues", "state", ISSUE_STATES, "an issue state"),
    Allowed("issue_events", "from_state", ISSUE_STATES, "an issue state", nullable=True),
    Allowed("issue_events", "to_state", ISSUE_STATES, "an issue state"),
    Allowed("notice_items", "level", ("high", "medium", "low"), "a risk level"),
)


def upgrade() -> None:
    problems = [problem for allowed in ALLOWED if (problem := _outside(allowed))]
    if problems:
        raise UserError(
            "cannot upgrade the store to revision 0008 (the database enforces the allowed "
            "states and statuses): "
            + "; ".join(problems)
            + ". Nothing was changed. Fix: with an SQL client, set those rows to an allowed "
            "value (or delete them), then open the store again."
        )
    for table in dict.fromkeys(a.table for a in ALLOWED):
        with op.batch_alter_table(table) as batch:
            for allowed in ALLOWED:
                if allowed.table == table:
                    batch.create_check_constraint(
                        allowed.name,
                        one_of(allowed.column, allowed.values, nullable=allowed.nullable),
                    )


def downgrade() -> None:
    for table in dict.fromkeys(a.table for a in ALLOWED):
        with op.batch_alter_table(table) as batch:
            for allowed in ALLOWED:
                if allowed.table == table:
                    batch.drop_constraint(allowed.name, type_="check")


def _outside(allowed: Allowed) -> str:
    """What ``allowed.column`` holds outside its set, as a phrase ("" if nothing)."""
    column: sa.ColumnClause[str] = sa.column(allowed.column)
    query = (
        sa.select(column, sa.func.count())
        .select_from(sa.table(allowed.table, column))
        .where(column.is_not(None), column.not_in(allowed.values))
        .group_by(column)
        .order_by(column)
    )
    bad = op.get_bind().execute(query).all()
    if not bad:
        return ""
    found = ", ".join(f"{value!r} ({n} row{'s' if n != 1 else ''})" for value, n in bad)
    return (
        f"{allowed.table}.{allowed.column} holds {found}, which is not {allowed.what} "
        f"(allowed: {', '.join(allowed.values)})"
    )
