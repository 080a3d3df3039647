"""the outbox of effects that follow a commit, and the heartbeat of an extraction's claim

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00

Evidence left "queued" or "extracting" by an older release has no outbox row; the worker's
sweep records one for it (portal/tasks.py), so nothing needs copying here.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_effect',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('extract', 'index', 'comment_notice', 'review_notice')",
                       name=op.f('ck_outbox_effect_kind_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_effect'))
    )
    op.create_index('ix_outbox_effect_kind_target', 'outbox_effect', ['kind', 'target_id'], unique=False)
    op.create_index(op.f('ix_outbox_effect_next_attempt_at'), 'outbox_effect', ['next_attempt_at'], unique=False)
    # A plain ADD COLUMN, never a batch rebuild: on SQLite the rebuild's DROP TABLE would
    # cascade to every row that points at evidence (see 0007).
    op.add_column('evidence', sa.Column('extraction_heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('evidence', 'extraction_heartbeat_at')  # SQLite ≥ 3.35 drops a column in place
    op.drop_index(op.f('ix_outbox_effect_next_attempt_at'), table_name='outbox_effect')
    op.drop_index('ix_outbox_effect_kind_target', table_name='outbox_effect')
    op.drop_table('outbox_effect')
