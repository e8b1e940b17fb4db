"""Corrections keep earlier versions of fields (field_versions); cases get follow-up notes
(case_notes). Both hold ciphertext only, under the case's or the defender's data key.

Revision ID: b2d4f6a8c0e1
Revises: b21e4a7c0d15
Create Date: 2026-11-29 06:00:00+00:00

Issue 16, part A (delegation time zones, the third part of its migration, came earlier).
Downgrading drops the earlier versions and the notes: they cannot be kept elsewhere.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hrd_cases.db import UTCDateTime

revision: str = "b2d4f6a8c0e1"
down_revision: str | None = "b21e4a7c0d15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "field_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("defender_id", sa.Uuid(), nullable=True),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("value_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("replaced_at", UTCDateTime(), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name="fk_field_versions_case_id_cases",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["defender_id"],
            ["defenders.id"],
            name="fk_field_versions_defender_id_defenders",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"],
            ["users.id"],
            name="fk_field_versions_replaced_by_id_users",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_field_versions"),
    )
    op.create_index(
        "ix_field_versions_case_id_replaced_at", "field_versions", ["case_id", "replaced_at"]
    )
    op.create_index("ix_field_versions_defender_id", "field_versions", ["defender_id"])
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("written_at", UTCDateTime(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text_ciphertext", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_case_notes_case_id_cases", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name="fk_case_notes_author_id_users", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_case_notes"),
    )
    op.create_index("ix_case_notes_case_id_written_at", "case_notes", ["case_id", "written_at"])


def downgrade() -> None:
    op.drop_index("ix_case_notes_case_id_written_at", table_name="case_notes")
    op.drop_table("case_notes")
    op.drop_index("ix_field_versions_defender_id", table_name="field_versions")
    op.drop_index("ix_field_versions_case_id_replaced_at", table_name="field_versions")
    op.drop_table("field_versions")
