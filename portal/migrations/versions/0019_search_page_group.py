"""search_page: an index on the group column (portal/search/pg.py)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 11:05:00

The shown results' other matching pages and copies are read by their group; without an
index that read walked every page the words match (a million for a common word at
national scale) to keep the few of ten groups.
"""
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_page', schema=None) as batch_op:
        batch_op.create_index('ix_search_page_group_key', ['group_key'], unique=False)


def downgrade():
    with op.batch_alter_table('search_page', schema=None) as batch_op:
        batch_op.drop_index('ix_search_page_group_key')
