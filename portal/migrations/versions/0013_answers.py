"""answers: the agency's answers to the guide's questions (with revisions and citations of
evidence), per checklist item a statement of what was done or why it does not apply, and per
sub-item the level the agency asks to be assessed at

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('carried_over', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_answer_agency_id_agency'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['cycle_id'], ['assessment_cycle.id'], name=op.f('fk_answer_cycle_id_assessment_cycle'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_answer_question_id_question'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_answer_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer')),
    sa.UniqueConstraint('agency_id', 'cycle_id', 'question_id', name=op.f('uq_answer_agency_id_cycle_id_question_id'))
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_question_id'), ['question_id'], unique=False)

    op.create_table('item_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('checklist_item_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('not_applicable', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('NOT not_applicable OR length(text) > 0', name=op.f('ck_item_statement_reason_given')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_item_statement_agency_id_agency'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['checklist_item_id'], ['checklist_item.id'], name=op.f('fk_item_statement_checklist_item_id_checklist_item'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['cycle_id'], ['assessment_cycle.id'], name=op.f('fk_item_statement_cycle_id_assessment_cycle'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_item_statement_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_statement')),
    sa.UniqueConstraint('agency_id', 'cycle_id', 'checklist_item_id', name=op.f('uq_item_statement_agency_id_cycle_id_checklist_item_id'))
    )
    with op.batch_alter_table('item_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_statement_checklist_item_id'), ['checklist_item_id'], unique=False)

    op.create_table('answer_citation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('page IS NULL OR page >= 1', name=op.f('ck_answer_citation_page_positive')),
    sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], name=op.f('fk_answer_citation_answer_id_answer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_answer_citation_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_answer_citation_evidence_id_evidence'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_citation')),
    sa.UniqueConstraint('answer_id', 'evidence_id', 'page', name=op.f('uq_answer_citation_answer_id_evidence_id_page'))
    )
    with op.batch_alter_table('answer_citation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_citation_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_citation_evidence_id'), ['evidence_id'], unique=False)

    op.create_table('answer_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], name=op.f('fk_answer_revision_answer_id_answer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['saved_by_id'], ['user_account.id'], name=op.f('fk_answer_revision_saved_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_revision'))
    )
    with op.batch_alter_table('answer_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_revision_answer_id'), ['answer_id'], unique=False)


    op.create_table('sub_item_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('sub_item_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("level IN ('basic', 'advance', 'significance')", name=op.f('ck_sub_item_claim_level_known')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_sub_item_claim_agency_id_agency'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['cycle_id'], ['assessment_cycle.id'], name=op.f('fk_sub_item_claim_cycle_id_assessment_cycle'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sub_item_id'], ['sub_item.id'], name=op.f('fk_sub_item_claim_sub_item_id_sub_item'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_sub_item_claim_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sub_item_claim')),
    sa.UniqueConstraint('agency_id', 'cycle_id', 'sub_item_id', name=op.f('uq_sub_item_claim_agency_id_cycle_id_sub_item_id'))
    )
    with op.batch_alter_table('sub_item_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sub_item_claim_sub_item_id'), ['sub_item_id'], unique=False)

    # Plain ADD COLUMN, never a batch rebuild of item_review (see 0011). Every status so far
    # was a reviewer's decision.
    op.add_column('item_review', sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('item_review', sa.Column('resubmitted_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE item_review SET decided_at = updated_at")
    # Carry-over from the previous cycle: which evidence a copy came from, and attachments the
    # agency has not confirmed yet (existing ones are confirmed).
    op.add_column('evidence', sa.Column('carried_from_id', sa.Integer(), nullable=True))
    op.add_column('evidence_attachment', sa.Column('awaiting_confirmation', sa.Boolean(), nullable=False,
                                                   server_default=sa.false()))


def downgrade():
    op.drop_column('evidence_attachment', 'awaiting_confirmation')
    op.drop_column('evidence', 'carried_from_id')
    for column in ('resubmitted_at', 'decided_at'):
        op.drop_column('item_review', column)  # SQLite ≥ 3.35 drops a column in place
    with op.batch_alter_table('sub_item_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sub_item_claim_sub_item_id'))

    op.drop_table('sub_item_claim')
    with op.batch_alter_table('answer_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_revision_answer_id'))

    op.drop_table('answer_revision')
    with op.batch_alter_table('answer_citation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_citation_evidence_id'))
        batch_op.drop_index(batch_op.f('ix_answer_citation_answer_id'))

    op.drop_table('answer_citation')
    with op.batch_alter_table('item_statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_statement_checklist_item_id'))

    op.drop_table('item_statement')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_question_id'))

    op.drop_table('answer')
