"""data key index in physical order for rotation

Revision ID: 73211736fb13
Revises: e73df3687acb
Create Date: 2026-11-23 02:54:19.647663+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "73211736fb13"
down_revision: str | None = "e73df3687acb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_keys_kek_version_id"))
        batch_op.create_index("ix_data_keys_kek_version", ["kek_version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_data_keys_kek_version")
        batch_op.create_index(
            batch_op.f("ix_data_keys_kek_version_id"), ["kek_version", "id"], unique=False
        )
