"""the ledger's stored sums per (mailbox, member): each member's sums say which group's referrals
they were worked out over, and a referral or member moved to another mailbox is logged

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

# 0023's columns, and now the mailbox: a referral moved to another group leaves one group's ledger
# for the other's. (A member's move, like their addresses, changes who the group's members are.)
OLD_REFERRAL = ('status', 'value_cents', 'currency', 'introduced_at', 'introducer_id', 'member_id')
NEW_REFERRAL = (*OLD_REFERRAL, 'mailbox_id')
OLD_MEMBER, NEW_MEMBER = ('emails',), ('emails', 'mailbox_id')


def _sqlite(referral: tuple[str, ...], member: tuple[str, ...]) -> tuple[str, ...]:
    return (
        "DROP TRIGGER IF EXISTS ledger_referral_update",
        f"""CREATE TRIGGER ledger_referral_update AFTER UPDATE ON referrals
            WHEN {' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in referral)} BEGIN
            INSERT INTO ledger_changes (kind, referral_id, person_id, member_id)
            VALUES ('row', NEW.id, OLD.introducer_id, OLD.member_id); END""",
        "DROP TRIGGER IF EXISTS ledger_member_update",
        f"""CREATE TRIGGER ledger_member_update AFTER UPDATE ON members
            WHEN {' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in member)} BEGIN
            INSERT INTO ledger_changes (kind) VALUES ('all'); END""",
    )


def _postgresql(referral: tuple[str, ...], member: tuple[str, ...]) -> tuple[str, ...]:
    # members.emails is JSON: compared as text, as 0023 did.
    def changed(c: str) -> str:
        return f"OLD.{c}::text IS DISTINCT FROM NEW.{c}::text" if c == 'emails' else f"OLD.{c} IS DISTINCT FROM NEW.{c}"

    return (
        "DROP TRIGGER IF EXISTS ledger_referral_update ON referrals",
        f"""CREATE TRIGGER ledger_referral_update AFTER UPDATE ON referrals FOR EACH ROW
            WHEN ({' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in referral)})
            EXECUTE FUNCTION ledger_referral_changed()""",
        "DROP TRIGGER IF EXISTS ledger_member_update ON members",
        f"""CREATE TRIGGER ledger_member_update AFTER UPDATE ON members FOR EACH ROW
            WHEN ({' OR '.join(changed(c) for c in member)}) EXECUTE FUNCTION ledger_members_changed()""",
    )


def _triggers(referral: tuple[str, ...], member: tuple[str, ...]) -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for statement in _sqlite(referral, member) if sqlite else _postgresql(referral, member):
        op.execute(statement)


def upgrade() -> None:
    with op.batch_alter_table('ledger_summaries') as batch:
        batch.add_column(sa.Column('mailbox_id', sa.Integer(), nullable=True))
    # Sums stored before were worked out over every group at once: computed again when next asked.
    op.execute("DELETE FROM ledger_summaries")
    _triggers(NEW_REFERRAL, NEW_MEMBER)


def downgrade() -> None:
    _triggers(OLD_REFERRAL, OLD_MEMBER)
    op.execute("DELETE FROM ledger_summaries")
    with op.batch_alter_table('ledger_summaries') as batch:
        batch.drop_column('mailbox_id')
