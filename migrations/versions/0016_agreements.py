"""several agreements in one installation; sameier beside borettslag; each company's bylaws' cap

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30

SPEC §8. The agreement this installation has run so far becomes agreement 1, named from its
directory (the municipality's and the association's organisation), and every company, contact,
case, meeting, handbook version and token already there belongs to it. A token with no agreement
covers every agreement of its contact. Meetings are one a day per committee, so the two unique
indexes take the agreement first.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

LIVE = "status <> 'cancelled'"
# Tables whose rows all belong to agreement 1 until an agreement is named.
OWNED = ('cooperative', 'case', 'meeting', 'handbook_version')


def _organisation(connection: sa.Connection, party: str, fallback: str) -> str:
    found = connection.execute(sa.text(
        "SELECT organisation FROM contact WHERE party = :party AND organisation <> '' "
        "ORDER BY role <> 'main_contact', id LIMIT 1"), {"party": party}).scalar()
    return str(found or fallback)


def _add_agreement_column(table: str, postgresql: bool) -> None:
    """A nullable agreement_id referring to agreement.id (alembic would ALTER the constraint
    separately, which SQLite cannot; its ADD COLUMN takes the REFERENCES clause itself)."""
    if postgresql:
        op.add_column(table, sa.Column('agreement_id', sa.Integer(), nullable=True))
        op.create_foreign_key(f'fk_{table}_agreement', table, 'agreement', ['agreement_id'], ['id'])
    else:
        op.execute(f'ALTER TABLE "{table}" ADD COLUMN agreement_id INTEGER '
                   f'CONSTRAINT fk_{table}_agreement REFERENCES agreement (id)')


def upgrade() -> None:
    agreement = op.create_table(
        'agreement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('municipality', sa.String(length=200), nullable=False),
        sa.Column('association', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    connection = op.get_bind()
    municipality = _organisation(connection, 'municipality', 'Kommunen')
    association = _organisation(connection, 'association', 'Boligbyggelaget')
    op.bulk_insert(agreement, [{'id': 1, 'name': f'{municipality} og {association}',
                                'municipality': municipality, 'association': association}])
    op.create_table(
        'contact_agreement',
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('agreement_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id']),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('contact_id', 'agreement_id'),
    )
    op.create_index('ix_contact_agreement_agreement_id', 'contact_agreement', ['agreement_id'], unique=False)
    op.execute("INSERT INTO contact_agreement (contact_id, agreement_id) SELECT id, 1 FROM contact")

    # SQLite can neither copy a table other tables refer to while foreign keys are on (batch mode)
    # nor add a referencing column with a default: there the column is added nullable and filled,
    # and the models' default names agreement 1 for new rows; PostgreSQL gets NOT NULL as well.
    postgresql = connection.dialect.name == 'postgresql'
    for table in OWNED:
        _add_agreement_column(table, postgresql)
        op.execute(f'UPDATE "{table}" SET agreement_id = 1')
        if postgresql:
            op.alter_column(table, 'agreement_id', nullable=False, server_default='1')
        op.create_index(f'ix_{table}_agreement_id', table, ['agreement_id'], unique=False)
    op.add_column('cooperative', sa.Column('kind', sa.String(length=20), nullable=False,
                                           server_default='borettslag'))
    op.add_column('cooperative', sa.Column('sections', sa.Integer(), nullable=True))
    op.add_column('cooperative', sa.Column('bylaws_public_cap', sa.Integer(), nullable=True))
    op.add_column('cooperative', sa.Column('bylaws_public_cap_unit', sa.String(length=10), nullable=True))
    _add_agreement_column('api_token', postgresql)
    op.drop_index('uq_meeting_one_a_day', table_name='meeting')
    op.drop_index('uq_meeting_annual_slot', table_name='meeting')
    op.create_index('uq_meeting_one_a_day', 'meeting', ['agreement_id', 'held_on'], unique=True,
                    postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
    op.create_index('uq_meeting_annual_slot', 'meeting', ['agreement_id', 'annual_slot'], unique=True,
                    postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))


def downgrade() -> None:
    op.drop_index('uq_meeting_annual_slot', table_name='meeting')
    op.drop_index('uq_meeting_one_a_day', table_name='meeting')
    op.create_index('uq_meeting_one_a_day', 'meeting', ['held_on'], unique=True,
                    postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
    op.create_index('uq_meeting_annual_slot', 'meeting', ['annual_slot'], unique=True,
                    postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
    # SQLite 3.35+ drops a column (not one with a foreign key, nor in an index): PostgreSQL only.
    for table in (*OWNED, 'api_token'):
        if table != 'api_token':
            op.drop_index(f'ix_{table}_agreement_id', table_name=table)
        op.drop_constraint(f'fk_{table}_agreement', table, type_='foreignkey')
        op.drop_column(table, 'agreement_id')
    for column in ('bylaws_public_cap_unit', 'bylaws_public_cap', 'sections', 'kind'):
        op.drop_column('cooperative', column)
    op.drop_index('ix_contact_agreement_agreement_id', table_name='contact_agreement')
    op.drop_table('contact_agreement')
    op.drop_table('agreement')
