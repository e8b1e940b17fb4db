"""Hearings can be rescheduled and cancelled (the reason, encrypted, and when it was
cancelled); decisions on referrals and statements carry a reason (encrypted)

Revision ID: 6a1c2e9f4b70
Revises: a19c0de5e7a1
Create Date: 2026-11-29 03:55:00

"cancelled" is a new value of hearing_state, stored as a string without a CHECK constraint,
so it needs no schema change. Delegation time zones come from a19c0de5e7a1 (issue 18).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hrd_cases.db import UTCDateTime

revision: str = "6a1c2e9f4b70"
down_revision: str | None = "a19c0de5e7a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hearings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_reason_ciphertext", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", UTCDateTime(), nullable=True))
    for table in ("referral_decisions", "statement_decisions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("reason_ciphertext", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    for table in ("referral_decisions", "statement_decisions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("reason_ciphertext")
    # A cancelled hearing cannot be expressed without its state's meaning: it goes back to
    # "not observed", the nearest earlier state that keeps it out of calendars and reminders.
    op.execute("UPDATE hearings SET state = 'not_observed' WHERE state = 'cancelled'")
    with op.batch_alter_table("hearings", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("change_reason_ciphertext")
