"""cases remember their strategy template version

Revision ID: cfa1d95cf4d0
Revises: c4185917b89b
Create Date: 2026-11-23 02:02:17.132331+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cfa1d95cf4d0"
down_revision: str | None = "c4185917b89b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        # Cases opened before templates existed were opened under the default template, v1.
        batch_op.add_column(
            sa.Column(
                "template_code", sa.String(length=16), nullable=False, server_default="default"
            )
        )
        batch_op.add_column(
            sa.Column("template_version", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("template_version")
        batch_op.drop_column("template_code")
