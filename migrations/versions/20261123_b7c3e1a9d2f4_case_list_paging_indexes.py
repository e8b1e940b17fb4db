"""case list paging indexes: (delegation_id, opened_at, reference), (country, opened_at,
reference) and (delegation_id, country) on cases

The case list shows a scope's cases newest first, 25 at a time. With single-column indexes
both databases sorted every case in scope (12,500 for a focal point, 100,000 for an officer
at 100,000 cases) to show 25; these composites give the order from the index. The
single-column delegation_id index is a prefix of two of them and goes.

Revision ID: b7c3e1a9d2f4
Revises: 5b1e0c7a9d42
Create Date: 2026-11-23 05:55:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b7c3e1a9d2f4"
down_revision: str | None = "5b1e0c7a9d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_delegation_id")
        batch_op.create_index(
            "ix_cases_delegation_id_opened_at", ["delegation_id", "opened_at", "reference"]
        )
        batch_op.create_index("ix_cases_country_opened_at", ["country", "opened_at", "reference"])
        batch_op.create_index("ix_cases_delegation_id_country", ["delegation_id", "country"])


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_delegation_id_country")
        batch_op.drop_index("ix_cases_country_opened_at")
        batch_op.drop_index("ix_cases_delegation_id_opened_at")
        batch_op.create_index("ix_cases_delegation_id", ["delegation_id"])
