"""the agreement numbers' sequence past the agreements written with their number

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30

0016 wrote agreement 1 with its number (and the demo loader writes each with its own), which leaves
PostgreSQL's sequence behind them: the next agreement added without a number would be given 1 again.
SQLite takes the next rowid from the table itself.
"""
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# shared/demo.py runs the same statement after it writes agreements with their numbers; a migration
# keeps its own copy, since migrations do not import the code written beside them.
CATCH_UP = ("SELECT setval(pg_get_serial_sequence('agreement', 'id'), "
            "GREATEST((SELECT max(id) FROM agreement), 1))")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CATCH_UP)


def downgrade() -> None:
    pass  # a sequence ahead of the rows is harmless
