"""submissions: the agency signer role, a cycle deadline, and frozen submissions

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-02 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None

OLD_ROLES = ("agency_editor", "agency_viewer", "reviewer", "assessor", "admin")
OLD_SCOPED = ("agency_editor", "agency_viewer", "reviewer")
NEW_ROLES = ("agency_editor", "agency_viewer", "agency_signer", "reviewer", "assessor", "admin")
NEW_SCOPED = ("agency_editor", "agency_viewer", "agency_signer", "reviewer")


def _listed(names) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _role_checks(roles, scoped) -> None:
    # role_grant is the one table whose CHECKs change: nothing points at it, so SQLite's
    # batch rebuild (the only way it changes a CHECK) cannot cascade to other rows.
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_role_grant_role_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_role_grant_agency_only_for_scoped_roles'), type_='check')
        batch_op.create_check_constraint(op.f('ck_role_grant_role_known'), f"role IN ({_listed(roles)})")
        batch_op.create_check_constraint(op.f('ck_role_grant_agency_only_for_scoped_roles'),
                                         f"(role IN ({_listed(scoped)})) = (agency_id IS NOT NULL)")


def upgrade():
    _role_checks(NEW_ROLES, NEW_SCOPED)
    # A plain ADD COLUMN, never a batch rebuild: evidence, answers and metrics point at
    # assessment_cycle, and SQLite's DROP TABLE would cascade to them (see 0007).
    op.add_column('assessment_cycle', sa.Column('deadline', sa.Date(), nullable=True))


def downgrade():
    op.drop_column('assessment_cycle', 'deadline')  # SQLite ≥ 3.35 drops a column in place
    op.execute("DELETE FROM role_grant WHERE role = 'agency_signer'")
    _role_checks(OLD_ROLES, OLD_SCOPED)
