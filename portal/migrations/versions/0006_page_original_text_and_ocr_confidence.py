"""evidence pages keep the text as the file gave it and the OCR confidence

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:00:00

Pages extracted before this revision have no original text: their text went through the
Thai repair in every format. `flask evidence reextract` (without --repair-only) reads
them again from the stored files.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence_page', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('ocr_confidence', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('evidence_page', schema=None) as batch_op:
        batch_op.drop_column('ocr_confidence')
        batch_op.drop_column('original_text')
