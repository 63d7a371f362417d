"""people.register: whether they write to us formally ("Sie", "vous") or not, for our answers

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('register', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('register')
