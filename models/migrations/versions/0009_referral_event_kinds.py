"""referral events: what happened, the follow-up step, and a key that applies an answer once

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answer_key', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_referral_events_answer_key'), ['answer_key'])


def downgrade() -> None:
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_referral_events_answer_key'), type_='unique')
        batch_op.drop_column('answer_key')
        batch_op.drop_column('step')
        batch_op.drop_column('event')
