"""edit versions: a version on every record people edit in forms

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

VERSIONED = ('evidence', 'evidence_attachment', 'item_review', 'comment', 'result_metric', 'agency',
             'user_account')


def upgrade():
    for table in VERSIONED:
        # A plain ALTER TABLE ADD COLUMN, never a batch rebuild: on SQLite the rebuild's
        # DROP TABLE cascades to every row that points at these tables (see 0007). Rows
        # already there start at version 1; the server default stays, the models set it.
        op.add_column(table, sa.Column('version', sa.Integer(), nullable=False, server_default=sa.text('1')))
    # Who changed a record last, and when, comes from the audit trail (portal/versions.py).
    op.create_index('ix_audit_event_object', 'audit_event', ['object_type', 'object_id'])


def downgrade():
    op.drop_index('ix_audit_event_object', table_name='audit_event')
    for table in reversed(VERSIONED):
        op.drop_column(table, 'version')  # SQLite ≥ 3.35 drops a column in place, no rebuild
