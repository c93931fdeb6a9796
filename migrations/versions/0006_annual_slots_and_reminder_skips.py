"""annual meeting slots, reminders fired once

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

LIVE = "status <> 'cancelled'"


def upgrade() -> None:
    op.add_column('meeting', sa.Column('annual_slot', sa.String(length=20), nullable=True))
    op.create_index('uq_meeting_annual_slot', 'meeting', ['annual_slot'], unique=True,
                    postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
    op.add_column('meeting_reminder', sa.Column('skipped_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('uq_meeting_reminder_once', 'meeting_reminder', ['meeting_id', 'days_before'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_meeting_reminder_once', table_name='meeting_reminder')
    with op.batch_alter_table('meeting_reminder', schema=None) as batch_op:
        batch_op.drop_column('skipped_at')
    op.drop_index('uq_meeting_annual_slot', table_name='meeting',
                  postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('annual_slot')
