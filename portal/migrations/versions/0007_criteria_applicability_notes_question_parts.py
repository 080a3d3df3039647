"""criteria: items for one agency type, the guide's glossary notes, question bullets

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:55:55.845467

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# (table, column): JSON lists, empty for the rows already there until `criteria load`.
COLUMNS = (("checklist_item", "applies_to"), ("question", "bullets"), ("sub_item", "glossary"))


def upgrade():
    for table, column in COLUMNS:
        # A plain ALTER TABLE ADD COLUMN, never a batch rebuild: on SQLite the rebuild's
        # DROP TABLE cascades to every row that points at the table (questions, checklist
        # items, their evidence attachments and reviews). The server default fills the rows
        # already there and stays; the models always set the value.
        op.add_column(table, sa.Column(column, sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade():
    for table, column in reversed(COLUMNS):
        op.drop_column(table, column)  # SQLite ≥ 3.35 drops a column in place, no rebuild
