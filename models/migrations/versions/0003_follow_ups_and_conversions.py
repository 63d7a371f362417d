"""follow-ups and conversions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server defaults: existing rows get values; the models set them for new rows.
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_follow_ups_outbox_id_outbox')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_follow_ups_referral_id_referrals'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('referral_id', 'step', name=op.f('uq_follow_ups_referral_id'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_status'), ['status'], unique=False)

    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('accepted', sa.Boolean(), nullable=False, server_default=sa.true()))

    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('outcome_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('qualified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('won_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_column('won_at')
        batch_op.drop_column('qualified_at')
        batch_op.drop_column('outcome_note')
        batch_op.drop_column('currency')
        batch_op.drop_column('value_cents')

    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.drop_column('accepted')
        batch_op.drop_column('currency')

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_status'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_referral_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_due_at'))

    op.drop_table('follow_ups')
