"""delegations name the embassies that share trial observation; account links can wait for
their e-mail

An admin edits a delegation's observation partners (EU or a Member State's code) in the
browser. An invitation, re-enrolment or password-reset link sent by e-mail keeps its token
encrypted under the user's data key until the worker has sent it (then the ciphertext is
cleared); its outbox row points at the link.

Revision ID: b7d3e5a1c942
Revises: b2d4f6a8c0e1
Create Date: 2026-11-29 06:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d3e5a1c942"
down_revision: str | None = "b2d4f6a8c0e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delegation_observation_partners",
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("embassy", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_delegation_observation_partners_delegation_id_delegations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "delegation_id", "embassy", name=op.f("pk_delegation_observation_partners")
        ),
    )
    with op.batch_alter_table("account_links") as batch:
        batch.add_column(sa.Column("token_ciphertext", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("account_link_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_outbox_messages_account_link_id_account_links"),
            "account_links",
            ["account_link_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(
            op.f("ix_outbox_messages_account_link_id"), ["account_link_id"], unique=False
        )


def downgrade() -> None:
    # A link e-mail not yet sent cannot be told apart from a notification without its
    # column: it goes (the admin issues the link again), and so does every pending token.
    op.execute("DELETE FROM outbox_messages WHERE account_link_id IS NOT NULL")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_index(op.f("ix_outbox_messages_account_link_id"))
        batch.drop_constraint(
            op.f("fk_outbox_messages_account_link_id_account_links"), type_="foreignkey"
        )
        batch.drop_column("account_link_id")
    with op.batch_alter_table("account_links") as batch:
        batch.drop_column("token_ciphertext")
    op.drop_table("delegation_observation_partners")
