"""identity: security keys and single sign-on subjects

Revision ID: e86639f16367
Revises: 1c04e860ddc8
Create Date: 2026-11-29 03:25:33.172963+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hrd_cases.db

revision: str = 'e86639f16367'
down_revision: str | None = '1c04e860ddc8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('security_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('credential_id', sa.LargeBinary(length=1024), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('sign_count', sa.BigInteger(), nullable=False),
    sa.Column('backup_eligible', sa.Boolean(), nullable=False),
    sa.Column('backup_state', sa.Boolean(), nullable=False),
    sa.Column('transports', sa.String(length=200), nullable=False),
    sa.Column('last_challenge_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', hrd_cases.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', hrd_cases.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_security_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_keys')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_security_keys_credential_id'))
    )
    with op.batch_alter_table('security_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_keys_user_id'), ['user_id'], unique=False)

    # Plain ADD COLUMN and CREATE INDEX, never a batch rebuild of users: on SQLite the rebuild
    # drops the table, and ON DELETE CASCADE would empty sessions, codes and tokens with it.
    op.add_column('users', sa.Column('oidc_issuer', sa.String(length=255), nullable=True))
    op.add_column('users', sa.Column('oidc_subject', sa.String(length=255), nullable=True))
    op.create_index(
        'ix_users_oidc_identity', 'users', ['oidc_issuer', 'oidc_subject'], unique=True
    )



def downgrade() -> None:
    op.drop_index('ix_users_oidc_identity', table_name='users')
    # DROP COLUMN in place (SQLite >= 3.35), again without rebuilding users.
    op.drop_column('users', 'oidc_subject')
    op.drop_column('users', 'oidc_issuer')

    with op.batch_alter_table('security_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_keys_user_id'))

    op.drop_table('security_keys')
