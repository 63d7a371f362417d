"""the ledger's stored flows: each member's sums are added up from them, and a write recomputes the
flows of the referrals it touched alone

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_flows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('way', sa.String(length=8), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('key', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('value_cents', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('introduced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('role_unknown', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_flows'))
    )
    op.create_index('ix_ledger_flows_member_id_key_referral_id', 'ledger_flows', ['member_id', 'key', 'referral_id'],
                    unique=False)
    # Sums stored before have no flows to update: computed again (with their flows) when next asked.
    op.execute("DELETE FROM ledger_summaries")


def downgrade() -> None:
    op.drop_index('ix_ledger_flows_member_id_key_referral_id', table_name='ledger_flows')
    op.drop_table('ledger_flows')
