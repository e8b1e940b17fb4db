"""attachments: encrypted evidence files in authenticated chunks

Two tables: attachments (clear size, category, content type, timestamps; title and file name
encrypted under the case's data key) and attachment_chunks (sealed chunks, when files are kept
in the database). A downgrade would destroy evidence: it refuses while any file exists.

Revision ID: 1c04e860ddc8
Revises: b7c3e1a9d2f4
Create Date: 2026-11-29 02:29:54.358300+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hrd_cases.db

revision: str = "1c04e860ddc8"
down_revision: str | None = "b7c3e1a9d2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "link_kind",
            sa.Enum(
                "case",
                "referral",
                "hearing",
                "statement",
                "note",
                name="attachment_link",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("link_id", sa.Uuid(), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "threat_evidence",
                "legal_document",
                "court_decision",
                "medical",
                "financial",
                "photo",
                "other",
                name="attachment_category",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("storage", sa.String(length=16), nullable=False),
        sa.Column("title_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("filename_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_attachments_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_attachments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attachments_case_id_created_at", ["case_id", "created_at"], unique=False
        )

    op.create_table(
        "attachment_chunks",
        sa.Column("attachment_id", sa.Uuid(), nullable=False),
        sa.Column("index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_attachment_chunks_attachment_id_attachments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attachment_id", "index", name=op.f("pk_attachment_chunks")),
    )


def downgrade() -> None:
    files = op.get_bind().execute(sa.text("SELECT count(*) FROM attachments")).scalar()
    if files:
        raise RuntimeError(
            f"refusing to downgrade: {files} evidence file(s) would be destroyed; remove them "
            "(or restore this revision's code) first"
        )
    op.drop_table("attachment_chunks")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_case_id_created_at")

    op.drop_table("attachments")
