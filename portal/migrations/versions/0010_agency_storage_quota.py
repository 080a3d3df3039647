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
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('storage_quota_bytes', sa.BigInteger(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_agency_storage_quota_positive'), 'storage_quota_bytes IS NULL OR storage_quota_bytes > 0')


def downgrade():
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_agency_storage_quota_positive'), type_='check')
        batch_op.drop_column('storage_quota_bytes')
