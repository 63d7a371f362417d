"""partners

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('domain', sa.String(length=200), nullable=False),
    sa.Column('partner_type', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('referral_fee', sa.Text(), nullable=False),
    sa.Column('is_customer', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners'))
    )
    # A plain ADD COLUMN with its reference: SQLite can do that in place, whereas a batch
    # rebuild of `people` would trip over the tables that point at it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE people ADD COLUMN partner_id INTEGER "
                   "CONSTRAINT fk_people_partner_id_partners REFERENCES partners (id)")
    else:
        op.add_column('people', sa.Column('partner_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_people_partner_id_partners'), 'people', 'partners', ['partner_id'], ['id'])
    op.create_index(op.f('ix_people_partner_id'), 'people', ['partner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_people_partner_id_partners'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_people_partner_id'))
        batch_op.drop_column('partner_id')

    op.drop_table('partners')
