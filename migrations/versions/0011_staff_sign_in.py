"""staff workspace sign-in: single-use e-mail links and server-side sessions

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

SPEC §7: a link asked for at /logg-inn is valid 15 minutes and used once; a session ends after
30 idle minutes or 8 hours. Only digests of the session ids are stored.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sign_in_link',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('browser_digest', sa.String(length=64), nullable=False),
        sa.Column('next_path', sa.String(length=500), nullable=False),
        sa.Column('mailed', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_sign_in_link_email', 'sign_in_link', ['email'], unique=False)
    op.create_table(
        'staff_session',
        sa.Column('id_digest', sa.String(length=64), nullable=False),
        sa.Column('contact_email', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id_digest'),
    )
    op.create_index('ix_staff_session_contact_email', 'staff_session', ['contact_email'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_staff_session_contact_email', table_name='staff_session')
    op.drop_table('staff_session')
    op.drop_index('ix_sign_in_link_email', table_name='sign_in_link')
    op.drop_table('sign_in_link')
