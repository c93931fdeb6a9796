"""index the notifications by recipient and kind, for the workspace's "Kopi til meg"

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

The inbox's copies tab asks, per case, whether the signed-in contact was mailed the case
(shared.access.copy_held); without this index that is a scan of every notification (measured
by bench/workspace.py: 219 ms p95 at 100,000 cases).
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_notification_recipient_kind_case', 'notification', ['recipient', 'kind', 'case_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_notification_recipient_kind_case', table_name='notification')
