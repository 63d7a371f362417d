"""outbox.mid_nonce: the random part of our Message-ID, drawn once per row

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mid_nonce', sa.String(length=32), nullable=False, server_default=''))
    # Rows never handed to a server get a random part now; one handed over (sent, unconfirmed)
    # keeps the Message-ID it went out with: a retry must carry the same one, and replies name it.
    outbox = sa.table('outbox', sa.column('id', sa.Integer), sa.column('mid_nonce', sa.String),
                      sa.column('handed_over_at', sa.DateTime), sa.column('message_id', sa.String))
    bind = op.get_bind()
    ids = bind.execute(sa.select(outbox.c.id).where(outbox.c.handed_over_at.is_(None),
                                                    outbox.c.message_id == '')).scalars().all()
    for row_id in ids:
        bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(mid_nonce=secrets.token_hex(8)))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('mid_nonce')
