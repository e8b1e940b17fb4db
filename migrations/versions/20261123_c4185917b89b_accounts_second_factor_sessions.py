"""accounts: second factor, sessions, throttling, api tokens, instance flags

Revision ID: c4185917b89b
Revises: d00a16a0ccfa
Create Date: 2026-11-23 01:57:13.795752+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hrd_cases.db

revision: str = "c4185917b89b"
down_revision: str | None = "d00a16a0ccfa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instance_flags",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("set_at", hrd_cases.db.UTCDateTime(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance_flags")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", hrd_cases.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", hrd_cases.db.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", hrd_cases.db.UTCDateTime(), nullable=True),
        sa.Column("last_used_at", hrd_cases.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_prefix"), ["prefix"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("used_at", hrd_cases.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", hrd_cases.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", hrd_cases.db.UTCDateTime(), nullable=False),
        sa.Column("ended_at", hrd_cases.db.UTCDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("password_changed_at", hrd_cases.db.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("data_key_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("totp_secret_ciphertext", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("totp_enrolled_at", hrd_cases.db.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "failed_login_count", sa.Integer(), server_default=sa.text("0"), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("failed_login_window_start", hrd_cases.db.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("throttled_until", hrd_cases.db.UTCDateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_data_key_id"), ["data_key_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_users_data_key_id_data_keys"),
            "data_keys",
            ["data_key_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_data_key_id_data_keys"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_users_data_key_id"), type_="unique")
        batch_op.drop_column("throttled_until")
        batch_op.drop_column("failed_login_window_start")
        batch_op.drop_column("failed_login_count")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enrolled_at")
        batch_op.drop_column("totp_secret_ciphertext")
        batch_op.drop_column("data_key_id")
        batch_op.drop_column("password_changed_at")

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))

    op.drop_table("user_sessions")
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_user_id"))

    op.drop_table("recovery_codes")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_api_tokens_prefix"))

    op.drop_table("api_tokens")
    op.drop_table("instance_flags")
