"""the ledger's stored flows by referral: a write looks up and replaces the flows of the referrals it
touched (member and referral), which without this index read each member's every stored flow

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03
"""
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_ledger_flows_referral_id_member_id', 'ledger_flows', ['referral_id', 'member_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_ledger_flows_referral_id_member_id', table_name='ledger_flows')
