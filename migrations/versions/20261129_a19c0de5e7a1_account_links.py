"""account links (single-use invitation, re-enrolment and password-reset links, stored
hashed); audit viewer indexes and chain checkpoints

An admin invites a user instead of choosing their password; a forgotten password is reset by
a link. Only the SHA-256 of each token is kept. The audit viewer filters by actor, action,
case and outcome and pages by seq: one composite index per filter. A checkpoint records how
far the hash chain was found intact, so the viewer re-checks only newer entries.

Revision ID: a19c0de5e7a1
Revises: 4c0a7e2d9b15
Create Date: 2026-11-29 03:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hrd_cases.db import UTCDateTime

revision: str = "a19c0de5e7a1"
down_revision: str | None = "4c0a7e2d9b15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The audit viewer's filters, each ending in seq (keyset paging newest first).
AUDIT_INDEXES = {
    "ix_audit_entries_actor_id_seq": ["actor_id", "seq"],
    "ix_audit_entries_action_seq": ["action", "seq"],
    "ix_audit_entries_object_seq": ["object_type", "object_id", "seq"],
    "ix_audit_entries_outcome_seq": ["outcome", "seq"],
}


def upgrade() -> None:
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_account_links_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_links_token_hash")),
    )
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_links_user_id"), ["user_id"], unique=False)
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("verified_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        for name, columns in AUDIT_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        for name in AUDIT_INDEXES:
            batch_op.drop_index(name)
    op.drop_table("audit_checkpoints")
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_links_user_id"))
    op.drop_table("account_links")
