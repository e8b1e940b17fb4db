"""hearings, consent, statements, closure

Revision ID: 7f33b3d57e0b
Revises: 9e2c999f3b57
Create Date: 2026-11-23 02:08:50.084793+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hrd_cases.db

revision: str = "7f33b3d57e0b"
down_revision: str | None = "9e2c999f3b57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("given_on", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("notes_ciphertext", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_consents_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_consents_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_case_id"), ["case_id"], unique=False)

    op.create_table(
        "hearings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("scheduled_for", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("court", sa.String(length=200), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "scheduled",
                "observed",
                "not_observed",
                "report_filed",
                name="hearing_state",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "postponed",
                "acquitted",
                "convicted",
                "dismissed",
                "other",
                name="hearing_outcome",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("charges_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("report_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("observed_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("report_filed_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_hearings_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_hearings_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearings")),
    )
    with op.batch_alter_table("hearings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hearings_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hearings_scheduled_for"), ["scheduled_for"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hearings_state"), ["state"], unique=False)

    op.create_table(
        "statements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "local_eu_statement",
                "hrvp_spokesperson",
                "private_demarche",
                "social_media",
                name="statement_level",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitted",
                "approved",
                "rejected",
                "published",
                "withdrawn",
                name="statement_state",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("approvals_required", sa.Integer(), nullable=False),
        sa.Column("draft_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("published_text", sa.Text(), nullable=True),
        sa.Column("publication_url", sa.String(length=500), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_statements_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_statements_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_statements_submitted_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
    )
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statements_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_statements_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_statements_submitted_at"), ["submitted_at"], unique=False
        )

    op.create_table(
        "consent_scopes",
        sa.Column("consent_id", sa.Uuid(), nullable=False),
        sa.Column(
            "scope",
            sa.Enum(
                "public_statement",
                "private_demarche",
                "referral_data_sharing",
                "trial_observation",
                name="consent_scope",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name=op.f("fk_consent_scopes_consent_id_consents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("consent_id", "scope", name=op.f("pk_consent_scopes")),
    )
    op.create_table(
        "hearing_observers",
        sa.Column("hearing_id", sa.Uuid(), nullable=False),
        sa.Column("embassy", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["hearing_id"],
            ["hearings.id"],
            name=op.f("fk_hearing_observers_hearing_id_hearings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hearing_id", "embassy", name=op.f("pk_hearing_observers")),
    )
    op.create_table(
        "statement_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("approve", sa.Boolean(), nullable=False),
        sa.Column("decided_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["users.id"],
            name=op.f("fk_statement_decisions_officer_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_decisions_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_decisions")),
        sa.UniqueConstraint(
            "statement_id",
            "officer_id",
            name=op.f("uq_statement_decisions_statement_id_officer_id"),
        ),
    )
    with op.batch_alter_table("statement_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_decisions_statement_id"), ["statement_id"], unique=False
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("assessed_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "closure_outcome",
                sa.Enum(
                    "risk_reduced",
                    "relocated",
                    "resolved",
                    "contact_lost",
                    "defender_request",
                    "other",
                    name="closure_outcome",
                    native_enum=False,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("closure_reason_ciphertext", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("reopened_at", hrd_cases.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("reopened_at")
        batch_op.drop_column("closure_reason_ciphertext")
        batch_op.drop_column("closure_outcome")
        batch_op.drop_column("assessed_at")

    with op.batch_alter_table("statement_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_decisions_statement_id"))

    op.drop_table("statement_decisions")
    op.drop_table("hearing_observers")
    op.drop_table("consent_scopes")
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statements_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_statements_state"))
        batch_op.drop_index(batch_op.f("ix_statements_case_id"))

    op.drop_table("statements")
    with op.batch_alter_table("hearings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hearings_state"))
        batch_op.drop_index(batch_op.f("ix_hearings_scheduled_for"))
        batch_op.drop_index(batch_op.f("ix_hearings_case_id"))

    op.drop_table("hearings")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_case_id"))

    op.drop_table("consents")
