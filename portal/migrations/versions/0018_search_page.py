"""search_page: the PostgreSQL search engine's rows (portal/search/pg.py)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 06:40:00

A new table only. On PostgreSQL its words are indexed with RUM when the extension can be
created (Debian: postgresql-15-rum) and GIN otherwise; on SQLite it stays unused.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

WORDS = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
CODES = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


def upgrade():
    op.create_table('search_page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('group_key', sa.BigInteger(), nullable=False),
    sa.Column('categories', CODES, nullable=False),
    sa.Column('sub_items', CODES, nullable=False),
    sa.Column('items', CODES, nullable=False),
    sa.Column('levels', CODES, nullable=False),
    sa.Column('file_kind', sa.String(length=16), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('page_label', sa.Text(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('question_text', sa.Text(), nullable=False),
    sa.Column('updated', sa.DateTime(), nullable=False),
    sa.Column('document_date', sa.Date(), nullable=True),
    sa.Column('uploaded', sa.Date(), nullable=True),
    sa.Column('words', WORDS, nullable=True),
    sa.Column('bigrams', WORDS, nullable=True),
    sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], name=op.f('fk_search_page_answer_id_answer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_search_page_evidence_id_evidence'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_page'))
    )
    with op.batch_alter_table('search_page', schema=None) as batch_op:
        batch_op.create_index('ix_search_page_agency_cycle', ['agency_id', 'cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_page_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_page_evidence_id'), ['evidence_id'], unique=False)
    with op.batch_alter_table('search_page', schema=None) as batch_op:
        if not _rum_created():
            batch_op.create_index('ix_search_page_words', ['words'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_search_page_bigrams', ['bigrams'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_search_page_items', ['items'], unique=False, postgresql_using='gin')


def _rum_created() -> bool:
    """RUM for the words on PostgreSQL when the extension is installed and may be created
    (a savepoint: a user without the right keeps GIN instead of failing the migration)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")).scalar():
        return False
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS rum"))
    except sa.exc.DBAPIError:
        return False
    op.execute("CREATE INDEX ix_search_page_words ON search_page USING rum (words rum_tsvector_ops)")
    return True


def downgrade():
    with op.batch_alter_table('search_page', schema=None) as batch_op:
        for name in ('ix_search_page_items', 'ix_search_page_bigrams', 'ix_search_page_words'):
            batch_op.drop_index(name)
        batch_op.drop_index(batch_op.f('ix_search_page_evidence_id'))
        batch_op.drop_index(batch_op.f('ix_search_page_answer_id'))
        batch_op.drop_index('ix_search_page_agency_cycle')
    op.drop_table('search_page')
