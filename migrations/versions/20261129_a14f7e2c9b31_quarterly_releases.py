"""quarterly releases: frozen, audited quarterly figures and the bytes of every format

Revision ID: a14f7e2c9b31
Revises: e86639f16367
Create Date: 2026-11-29 03:15:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hrd_cases.db

revision: str = "a14f7e2c9b31"
down_revision: str | None = "e86639f16367"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quarterly_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("released_at", hrd_cases.db.UTCDateTime(), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("p", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("true_counts", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["released_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("quarter", "version", name="uq_quarterly_release_version"),
    )
    op.create_table(
        "quarterly_release_files",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["release_id"], ["quarterly_releases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("release_id", "format"),
    )


def downgrade() -> None:
    op.drop_table("quarterly_release_files")
    op.drop_table("quarterly_releases")
