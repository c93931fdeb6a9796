"""indexes for the staff's case list (newest first per filter) and the compliance report

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

`GET /api/v1/cases` sorts by (created_at, id) newest first after an optional filter on type,
status, assignee or overdue; each gets an index that ends in the sort, so a page is read in
order instead of sorting every matching case. The status index replaces the one on status
alone (its leading column serves the same lookups). Compliance reads a year's cases of one
type and a year's deadlines by due date. Measured by bench/growth.py.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_status')
        batch_op.create_index('ix_case_newest', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_case_type_newest', ['type', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_case_status_newest', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_case_assignee_newest', ['assignee', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_case_overdue_newest', ['created_at', 'id'], unique=False,
                              postgresql_where=sa.text('overdue IS true'),
                              sqlite_where=sa.text('overdue IS true'))
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.create_index('ix_deadline_due', ['due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.drop_index('ix_deadline_due')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_overdue_newest')
        batch_op.drop_index('ix_case_assignee_newest')
        batch_op.drop_index('ix_case_status_newest')
        batch_op.drop_index('ix_case_type_newest')
        batch_op.drop_index('ix_case_newest')
        batch_op.create_index('ix_case_status', ['status'], unique=False)
