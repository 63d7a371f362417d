"""referrals by mailbox: only the referrals of a mailbox in the `mailboxes` table are indexed

config.yaml's group's referrals (mailbox_id NULL: most or all of them) were every row of the index:
SQLite, with no statistics, read a group's question through it — every referral, then sorted —
instead of the index on status, date or member the question needed (the dashboard's lists).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

OTHER_MAILBOXES = sa.text('mailbox_id IS NOT NULL')


def upgrade() -> None:
    op.drop_index('ix_referrals_mailbox_id', table_name='referrals')
    op.create_index('ix_referrals_mailbox_id', 'referrals', ['mailbox_id'], unique=False,
                    sqlite_where=OTHER_MAILBOXES, postgresql_where=OTHER_MAILBOXES)


def downgrade() -> None:
    op.drop_index('ix_referrals_mailbox_id', table_name='referrals')
    op.create_index('ix_referrals_mailbox_id', 'referrals', ['mailbox_id'], unique=False)
