"""promotions and member_pages: each member's recommended partners and their public page

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('promotions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('show_email', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_promotions_member_id_members')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_promotions_partner_id_partners'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promotions')),
    sa.UniqueConstraint('member_id', 'partner_id', name=op.f('uq_promotions_member_id'))
    )
    op.create_index(op.f('ix_promotions_member_id'), 'promotions', ['member_id'], unique=False)
    op.create_index(op.f('ix_promotions_partner_id'), 'promotions', ['partner_id'], unique=False)
    op.create_table('member_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('order_by', sa.String(length=10), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('disclosure', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_pages_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_pages')),
    sa.UniqueConstraint('member_id', name=op.f('uq_member_pages_member_id')),
    sa.UniqueConstraint('slug', name=op.f('uq_member_pages_slug'))
    )


def downgrade() -> None:
    op.drop_table('member_pages')
    op.drop_index(op.f('ix_promotions_partner_id'), table_name='promotions')
    op.drop_index(op.f('ix_promotions_member_id'), table_name='promotions')
    op.drop_table('promotions')
