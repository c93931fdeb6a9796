"""the outbox wakes the relay: a NOTIFY on the channel samhandling_outbox when rows are inserted

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30

PostgreSQL only: a statement that inserts outbox rows notifies the channel, delivered when its
transaction commits (several in one transaction are one notification). The relay listens, so a new
event is published at once instead of at its next poll, and an idle relay asks the database once a
second instead of ten times. SQLite has no notifications; its relay polls as before.
"""
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# services/scheduler/relay.py listens on the same channel (OUTBOX_CHANNEL); a migration keeps its
# own copy, since migrations do not import the code written beside them.
FUNCTION = """
CREATE OR REPLACE FUNCTION samhandling_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('samhandling_outbox', '');
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)
        op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
        op.execute("CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
                   "FOR EACH STATEMENT EXECUTE FUNCTION samhandling_outbox_notify()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
        op.execute("DROP FUNCTION IF EXISTS samhandling_outbox_notify()")
