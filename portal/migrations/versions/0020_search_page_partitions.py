"""search_page: 16 partitions, a word-pairs column, words, pairs and filters in one index

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 15:00:00

Measured at a million pages (README, "Search on PostgreSQL"):
- A word on nearly every page built GIN's bitmap of all its pages (170 ms) before a capped
  count read its first 10,001. Hash partitions on id: a capped statement stops in the first
  partition(s) that fill its LIMIT, and each partition's bitmap is a sixteenth of the pages.
- A filter was a second bitmap ANDed with the word's whole one. The words index now holds
  agency, cycle and categories too (btree_gin), so a filter is one more key of the same GIN
  scan, which skips through the common word's pages by the filter's few.
- A phrase was checked on every page GIN found with its words (positions are not in GIN).
  Each two neighbouring words of a field are now one lexeme of a `pairs` column (no
  positions, portal.search.analyzer.word_pairs), in the same index, so a two-word phrase is
  one index key. (In the words themselves they doubled the words ranking reads.) The rows
  already here get their pairs from their own positions (one SQL function).
- The btree on (agency, cycle) goes: the planner took it for an agency's search and read
  every page of the agency's words out of TOAST to test the word (260 ms at 1M pages).
- RUM (0018's choice where installed) is not used any more: three times slower to write,
  and slower than GIN at a million pages except on phrases, which the pairs now serve.

On SQLite the table is unused (Whoosh serves search): only the words index is made as the
model declares it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

PARTITIONS = 16
FILTERED = "(words, pairs, agency_id, cycle_id, categories)"

# A row's pairs from the positions of its words: the neighbour one position on (the writer
# leaves a gap between title, file name and text, so no pair crosses fields).
WORD_PAIRS = """
CREATE FUNCTION pg_temp.word_pairs(words tsvector) RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_to_tsvector(array_agg(DISTINCT pair)), ''::tsvector) FROM (
    SELECT lexeme || ' ' || lead(lexeme) OVER next_word AS pair, lead(at) OVER next_word - at AS step
    FROM unnest(words) AS word(lexeme, positions, weights), unnest(word.positions) AS at
    WINDOW next_word AS (ORDER BY at)) neighbours
  WHERE step = 1
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table('search_page', schema=None) as batch_op:
            batch_op.add_column(sa.Column('pairs', sa.Text(), nullable=True))
            batch_op.drop_index('ix_search_page_agency_cycle')
            batch_op.drop_index('ix_search_page_words')
            batch_op.create_index('ix_search_page_words', ['words', 'pairs', 'agency_id', 'cycle_id', 'categories'])
        return
    filters_in_index = _extension_created("btree_gin")
    op.execute("CREATE TABLE search_page_new (LIKE search_page INCLUDING DEFAULTS) PARTITION BY HASH (id)")
    op.execute("ALTER TABLE search_page_new ADD COLUMN pairs tsvector")
    _try("ALTER TABLE search_page_new ALTER COLUMN words SET COMPRESSION lz4")  # faster to read than pglz
    for remainder in range(PARTITIONS):
        op.execute(f"CREATE TABLE search_page_p{remainder} PARTITION OF search_page_new "
                   f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {remainder})")
    op.execute(WORD_PAIRS)
    op.execute("INSERT INTO search_page_new SELECT *, pg_temp.word_pairs(words) FROM search_page")
    _replace_table("search_page_new")
    if not filters_in_index:  # (then a filter is a second bitmap, from the btree)
        op.create_index('ix_search_page_agency_cycle', 'search_page', ['agency_id', 'cycle_id'])
    op.execute(f"CREATE INDEX ix_search_page_words ON search_page USING gin "
               f"{FILTERED if filters_in_index else '(words, pairs)'}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table('search_page', schema=None) as batch_op:
            batch_op.drop_index('ix_search_page_words')
            batch_op.create_index('ix_search_page_words', ['words'])
            batch_op.create_index('ix_search_page_agency_cycle', ['agency_id', 'cycle_id'])
            batch_op.drop_column('pairs')
        return
    op.execute("DROP INDEX ix_search_page_words")
    op.execute("ALTER TABLE search_page DROP COLUMN pairs")
    op.execute("CREATE TABLE search_page_old (LIKE search_page INCLUDING DEFAULTS)")
    op.execute("INSERT INTO search_page_old SELECT * FROM search_page")
    _replace_table("search_page_old")
    op.create_index('ix_search_page_agency_cycle', 'search_page', ['agency_id', 'cycle_id'])
    op.execute("CREATE INDEX ix_search_page_words ON search_page USING gin (words)")


def _replace_table(new: str) -> None:
    """`new` becomes search_page, with the id sequence, keys and indexes the old one had."""
    op.execute(f"ALTER SEQUENCE search_page_id_seq OWNED BY {new}.id")
    op.execute("DROP TABLE search_page")
    op.execute(f"ALTER TABLE {new} RENAME TO search_page")
    op.create_primary_key('pk_search_page', 'search_page', ['id'])
    op.create_foreign_key('fk_search_page_answer_id_answer', 'search_page', 'answer', ['answer_id'], ['id'],
                          ondelete='CASCADE')
    op.create_foreign_key('fk_search_page_evidence_id_evidence', 'search_page', 'evidence', ['evidence_id'], ['id'],
                          ondelete='CASCADE')
    op.create_index('ix_search_page_answer_id', 'search_page', ['answer_id'])
    op.create_index('ix_search_page_evidence_id', 'search_page', ['evidence_id'])
    op.create_index('ix_search_page_group_key', 'search_page', ['group_key'])
    op.create_index('ix_search_page_bigrams', 'search_page', ['bigrams'], postgresql_using='gin')
    op.create_index('ix_search_page_items', 'search_page', ['items'], postgresql_using='gin')


def _extension_created(name: str) -> bool:
    """In a savepoint: a database user without the right keeps the plain index instead of
    failing the migration (btree_gin is in PostgreSQL's contrib and trusted since 13)."""
    return _try(f"CREATE EXTENSION IF NOT EXISTS {name}")


def _try(statement: str) -> bool:
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text(statement))
    except sa.exc.DBAPIError:
        return False
    return True
