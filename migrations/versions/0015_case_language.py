"""the submitter's language on the case (nb, nn or en), for every e-mail to them

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

Existing cases were all submitted in bokmål, so the server default fills them in.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='nb', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('language')
