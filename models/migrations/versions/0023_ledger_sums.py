"""the ledger's stored sums per member, the triggers that say which members a write touched, and
referrals by member and status

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

# What moves a member's figures (worker/ledger/flows.py reads exactly these columns). Triggers, not
# ORM events: a write by any process, in SQL of its own or through the ORM, is seen all the same.
REFERRAL_COLUMNS = ('status', 'value_cents', 'currency', 'introduced_at', 'introducer_id', 'member_id')
PARTY_COLUMNS = ('referral_id', 'person_id', 'role')

SQLITE = (
    """CREATE TRIGGER ledger_referral_insert AFTER INSERT ON referrals BEGIN
        INSERT INTO ledger_changes (kind, referral_id) VALUES ('row', NEW.id); END""",
    f"""CREATE TRIGGER ledger_referral_update AFTER UPDATE ON referrals
        WHEN {' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in REFERRAL_COLUMNS)} BEGIN
        INSERT INTO ledger_changes (kind, referral_id, person_id, member_id)
        VALUES ('row', NEW.id, OLD.introducer_id, OLD.member_id); END""",
    # BEFORE: the parties are still there to say whose ledgers it was in.
    """CREATE TRIGGER ledger_referral_delete BEFORE DELETE ON referrals BEGIN
        INSERT INTO ledger_changes (kind, person_id, member_id) VALUES ('row', OLD.introducer_id, OLD.member_id);
        INSERT INTO ledger_changes (kind, person_id) SELECT 'row', person_id FROM referral_parties
        WHERE referral_id = OLD.id; END""",
    """CREATE TRIGGER ledger_party_insert AFTER INSERT ON referral_parties BEGIN
        INSERT INTO ledger_changes (kind, referral_id, person_id) VALUES ('row', NEW.referral_id, NEW.person_id);
        END""",
    f"""CREATE TRIGGER ledger_party_update AFTER UPDATE ON referral_parties
        WHEN {' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in PARTY_COLUMNS)} BEGIN
        INSERT INTO ledger_changes (kind, referral_id, person_id) VALUES ('row', OLD.referral_id, OLD.person_id);
        INSERT INTO ledger_changes (kind, referral_id, person_id) VALUES ('row', NEW.referral_id, NEW.person_id);
        END""",
    """CREATE TRIGGER ledger_party_delete AFTER DELETE ON referral_parties BEGIN
        INSERT INTO ledger_changes (kind, referral_id, person_id) VALUES ('row', OLD.referral_id, OLD.person_id);
        END""",
    """CREATE TRIGGER ledger_person_update AFTER UPDATE ON people
        WHEN OLD.partner_id IS NOT NEW.partner_id OR OLD.email IS NOT NEW.email BEGIN
        INSERT INTO ledger_changes (kind, person_id, email) VALUES ('person', NEW.id, OLD.email); END""",
    """CREATE TRIGGER ledger_member_insert AFTER INSERT ON members BEGIN
        INSERT INTO ledger_changes (kind) VALUES ('all'); END""",
    """CREATE TRIGGER ledger_member_update AFTER UPDATE ON members WHEN OLD.emails IS NOT NEW.emails BEGIN
        INSERT INTO ledger_changes (kind) VALUES ('all'); END""",
    """CREATE TRIGGER ledger_member_delete AFTER DELETE ON members BEGIN
        INSERT INTO ledger_changes (kind) VALUES ('all'); END""",
)

POSTGRESQL = (
    """CREATE FUNCTION ledger_referral_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO ledger_changes (kind, referral_id) VALUES ('row', NEW.id);
        ELSIF TG_OP = 'UPDATE' THEN
            INSERT INTO ledger_changes (kind, referral_id, person_id, member_id)
            VALUES ('row', NEW.id, OLD.introducer_id, OLD.member_id);
        ELSE
            INSERT INTO ledger_changes (kind, person_id, member_id) VALUES ('row', OLD.introducer_id, OLD.member_id);
            INSERT INTO ledger_changes (kind, person_id)
            SELECT 'row', person_id FROM referral_parties WHERE referral_id = OLD.id;
            RETURN OLD;
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER ledger_referral_insert AFTER INSERT ON referrals
        FOR EACH ROW EXECUTE FUNCTION ledger_referral_changed()""",
    f"""CREATE TRIGGER ledger_referral_update AFTER UPDATE ON referrals FOR EACH ROW
        WHEN ({' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in REFERRAL_COLUMNS)})
        EXECUTE FUNCTION ledger_referral_changed()""",
    """CREATE TRIGGER ledger_referral_delete BEFORE DELETE ON referrals
        FOR EACH ROW EXECUTE FUNCTION ledger_referral_changed()""",
    """CREATE FUNCTION ledger_party_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO ledger_changes (kind, referral_id, person_id) VALUES ('row', OLD.referral_id, OLD.person_id);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO ledger_changes (kind, referral_id, person_id) VALUES ('row', NEW.referral_id, NEW.person_id);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER ledger_party_insert_delete AFTER INSERT OR DELETE ON referral_parties
        FOR EACH ROW EXECUTE FUNCTION ledger_party_changed()""",
    f"""CREATE TRIGGER ledger_party_update AFTER UPDATE ON referral_parties FOR EACH ROW
        WHEN ({' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in PARTY_COLUMNS)})
        EXECUTE FUNCTION ledger_party_changed()""",
    """CREATE FUNCTION ledger_person_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO ledger_changes (kind, person_id, email) VALUES ('person', NEW.id, OLD.email);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER ledger_person_update AFTER UPDATE ON people FOR EACH ROW
        WHEN (OLD.partner_id IS DISTINCT FROM NEW.partner_id OR OLD.email IS DISTINCT FROM NEW.email)
        EXECUTE FUNCTION ledger_person_changed()""",
    """CREATE FUNCTION ledger_members_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO ledger_changes (kind) VALUES ('all');
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER ledger_member_insert_delete AFTER INSERT OR DELETE ON members
        FOR EACH ROW EXECUTE FUNCTION ledger_members_changed()""",
    """CREATE TRIGGER ledger_member_update AFTER UPDATE ON members FOR EACH ROW
        WHEN (OLD.emails::text IS DISTINCT FROM NEW.emails::text) EXECUTE FUNCTION ledger_members_changed()""",
)
TRIGGERS = {'referrals': ('ledger_referral_insert', 'ledger_referral_update', 'ledger_referral_delete'),
            'referral_parties': ('ledger_party_insert', 'ledger_party_update', 'ledger_party_delete',
                                 'ledger_party_insert_delete'),
            'people': ('ledger_person_update',),
            'members': ('ledger_member_insert', 'ledger_member_update', 'ledger_member_delete',
                        'ledger_member_insert_delete')}
FUNCTIONS = ('ledger_referral_changed', 'ledger_party_changed', 'ledger_person_changed', 'ledger_members_changed')


def upgrade() -> None:
    op.create_table('ledger_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_changes'))
    )
    op.create_table('ledger_summaries',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_ledger_summaries'))
    )
    op.create_table('ledger_sums',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=8), nullable=False),
    sa.Column('key', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('last_us', sa.BigInteger(), nullable=True),
    sa.Column('g_referrals', sa.Integer(), nullable=False),
    sa.Column('g_connected', sa.Integer(), nullable=False),
    sa.Column('g_qualified', sa.Integer(), nullable=False),
    sa.Column('g_won', sa.Integer(), nullable=False),
    sa.Column('g_went_nowhere', sa.Integer(), nullable=False),
    sa.Column('g_role_unknown', sa.Integer(), nullable=False),
    sa.Column('g_last_us', sa.BigInteger(), nullable=True),
    sa.Column('g_amounts', sa.String(length=400), nullable=False),
    sa.Column('r_referrals', sa.Integer(), nullable=False),
    sa.Column('r_connected', sa.Integer(), nullable=False),
    sa.Column('r_qualified', sa.Integer(), nullable=False),
    sa.Column('r_won', sa.Integer(), nullable=False),
    sa.Column('r_went_nowhere', sa.Integer(), nullable=False),
    sa.Column('r_role_unknown', sa.Integer(), nullable=False),
    sa.Column('r_last_us', sa.BigInteger(), nullable=True),
    sa.Column('r_amounts', sa.String(length=400), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_sums'))
    )
    op.create_index('ix_ledger_sums_member_id_part', 'ledger_sums', ['member_id', 'part'], unique=False)
    op.create_table('ledger_lock',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_lock'))
    )
    op.execute("INSERT INTO ledger_lock (id) VALUES (1)")
    op.create_index('ix_referrals_member_id_status', 'referrals', ['member_id', 'status'], unique=False)
    for statement in SQLITE if op.get_bind().dialect.name == 'sqlite' else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, names in TRIGGERS.items():
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {table}"))
    if not sqlite:
        for name in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index('ix_referrals_member_id_status', table_name='referrals')
    op.drop_table('ledger_lock')
    op.drop_index('ix_ledger_sums_member_id_part', table_name='ledger_sums')
    op.drop_table('ledger_sums')
    op.drop_table('ledger_summaries')
    op.drop_table('ledger_changes')
