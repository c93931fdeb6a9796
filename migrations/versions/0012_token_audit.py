"""who created and who revoked an API token in the workspace (/arbeid/tilgang's audit log)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('revoked_by', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('revoked_by')
        batch_op.drop_column('created_by')
