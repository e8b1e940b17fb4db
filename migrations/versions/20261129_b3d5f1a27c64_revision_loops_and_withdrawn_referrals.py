"""Referrals and statements can be returned for revision, and a referral withdrawn: each item
has a revision number, decisions say which revision they were given on and whether they
returned it; one decision per officer per revision

Revision ID: b3d5f1a27c64
Revises: b5d2f0c3a817
Create Date: 2026-11-29 06:10:00

"returned" and "withdrawn" are new values of the state columns, stored as strings without a
CHECK constraint, so they need no schema change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hrd_cases.db import UTCDateTime

revision: str = "b3d5f1a27c64"
down_revision: str | None = "b5d2f0c3a817"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ITEMS = (
    ("referrals", "referral_decisions", "referral_id"),
    ("statements", "statement_decisions", "statement_id"),
)


def upgrade() -> None:
    for items, decisions, item_id in _ITEMS:
        with op.batch_alter_table(items, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("revision", sa.Integer(), server_default="1", nullable=False)
            )
            batch_op.add_column(sa.Column("returned_at", UTCDateTime(), nullable=True))
            if items == "referrals":
                batch_op.add_column(sa.Column("withdrawn_at", UTCDateTime(), nullable=True))
        with op.batch_alter_table(decisions, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("round", sa.Integer(), server_default="1", nullable=False)
            )
            batch_op.add_column(
                sa.Column("returned", sa.Boolean(), server_default=sa.false(), nullable=False)
            )
            batch_op.drop_constraint(f"uq_{decisions}_{item_id}_officer_id", type_="unique")
            batch_op.create_unique_constraint(
                f"uq_{decisions}_{item_id}_officer_id_round", [item_id, "officer_id", "round"]
            )


def downgrade() -> None:
    # Without revisions only one decision per officer can stand: the latest round's are kept.
    # A returned item goes back to awaiting a decision (its return decision is dropped); a
    # withdrawn referral becomes closed, the nearest state that expects nothing more of it.
    for items, decisions, item_id in _ITEMS:
        op.execute(
            f"DELETE FROM {decisions} WHERE returned = true OR round < "  # noqa: S608 fixed names
            f"(SELECT revision FROM {items} WHERE {items}.id = {decisions}.{item_id})"
        )
        awaiting = "requested" if items == "referrals" else "submitted"
        op.execute(f"UPDATE {items} SET state = '{awaiting}' WHERE state = 'returned'")  # noqa: S608
        with op.batch_alter_table(decisions, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{decisions}_{item_id}_officer_id_round", type_="unique")
            batch_op.create_unique_constraint(
                f"uq_{decisions}_{item_id}_officer_id", [item_id, "officer_id"]
            )
            batch_op.drop_column("returned")
            batch_op.drop_column("round")
        if items == "referrals":
            op.execute(
                "UPDATE referrals SET state = 'closed', closed_at = withdrawn_at "
                "WHERE state = 'withdrawn'"
            )
        with op.batch_alter_table(items, schema=None) as batch_op:
            if items == "referrals":
                batch_op.drop_column("withdrawn_at")
            batch_op.drop_column("returned_at")
            batch_op.drop_column("revision")
