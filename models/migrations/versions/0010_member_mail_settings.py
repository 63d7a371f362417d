"""members' mail settings: whether partners hear a deal's value, and the introledger footer

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_value', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('footer', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('footer')
        batch_op.drop_column('share_value')
