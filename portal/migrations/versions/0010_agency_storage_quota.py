"""agency storage quota

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER TABLE ADD COLUMN with its CHECK, never a batch rebuild: on SQLite the
    # rebuild's DROP TABLE of agency cascaded to every role grant (see 0007).
    op.add_column('agency', sa.Column(
        'storage_quota_bytes', sa.BigInteger(),
        sa.CheckConstraint('storage_quota_bytes IS NULL OR storage_quota_bytes > 0',
                           name=op.f('ck_agency_storage_quota_positive')),
        nullable=True))


def downgrade():
    if op.get_bind().dialect.name != "sqlite":  # SQLite drops the column with its own CHECK
        op.drop_constraint(op.f('ck_agency_storage_quota_positive'), 'agency', type_='check')
    op.drop_column('agency', 'storage_quota_bytes')
