"""metric definition: formula, data source, baseline, responsible unit, process sub-item

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TEXT_COLUMNS = (('formula', sa.Text()), ('data_source', sa.Text()),
                ('responsible_unit', sa.String(length=255)), ('process_sub_item', sa.String(length=16)))


def upgrade():
    # Plain ADD COLUMNs, never a batch rebuild: result_metric_evidence points at result_metric,
    # and SQLite's DROP TABLE of a rebuild would cascade to its rows (see 0007). Existing
    # metrics get an empty definition.
    for name, type_ in TEXT_COLUMNS:
        op.add_column('result_metric', sa.Column(name, type_, nullable=False, server_default=sa.text("''")))
    op.add_column('result_metric', sa.Column('baseline', sa.Float(), nullable=True))


def downgrade():
    op.drop_column('result_metric', 'baseline')  # SQLite ≥ 3.35 drops a column in place
    for name, _ in reversed(TEXT_COLUMNS):
        op.drop_column('result_metric', name)
