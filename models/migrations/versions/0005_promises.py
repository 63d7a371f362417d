"""promises

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('promises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('partner_person_id', sa.Integer(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message_id', sa.String(length=400), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('said', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_promises_member_id_members')),
    sa.ForeignKeyConstraint(['partner_person_id'], ['people.id'], name=op.f('fk_promises_partner_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promises'))
    )
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promises_made_at'), ['made_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_promises_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_promises_partner_person_id'), ['partner_person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promises_partner_person_id'))
        batch_op.drop_index(batch_op.f('ix_promises_member_id'))
        batch_op.drop_index(batch_op.f('ix_promises_made_at'))

    op.drop_table('promises')
