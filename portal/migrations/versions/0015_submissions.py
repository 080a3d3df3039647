"""submissions: the agency signer role, a cycle deadline, and frozen submissions

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
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
    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('manifest_sha256', sa.String(length=64), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('number >= 1', name=op.f('ck_submission_number_positive')),
    sa.CheckConstraint('(reopened_at IS NULL) = (reopen_reason IS NULL)', name=op.f('ck_submission_reopened_with_reason')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_submission_agency_id_agency'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['cycle_id'], ['assessment_cycle.id'], name=op.f('fk_submission_cycle_id_assessment_cycle'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_submission_submitted_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['user_account.id'], name=op.f('fk_submission_reopened_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission')),
    sa.UniqueConstraint('agency_id', 'cycle_id', 'number', name=op.f('uq_submission_agency_id_cycle_id_number'))
    )
    op.create_index('uq_submission_one_open', 'submission', ['agency_id', 'cycle_id'], unique=True,
                    sqlite_where=sa.text('reopened_at IS NULL'), postgresql_where=sa.text('reopened_at IS NULL'))


def downgrade():
    op.drop_index('uq_submission_one_open', table_name='submission')
    op.drop_table('submission')
    op.drop_column('assessment_cycle', 'deadline')  # SQLite ≥ 3.35 drops a column in place
    op.execute("DELETE FROM role_grant WHERE role = 'agency_signer'")
    _role_checks(OLD_ROLES, OLD_SCOPED)
