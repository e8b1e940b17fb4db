"""case assignment: cases.assigned_to_id, the focal point answerable for a case

Existing cases are assigned to whoever opened them, when that account is a focal point of the
case's own delegation (a case logged from the command line, or by an account since moved to
another delegation, starts unassigned: a focal point of the delegation picks it up).

Revision ID: b5d2f0c3a817
Revises: b7d3e5a1c942
Create Date: 2026-11-29 06:05:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5d2f0c3a817"
down_revision: str | None = "b7d3e5a1c942"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_to_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_assigned_to_id_users"),
            "users",
            ["assigned_to_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_cases_assigned_to_id_opened_at",
            ["assigned_to_id", "opened_at", "reference"],
            unique=False,
        )
    # The creator, if a focal point of the case's delegation (one statement, both databases).
    op.execute(
        """
        UPDATE cases SET assigned_to_id = created_by_id
        WHERE created_by_id IS NOT NULL
          AND EXISTS (
            SELECT 1 FROM users
            WHERE users.id = cases.created_by_id
              AND users.role = 'focal_point'
              AND users.delegation_id = cases.delegation_id
          )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_assigned_to_id_opened_at")
        batch_op.drop_constraint(batch_op.f("fk_cases_assigned_to_id_users"), type_="foreignkey")
        batch_op.drop_column("assigned_to_id")
