"""erasure epochs (kek_retirements) and bound case links (case_defenders.link_mac)

An erasure destroys a data key in the live row, but copies made before it (SQLite WAL,
PostgreSQL dead tuples and WAL archives, backups) still hold the key wrapped under the KEK of
its epoch. Each erasure schedules that KEK's retirement; `hrd-cases keys retire-erased` runs
the epochs that are due.

Bound case links: case_defenders.link_mac, a keyed MAC of (case_id, defender_id) checked on
read, so a link re-pointed in the database fails loudly. The migration cannot compute MACs
(the key is in the keyring, outside the database): existing rows get NULL, which fails the
check, until `hrd-cases keys relink` (run once, right after upgrading) signs them.

Revision ID: 3c9a51e0f7d2
Revises: 1c04e860ddc8
Create Date: 2026-11-29 02:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hrd_cases.db

revision: str = "3c9a51e0f7d2"
down_revision: str | None = "1c04e860ddc8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kek_retirements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("requested_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rotated_to", sa.Integer(), nullable=True),
        sa.Column("completed_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kek_retirements")),
    )
    with op.batch_alter_table("kek_retirements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kek_retirements_due_at"), ["due_at"], unique=False)
    with op.batch_alter_table("case_defenders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_mac", sa.LargeBinary(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_defenders", schema=None) as batch_op:
        batch_op.drop_column("link_mac")
    with op.batch_alter_table("kek_retirements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kek_retirements_due_at"))
    op.drop_table("kek_retirements")
