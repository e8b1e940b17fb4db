"""encrypted records, data keys, cases, audit log

Revision ID: d00a16a0ccfa
Revises: 1895f7ed40a9
Create Date: 2026-11-23 01:48:23.379388+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hrd_cases.db

revision: str = "d00a16a0ccfa"
down_revision: str | None = "1895f7ed40a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    chain_head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    # The single chain-head row that serialises appends to the audit log.
    op.bulk_insert(chain_head, [{"id": 1, "last_seq": 0, "last_hash": "0" * 64}])
    op.create_table(
        "case_reference_counters",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("country", "year", name=op.f("pk_case_reference_counters")),
    )
    op.create_table(
        "data_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(length=128), nullable=True),
        sa.Column("created_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("erased_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_keys")),
    )
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.create_index("ix_data_keys_kek_version_id", ["kek_version", "id"], unique=False)

    op.create_table(
        "defenders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.Column("name_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("other_names_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("contact_details_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("location_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("organisation_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("date_of_birth_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("personal_notes_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("erased_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["data_key_id"],
            ["data_keys.id"],
            name=op.f("fk_defenders_data_key_id_data_keys"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_defenders")),
        sa.UniqueConstraint("data_key_id", name=op.f("uq_defenders_data_key_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_defenders_reference")),
    )
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_entries_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_audit_entries_entry_hash")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_at"), ["at"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column(
            "risk_level",
            sa.Enum(
                "low", "medium", "high", "critical", name="risk_level", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("opened_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.Column("narrative_ciphertext", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_cases_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["data_key_id"],
            ["data_keys.id"],
            name=op.f("fk_cases_data_key_id_data_keys"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_cases_delegation_id_delegations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("data_key_id", name=op.f("uq_cases_data_key_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_country"), ["country"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_delegation_id"), ["delegation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_opened_at"), ["opened_at"], unique=False)

    op.create_table(
        "defender_name_tokens",
        sa.Column("defender_id", sa.Uuid(), nullable=False),
        sa.Column("token", sa.LargeBinary(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["defender_id"],
            ["defenders.id"],
            name=op.f("fk_defender_name_tokens_defender_id_defenders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("defender_id", "token", name=op.f("pk_defender_name_tokens")),
    )
    with op.batch_alter_table("defender_name_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_defender_name_tokens_token", ["token"], unique=False)

    op.create_table(
        "case_defenders",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("defender_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_defenders_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["defender_id"],
            ["defenders.id"],
            name=op.f("fk_case_defenders_defender_id_defenders"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("case_id", "defender_id", name=op.f("pk_case_defenders")),
    )
    with op.batch_alter_table("case_defenders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_defenders_defender_id"), ["defender_id"], unique=False
        )

    op.create_table(
        "case_profile_categories",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "woman_hrd",
                "environmental_land",
                "lgbti",
                "indigenous",
                "journalist_media",
                "lawyer",
                "trade_unionist",
                "academic",
                "other",
                name="profile_category",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_profile_categories_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "category", name=op.f("pk_case_profile_categories")),
    )
    op.create_table(
        "case_threats",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "threat",
            sa.Enum(
                "judicial_harassment",
                "arbitrary_detention",
                "physical_attack",
                "threats_intimidation",
                "surveillance",
                "smear_campaign",
                "travel_ban",
                "enforced_disappearance",
                "killing_of_relative",
                "other",
                name="threat_type",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_threats_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "threat", name=op.f("pk_case_threats")),
    )


def downgrade() -> None:
    op.drop_table("case_threats")
    op.drop_table("case_profile_categories")
    with op.batch_alter_table("case_defenders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_defenders_defender_id"))

    op.drop_table("case_defenders")
    with op.batch_alter_table("defender_name_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_defender_name_tokens_token")

    op.drop_table("defender_name_tokens")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_opened_at"))
        batch_op.drop_index(batch_op.f("ix_cases_delegation_id"))
        batch_op.drop_index(batch_op.f("ix_cases_country"))

    op.drop_table("cases")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_at"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_action"))

    op.drop_table("audit_entries")
    op.drop_table("defenders")
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_data_keys_kek_version_id")

    op.drop_table("data_keys")
    op.drop_table("case_reference_counters")
    op.drop_table("audit_chain_head")
