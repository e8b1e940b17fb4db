"""encrypt hearing courts

Revision ID: e73df3687acb
Revises: 7f33b3d57e0b
Create Date: 2026-11-23 02:45:50.377995+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e73df3687acb"
down_revision: str | None = "7f33b3d57e0b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Courts were stored in the clear for a few hours of development only; encrypting existing
    # rows needs the keyring, which migrations never see. Refuse rather than drop data.
    existing = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM hearings")).scalar()
    if existing:
        raise RuntimeError(
            f"{existing} hearings hold a court in the clear; export and re-enter them before "
            "upgrading (courts are now encrypted)"
        )
    with op.batch_alter_table("hearings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("court_ciphertext", sa.LargeBinary(), nullable=True))
        batch_op.drop_column("court")


def downgrade() -> None:
    with op.batch_alter_table("hearings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("court", sa.VARCHAR(length=200), nullable=False, server_default="")
        )
        batch_op.drop_column("court_ciphertext")
