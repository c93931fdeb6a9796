"""a contact's language (nb or nn), for their pages and e-mails

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

Every contact so far has had bokmål, so the server default fills them in.
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='nb', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('language')
