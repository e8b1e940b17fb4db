"""users.preferred_language: the interface language each user chose (issue 21)

Null for every existing account, which then follows the browser's Accept-Language, as
before sign-in; the account page and the footer's switcher set it.

Revision ID: b21e4a7c0d15
Revises: a14f7e2c9b31
Create Date: 2026-11-29 06:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b21e4a7c0d15"
down_revision: str | None = "a14f7e2c9b31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preferred_language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("preferred_language")
