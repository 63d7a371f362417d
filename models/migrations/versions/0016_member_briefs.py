"""member_briefs: each member's ideal-referral brief (great referral, not a fit, clients' words)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member_briefs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('great', sa.Text(), nullable=False),
    sa.Column('not_fit', sa.Text(), nullable=False),
    sa.Column('words', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_briefs_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_briefs')),
    sa.UniqueConstraint('member_id', name=op.f('uq_member_briefs_member_id'))
    )


def downgrade() -> None:
    op.drop_table('member_briefs')
