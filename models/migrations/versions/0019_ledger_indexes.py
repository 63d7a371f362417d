"""indexes for answers from the database: the ledger's flows, listings in pages, duties that read what is due

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# (table, name, columns). The ledger starts from the members' people: their parties (by person) and
# the intros they wrote (by introducer), each index holding what the ledger reads so the wide
# referral rows are not visited; the duties find what is due by state and time.
INDEXES = (
    ('referral_parties', 'ix_referral_parties_person_id_referral_id_role', ['person_id', 'referral_id', 'role']),
    ('referral_parties', 'ix_referral_parties_referral_id_role_person_id', ['referral_id', 'role', 'person_id']),
    ('referrals', 'ix_referrals_introducer_id_status_flows',
     ['introducer_id', 'status', 'introduced_at', 'member_id', 'value_cents', 'currency']),
    ('referrals', 'ix_referrals_status_introduced_at', ['status', 'introduced_at']),
    ('referrals', 'ix_referrals_won_at', ['won_at']),
    ('referral_events', 'ix_referral_events_at', ['at']),
    ('follow_ups', 'ix_follow_ups_status_due_at', ['status', 'due_at']),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite plans without statistics unless asked for them: with none, it may read the
        # ledger through a narrower index and visit the table rows (a third slower at 100k referrals).
        # PostgreSQL's autovacuum keeps its own.
        op.execute("ANALYZE")


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
