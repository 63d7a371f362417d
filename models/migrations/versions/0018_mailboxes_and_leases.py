"""mailboxes and leases: tracking mailboxes in the database, each a group of members with its
referrals, and the leases that spread their watchers over `run` processes

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('leases',
    sa.Column('name', sa.String(length=400), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )
    op.create_table('mailboxes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=63), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailboxes')),
    sa.UniqueConstraint('address', name=op.f('uq_mailboxes_address')),
    sa.UniqueConstraint('name', name=op.f('uq_mailboxes_name'))
    )
    op.create_table('watchers',
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('holder', name=op.f('pk_watchers'))
    )
    with op.batch_alter_table('watchers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watchers_seen_at'), ['seen_at'], unique=False)

    # A plain ADD COLUMN with its reference (as 0004 does): SQLite can do that in place, whereas a
    # batch rebuild of `referrals` would drop it and, with foreign keys on, cascade-delete the rows
    # pointing at it (its events, parties).
    for table in ('members', 'referrals'):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE {table} ADD COLUMN mailbox_id INTEGER "
                       f"CONSTRAINT fk_{table}_mailbox_id_mailboxes REFERENCES mailboxes (id)")
        else:
            op.add_column(table, sa.Column('mailbox_id', sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(f'fk_{table}_mailbox_id_mailboxes'), table, 'mailboxes', ['mailbox_id'], ['id'])
        op.create_index(op.f(f'ix_{table}_mailbox_id'), table, ['mailbox_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_referrals_mailbox_id_mailboxes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_referrals_mailbox_id'))
        batch_op.drop_column('mailbox_id')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_members_mailbox_id_mailboxes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_members_mailbox_id'))
        batch_op.drop_column('mailbox_id')

    with op.batch_alter_table('watchers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watchers_seen_at'))

    op.drop_table('watchers')
    op.drop_table('mailboxes')
    op.drop_table('leases')
