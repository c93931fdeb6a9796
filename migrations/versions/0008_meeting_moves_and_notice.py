"""who moved a meeting, when, and who agreed to a shorter notice

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('meeting', sa.Column('moved_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('meeting', sa.Column('moved_by', sa.String(length=254), nullable=True))
    op.add_column('meeting', sa.Column('notice_agreed_by', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('notice_agreed_by')
        batch_op.drop_column('moved_by')
        batch_op.drop_column('moved_at')
