"""calendar court opt-in: users.calendar_shows_court, off for everyone

The trial calendar file used to carry each hearing's decrypted court beside the case
reference and the date: the very combination the court's encryption protects, handed to
whatever calendar service the file is imported into. Now it carries the court only for a user
who has chosen so on their account page (or through the API); existing users start with it off.

Revision ID: 4c0a7e2d9b15
Revises: 1f8beb2f5bd8
Create Date: 2026-11-29 02:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4c0a7e2d9b15"
down_revision: str | None = "1f8beb2f5bd8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "calendar_shows_court", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("calendar_shows_court")
