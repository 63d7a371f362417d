"""languages: what each person last wrote to us in, and the language set for a member or partner

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('people', 'members', 'partners'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    for table in ('partners', 'members', 'people'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('language')
