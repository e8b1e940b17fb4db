"""referrals with four-eyes decisions, case timeline

Revision ID: 9e2c999f3b57
Revises: cfa1d95cf4d0
Create Date: 2026-11-23 02:05:36.761307+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hrd_cases.db

revision: str = "9e2c999f3b57"
down_revision: str | None = "cfa1d95cf4d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "mechanism",
            sa.Enum(
                "eu_hrd_mechanism",
                "eu_emergency_fund",
                "ms_temporary_relocation",
                "shelter_city",
                "un_special_procedures",
                "other",
                name="mechanism",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount_eur", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "requested",
                "approved",
                "rejected",
                "delivered",
                "closed",
                name="referral_state",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("approvals_required", sa.Integer(), nullable=False),
        sa.Column("justification_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "amount_eur IS NULL OR amount_eur >= 0", name=op.f("ck_referrals_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_referrals_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_referrals_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_referrals_requested_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referrals_requested_at"), ["requested_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_referrals_state"), ["state"], unique=False)

    op.create_table(
        "timeline_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=True),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_timeline_events_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_timeline_events_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_events")),
    )
    with op.batch_alter_table("timeline_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timeline_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "referral_assistance",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column(
            "assistance_type",
            sa.Enum(
                "physical_security",
                "digital_security",
                "communications",
                "security_capacity_building",
                "secure_transportation",
                "legal",
                "medical",
                "humanitarian_family_support",
                "urgent_relocation",
                "urgent_monitoring_advocacy",
                "other",
                name="assistance_type",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_assistance_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "referral_id", "assistance_type", name=op.f("pk_referral_assistance")
        ),
    )
    op.create_table(
        "referral_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("approve", sa.Boolean(), nullable=False),
        sa.Column("decided_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["users.id"],
            name=op.f("fk_referral_decisions_officer_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_decisions_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_decisions")),
        sa.UniqueConstraint(
            "referral_id", "officer_id", name=op.f("uq_referral_decisions_referral_id_officer_id")
        ),
    )
    with op.batch_alter_table("referral_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_decisions_referral_id"), ["referral_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("referral_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_decisions_referral_id"))

    op.drop_table("referral_decisions")
    op.drop_table("referral_assistance")
    with op.batch_alter_table("timeline_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeline_events_case_id"))

    op.drop_table("timeline_events")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_state"))
        batch_op.drop_index(batch_op.f("ix_referrals_requested_at"))
        batch_op.drop_index(batch_op.f("ix_referrals_case_id"))

    op.drop_table("referrals")
