"""referrals.merged_into_id: the referral a merged one was folded into (answers follow it)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

# worker/ledger/merge.py's reason on the merged referral's event, since the first merge.
_INTO = re.compile(r"the same intro as referral #(\d+)")


def upgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
    conn = op.get_bind()
    merges = conn.execute(sa.text("SELECT referral_id, reason FROM referral_events "
                                  "WHERE event = 'merge' AND accepted ORDER BY id")).all()
    for referral_id, reason in merges:
        found = _INTO.search(reason or "")
        if found:
            conn.execute(sa.text("UPDATE referrals SET merged_into_id = :into WHERE id = :id"),
                         {"into": int(found.group(1)), "id": referral_id})


def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_column('merged_into_id')
