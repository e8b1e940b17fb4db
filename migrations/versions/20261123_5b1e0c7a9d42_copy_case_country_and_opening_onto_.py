"""copy case country and opening onto categories and threats for exports

The quarterly export counts a quarter's profile categories and threats with one index range
scan on (opened_at, country, ...) instead of one join per case (issue 8). Existing rows are
filled from their case before the columns become NOT NULL.

Revision ID: 5b1e0c7a9d42
Revises: 73211736fb13
Create Date: 2026-11-23 05:45:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hrd_cases.db

revision: str = "5b1e0c7a9d42"
down_revision: str | None = "73211736fb13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (("case_profile_categories", "category"), ("case_threats", "threat"))


def upgrade() -> None:
    for table, column in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))
            batch_op.add_column(
                sa.Column("opened_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True)
            )
        # Backfill from the case (same stored representation: a plain column copy).
        op.execute(
            f"UPDATE {table} SET "  # noqa: S608 - table names are the constants above
            f"country = (SELECT cases.country FROM cases WHERE cases.id = {table}.case_id), "
            f"opened_at = (SELECT cases.opened_at FROM cases WHERE cases.id = {table}.case_id)"
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("country", existing_type=sa.String(length=2), nullable=False)
            batch_op.alter_column(
                "opened_at", existing_type=hrd_cases.db.UTCDateTime(timezone=True), nullable=False
            )
            batch_op.create_index(
                f"ix_{table}_quarter", ["opened_at", "country", column], unique=False
            )


def downgrade() -> None:
    for table, _column in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_quarter")
            batch_op.drop_column("opened_at")
            batch_op.drop_column("country")
