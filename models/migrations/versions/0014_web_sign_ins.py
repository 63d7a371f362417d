"""the dashboard's sign-in links and sessions (hashed tokens)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_sign_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('client', sa.String(length=100), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_web_sign_ins_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sign_ins')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_sign_ins_token_hash'))
    )
    op.create_index('ix_web_sign_ins_email_created_at', 'web_sign_ins', ['email', 'created_at'], unique=False)
    op.create_index('ix_web_sign_ins_client_created_at', 'web_sign_ins', ['client', 'created_at'], unique=False)
    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_web_sessions_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_sessions_token_hash'))
    )


def downgrade() -> None:
    op.drop_table('web_sessions')
    op.drop_index('ix_web_sign_ins_client_created_at', table_name='web_sign_ins')
    op.drop_index('ix_web_sign_ins_email_created_at', table_name='web_sign_ins')
    op.drop_table('web_sign_ins')
