"""The PostgreSQL search engine (SEARCH_BACKEND = "postgres"), for a national installation
where every web worker on every machine reads one database. The same analyzer's tokens as
the Whoosh index, kept in the table search_page (portal/models/search.py): a tsvector of
words with positions (title weighted A, file name C, text D), one of word pairs and one of
letter pairs.

- Rows are written **in the transaction of the change**: a session hook before each commit
  rewrites the rows of the evidence and answers the transaction recorded for indexing
  (effects.record "index"/"index_answer"), so nothing can drift from the database and
  nothing is lost when a process dies. The worker's later index job rewrites them again
  (harmless), and `search reindex` rebuilds them from the stored text.
- Matching, scope and every filter are SQL; the tsvector literals are built here from the
  analyzer's tokens (PostgreSQL's own parser never splits Thai).
- Totals and facets count results (an evidence and its copies, grouped as Whoosh's index
  groups them) over at most CANDIDATE_CAP matching pages in one statement: above the cap
  the total shows as "มากกว่า N". Ranking sees at most RANKED_PAGES pages, the first found
  (the README says what that costs in relevance).
- The table is in hash partitions by id and one GIN index holds the words, word pairs,
  agency, cycle and categories (migration 0020): a capped statement stops in the first
  partitions that fill it, and every word, pair and filter is a key of one index scan, which
  skips through a common key's pages by the rarest key's. Phrases are looked up by their word
  pairs (analyzer.word_pairs), not by every page holding their words.
"""
import re
from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import (Text, and_, bindparam, cast, delete, event, func, literal, literal_column, or_, select,
                        union_all)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, TSVECTOR
from sqlalchemy.orm import Session, selectinload

from portal.database import end_transaction, reading, write
from portal.extensions import db
from portal.models import Answer
from portal.models.search import SearchPage
from portal.search import answer_documents, choice
from portal.search.analyzer import bigram_set, lowercase_words, thai_analyzer, word_pairs
from portal.search.matching import BOOSTS
from portal.search.index import SearchUnavailable, _live_evidence, documents_for, rebuild_todo, stamp
from portal.search.query import LISTED_PAGES, QUOTED, Results, make_hit
from portal.search.suggest import closest, corrected

CANDIDATE_CAP = 10_000  # matching pages counted per search; more are shown as "more than"
# A phrase of three words or more is checked page by page (its words side by side, after the
# index found the pages with all its pairs): fewer of those pages are counted.
CHECKED_CAP = 2_000
RANKED_PAGES = 1_000  # matching pages ranked per search (the first found)
POSITION_LIMIT = 16383  # PostgreSQL's largest lexeme position
# ts_rank's weights {D (text), C (file name), B (unused), A (title)} from the ranking table
# both engines use, scaled to PostgreSQL's 0…1.
_TOP = max(BOOSTS["content"], BOOSTS["file_name"], BOOSTS["title"])
RANK_WEIGHTS = "{%g, %g, 0, %g}" % (BOOSTS["content"] / _TOP, BOOSTS["file_name"] / _TOP, BOOSTS["title"] / _TOP)
FILTER_COLUMNS = {"category": "categories", "sub_item": "sub_items", "item": "items", "level": "levels"}
TABLE = SearchPage.__table__


@dataclass
class Handle:
    """What backend.open_index() hands to search(): the database is the index."""
    name: str = "postgres"

    def close(self) -> None:
        """Nothing to let go of: every query runs on the request's own session."""


def open_index(_folder=None) -> Handle:
    if db.engine.dialect.name != "postgresql":
        raise SearchUnavailable("ดัชนีค้นหาแบบ PostgreSQL ใช้ได้เฉพาะเมื่อฐานข้อมูลเป็น PostgreSQL")
    return Handle()


# Tokens and tsvector literals --------------------------------------------------------

def _quoted(lexeme: str) -> str:
    if "'" in lexeme or "\\" in lexeme:
        lexeme = lexeme.replace("\\", "\\\\").replace("'", "''")
    return "'" + lexeme + "'"


def tokens(text: str) -> list[str]:
    """The analyzer's lowercased words, as the Whoosh index has them."""
    return lowercase_words(text)


def bigram_tokens(text: str) -> set[str]:
    return bigram_set(text)


POSITIONS = "\x01"  # between a lexeme and its positions in _literal's entries


def _literal(entries) -> str:
    """A tsvector literal of these lexemes, each quoted, in one pass over one string rather
    than a call per lexeme (a page has over a thousand). An entry may carry its positions
    after POSITIONS. No lexeme holds \\x00 or \\x01: the analyzer's words are letters,
    digits and apostrophes."""
    if not entries:
        return ""
    joined = "\x00".join(entries)
    if "'" in joined or "\\" in joined:
        joined = joined.replace("\\", "\\\\").replace("'", "''")
    if POSITIONS in joined:
        return "'" + joined.replace(POSITIONS, "':").replace("\x00", " '")
    return "'" + joined.replace("\x00", "' '") + "'"


def vectors(title: str, file_name: str, content: str) -> tuple[str, str]:
    """Two tsvector literals. The words: title tokens weighted A, file name C, text D (the
    default, left unwritten), positions kept per field with gaps between them, so a phrase
    never runs from one field into the next; each lexeme written once with all its
    positions. PostgreSQL sets positions past POSITION_LIMIT to it. The word pairs of each
    field, without positions: a phrase's index keys, in their own column so that ranking
    and phrase checks read only the words."""
    positions: defaultdict[str, list[str]] = defaultdict(list)
    pairs: set[str] = set()
    position = 1
    for text, weight in ((title, "A"), (file_name, "C"), (content, "")):
        field = tokens(text)
        for at, token in enumerate(field, position):
            positions[token].append(f"{at}{weight}")
        position += len(field) + 10
        pairs.update(word_pairs(field))
    return _literal([token + POSITIONS + ",".join(at) for token, at in positions.items()]), _literal(pairs)


def bigrams_vector(title: str, content: str) -> str:
    return _literal(bigram_tokens(title) | bigram_tokens(content))


# Writing -------------------------------------------------------------------------

def _row(document: dict) -> dict:
    """A search_page row from the same document dict the Whoosh index is written from."""
    codes = lambda name: [c for c in (document.get(name) or "").split(",") if c]  # noqa: E731
    words, pairs = vectors(document.get("title") or "", document.get("file_name") or "", document.get("content") or "")
    return {
        "evidence_id": int(document["evidence"]) if document.get("evidence") else None,
        "answer_id": int(document["answer"]) if document.get("answer") else None,
        "agency_id": int(document["agency"]), "cycle_id": int(document["cycle"]),
        "group_key": document["group"], "categories": codes("categories"), "sub_items": codes("sub_items"),
        "items": codes("items"), "levels": codes("levels"), "file_kind": document.get("file_kind") or "",
        "file_name": document.get("file_name") or "", "title": document.get("title") or "",
        "page": int(document.get("page") or 0), "page_label": document.get("page_label") or "",
        "content": document.get("content") or "",
        "question_id": int(document["question"]) if document.get("question") else None,
        "question_text": document.get("question_text") or "", "updated": document["updated"],
        "document_date": document["document_date"].date() if document.get("document_date") else None,
        "uploaded": document["uploaded"].date() if document.get("uploaded") else None,
        "words": words, "pairs": pairs,
        "bigrams": bigrams_vector(document.get("title") or "", document.get("content") or ""),
    }


INSERT = TABLE.insert().values(**{column: cast(bindparam(column), TSVECTOR) for column in ("words", "pairs", "bigrams")})


def write_rows(session, evidence_ids=(), answer_ids=()) -> None:
    """Make the rows of these evidence and answers agree with the session's state (in the
    caller's transaction): old rows out, the live ones' rows in."""
    evidence_ids, answer_ids = sorted(set(evidence_ids)), sorted(set(answer_ids))
    if evidence_ids:
        session.execute(delete(SearchPage).where(SearchPage.evidence_id.in_(evidence_ids)))
    if answer_ids:
        session.execute(delete(SearchPage).where(SearchPage.answer_id.in_(answer_ids)))
    documents = []
    if evidence_ids:
        documents += [d for evidence in _live_evidence(evidence_ids) for d in documents_for(evidence)]
    if answer_ids:
        answers = session.scalars(select(Answer).where(Answer.id.in_(answer_ids))
                                  .options(selectinload(Answer.question)))
        documents += [d for d in map(answer_documents.document_for, answers) if d]
    if documents:
        session.execute(INSERT, [_row(d) for d in documents])


def in_use() -> bool:
    return choice.name() == "postgres"


def _before_commit(session) -> None:
    """The transaction's own index rows, written before it commits (effects.record)."""
    from portal import effects

    if not session.info.get(effects.PENDING) or not _session_in_app():
        return
    wanted = effects.pending(session)
    if not (wanted.get("index") or wanted.get("index_answer")) or not in_use():
        return
    session.flush()
    write_rows(session, wanted.get("index", ()), wanted.get("index_answer", ()))


def _session_in_app() -> bool:
    try:
        return bool(current_app)
    except RuntimeError:
        return False


def listen() -> None:
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)


def _commit(work) -> None:
    """One transaction of index rows that leaves the caller's loaded objects as they were
    (the worker and a rebuild hold objects across it, as with the Whoosh index)."""
    session = db.session()
    previous, session.expire_on_commit = session.expire_on_commit, False
    try:
        write(work)
    finally:
        session.expire_on_commit = previous


def update_evidence(_folder, evidence_ids) -> None:
    _commit(lambda: write_rows(db.session, [int(i) for i in evidence_ids]))


def update_answers(_folder, answer_ids) -> None:
    _commit(lambda: write_rows(db.session, (), [int(i) for i in answer_ids]))


def rebuild(_folder, progress=None, batch: int = 200, fresh: bool = False) -> int:
    """Every row again from the stored text, a batch of evidence per transaction (searches
    meanwhile see the rows not yet rewritten, never a half-written evidence)."""
    todo, done, total = rebuild_todo(0, progress)
    _commit(lambda: db.session.execute(delete(SearchPage).where(SearchPage.evidence_id.not_in(todo or [-1]))))
    for start in range(0, len(todo), batch):
        chunk = todo[start:start + batch]
        _commit(lambda: write_rows(db.session, chunk))
        db.session.expunge_all()
        done += len(chunk)
        if progress:
            progress(done, total)
    for chunk in answer_documents.batches(answer_documents.all_answer_ids()):
        _commit(lambda: write_rows(db.session, (), chunk))
    _commit(lambda: db.session.execute(delete(SearchPage).where(
        SearchPage.answer_id.is_not(None), SearchPage.answer_id.not_in(answer_documents.all_answer_ids() or [-1]))))
    return total


def indexed_stamps(_folder, field: str = "evidence") -> dict[int, int]:
    column = SearchPage.evidence_id if field == "evidence" else SearchPage.answer_id
    with reading():
        rows = db.session.execute(select(column, func.max(SearchPage.updated)).where(column.is_not(None))
                                  .group_by(column)).all()
    end_transaction(keep_loaded=True)
    return {key: stamp(updated) for key, updated in rows}


# Searching -------------------------------------------------------------------------

def _tsquery(pieces: list[list[str]]) -> str:
    """Each piece's words side by side (a phrase), every piece required: what ranks."""
    return " & ".join("(" + " <-> ".join(_quoted(w) for w in words) + ")" for words in pieces if words)


def _match_tsqueries(pieces: list[list[str]]) -> tuple[str, str]:
    """What finds the same pages as _tsquery by index keys, as (words, pairs) tsqueries: a
    word itself, a phrase by its word pairs. Two words are one pair, exact; a longer phrase
    also keeps its words side by side, checked on the pages that have all its pairs (nearly
    always the phrase itself)."""
    words, pairs = [], []
    for piece in pieces:
        if len(piece) == 1:
            words.append(_quoted(piece[0]))
            continue
        pairs += map(_quoted, word_pairs(piece))
        if len(piece) > 2:
            words.append("(" + " <-> ".join(map(_quoted, piece)) + ")")
    return " & ".join(words), " & ".join(pairs)


def parse(text: str) -> tuple[list[list[str]], list[set[str]]]:
    """Query pieces: a quoted phrase, or a space-separated word (a Thai run the analyzer
    splits into several words is a phrase, as in Whoosh's multitoken_query); and each
    piece's letter pairs for the recall fallback."""
    raw = QUOTED.findall(text) + QUOTED.sub(" ", text).split()
    pieces = [tokens(piece) for piece in raw]
    grams = [bigram_tokens(piece) for piece in raw]
    return [p for p in pieces if p], [g for g in grams if g]


def _filters(agency_ids, filters: dict, dates) -> list:
    parts = []
    if agency_ids is not None:
        # One agency (its own staff's scope) as `=`: a key of the words index; a list is not.
        parts.append(SearchPage.agency_id == next(iter(agency_ids)) if len(agency_ids) == 1
                     else SearchPage.agency_id.in_(sorted(agency_ids) or [-1]))
    for name, value in filters.items():
        if not value:
            continue
        if name == "agency":
            parts.append(SearchPage.agency_id == int(value) if str(value).isdigit() else literal(False))
        elif name == "cycle":
            parts.append(SearchPage.cycle_id == int(value) if str(value).isdigit() else literal(False))
        elif name == "kind":
            parts.append(SearchPage.file_kind == value)
        elif name in FILTER_COLUMNS:
            parts.append(getattr(SearchPage, FILTER_COLUMNS[name]).op("@>")(cast(literal([str(value)]), ARRAY(Text))))
    if dates and (dates.start or dates.end):
        column = SearchPage.document_date if dates.field == "document" else SearchPage.uploaded
        in_range = and_(*([column >= dates.start] if dates.start else []), *([column <= dates.end] if dates.end else []))
        if dates.undated_let_in:
            in_range = or_(in_range, and_(SearchPage.evidence_id.is_not(None), SearchPage.document_date.is_(None)))
        parts.append(in_range)
    return parts


def _counts(match, where: list, cap: int) -> tuple[int, bool, dict[str, dict[str, int]]]:
    """The total of results (groups) and the facets over at most `cap` matching pages, in
    one statement: (total, capped, facets)."""
    capped = (select(SearchPage.group_key, SearchPage.agency_id, SearchPage.file_kind, SearchPage.categories)
              .where(match, *where).limit(cap + 1).cte("capped"))
    groups = func.count(func.distinct(capped.c.group_key))
    category = func.unnest(capped.c.categories).table_valued("value").render_derived(name="category")
    statement = union_all(
        select(literal("total"), literal(""), groups, func.count()).select_from(capped),
        select(literal("agency"), cast(capped.c.agency_id, Text), groups, literal(0)).group_by(capped.c.agency_id),
        select(literal("kind"), capped.c.file_kind, groups, literal(0)).group_by(capped.c.file_kind),
        select(literal("category"), category.c.value, groups, literal(0))
        .select_from(capped.join(category, literal(True))).group_by(category.c.value))
    total, pages, facets = 0, 0, {"agency": {}, "kind": {}, "category": {}}
    for facet, value, count, rows in db.session.execute(statement):
        if facet == "total":
            total, pages = count, rows
        else:
            facets[facet][value] = count
    ordered = {name: dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))) for name, counts in facets.items()}
    return total, pages > cap, ordered


def _ranked(match, where: list, pieces, by_date: bool, limit: int) -> list:
    """At most `limit` matching pages to rank, the first found (the newest by date), each
    with ts_rank (weights from the one ranking table), computed for those pages only."""
    query = _ts(_tsquery(pieces)) if pieces else None
    rank = (func.ts_rank(literal_column(f"'{RANK_WEIGHTS}'::float4[]"), SearchPage.words, query)
            if pieces else literal(0.0))
    statement = (select(SearchPage.id, SearchPage.group_key, SearchPage.evidence_id, SearchPage.updated,
                        rank.label("rank")).where(match, *where))
    if by_date:
        statement = statement.order_by(SearchPage.updated.desc(), SearchPage.id)
    return db.session.execute(statement.limit(limit)).all()


def _ts(query: str):
    """A tsquery from its literal (lexemes quoted as they are: no parser, no stemming)."""
    return cast(literal(query), TSQUERY)


def _match(pieces, grams, with_bigrams: bool):
    by_words, by_pairs = _match_tsqueries(pieces)
    keys = ([SearchPage.words.op("@@")(_ts(by_words))] if by_words else []) + \
        ([SearchPage.pairs.op("@@")(_ts(by_pairs))] if by_pairs else [])
    words = and_(*keys) if keys else None
    if not with_bigrams or not grams:
        return words
    by_letters = SearchPage.bigrams.op("@@")(_ts(" & ".join(_quoted(g) for piece in grams for g in sorted(piece))))
    return or_(words, by_letters) if words is not None else by_letters


def search(_handle, text: str, agency_ids: set[int] | None, filters: dict[str, str] | None = None,
           page: int = 1, per_page: int = 10, sort: str = "relevance", searcher=None, dates=None) -> Results:
    """The portal's search, its statements planned as SEARCH_PLANNING says."""
    previous = _set_for_this_transaction(SEARCH_PLANNING)
    found = _search(text, agency_ids, filters, page, per_page, sort, dates)
    # Back as they were for the rest of the caller's transaction (after an error the
    # transaction is rolled back, and the settings with it).
    _set_for_this_transaction(previous)
    return found


# - No table scans: the planner counts `words @@ query` as cheap, but on the table it reads
#   each page's words out of TOAST (5 kB a page): a word on nearly every page was counted by
#   reading 10,000 pages' words (190 ms at 100k pages), while the index answers a word or
#   words with no reading of the words at all (phrases are checked on the rows it found).
# - A plan for each search's own words and filters: psycopg prepares a statement run five
#   times, and PostgreSQL then may keep one generic plan for any words, which at a million
#   pages took 250-330 ms for searches the custom plan answers in 60-80.
SEARCH_PLANNING = {"enable_seqscan": "off", "plan_cache_mode": "force_custom_plan"}


def _set_for_this_transaction(settings: dict[str, str]) -> dict[str, str]:
    """Set these planner settings for the rest of the transaction; the values they had."""
    return {name: db.session.execute(sql_text("SELECT current_setting(:name), set_config(:name, :value, true)"),
                                     {"name": name, "value": value}).scalar()
            for name, value in settings.items()}


def _search(text, agency_ids, filters, page, per_page, sort, dates) -> Results:
    filters = filters or {}
    text = (text or "").strip()[:500]
    page = max(page, 1)
    pieces, grams = parse(text)
    where = _filters(agency_ids, filters, dates)
    if text and not pieces and not grams:  # only punctuation: nothing to find
        return Results(query=text, total=0, page=page, pages=1, hits=[])
    # Words first; the letter pairs only when the words find less than a page (as Whoosh).
    with_bigrams = bool(text) and not pieces
    match = _match(pieces, grams, with_bigrams) if text else literal(True)
    cap = CHECKED_CAP if any(len(piece) > 2 for piece in pieces) else CANDIDATE_CAP
    total, capped, facets = _counts(match, where, cap)
    if text and total < per_page and grams and not with_bigrams:
        with_bigrams, match = True, _match(pieces, grams, True)
        total, capped, facets = _counts(match, where, cap)
    leaders: dict = {}
    for row in _ranked(match, where, pieces, sort == "date", max(RANKED_PAGES, page * per_page * 3)):
        best = leaders.get(row.group_key)  # each group's best page among those ranked
        if best is None or (sort != "date" and (-row.rank, row.id) < (-best.rank, best.id)):
            leaders[row.group_key] = row
    order = (lambda r: (-r.updated.timestamp(), -r.rank, r.id)) if sort == "date" else (lambda r: (-r.rank, r.id))
    shown = sorted(leaders.values(), key=order)[(page - 1) * per_page:page * per_page]
    return Results(query=text, total=total, page=page, pages=max(1, -(-total // per_page)),
                   hits=_hits(shown, match, where, {w for piece in pieces for w in piece}), facets=facets,
                   more_than=capped, suggestion=_suggestion(text, where) if text and not total else "",
                   undated=_undated(match if text else literal(True), agency_ids, filters, dates))


def _hits(shown: list, match, where: list, words: set) -> list:
    """The shown results, highlighted, with every matching page and copy of their groups."""
    if not shown:
        return []
    stored = {row.id: row for row in db.session.scalars(select(SearchPage).where(SearchPage.id.in_([r.id for r in shown])))}
    members: dict = {}
    for row in db.session.execute(select(SearchPage.group_key, SearchPage.evidence_id, SearchPage.page, SearchPage.page_label)
                                  .where(match, *where, SearchPage.group_key.in_({r.group_key for r in shown}))
                                  .order_by(SearchPage.page)):
        members.setdefault(row.group_key, []).append(row)
    analyzer = thai_analyzer()
    hits = []
    for best in shown:
        leader = stored.get(best.id)
        if leader is None:  # rewritten by a commit since it was ranked (each statement sees the latest)
            continue
        hit = make_hit({"evidence": str(leader.evidence_id or ""), "answer": str(leader.answer_id or ""),
                        "question": str(leader.question_id or ""), "question_text": leader.question_text,
                        "agency": str(leader.agency_id), "cycle": str(leader.cycle_id), "title": leader.title,
                        "file_name": leader.file_name, "file_kind": leader.file_kind, "page": leader.page,
                        "page_label": leader.page_label, "items": ",".join(leader.items or []),
                        "categories": ",".join(leader.categories or []), "sub_items": ",".join(leader.sub_items or []),
                        "content": leader.content}, float(best.rank), words, analyzer)
        if hit.evidence_id is not None:
            group = members.get(best.group_key, [])
            own = [row for row in group if row.evidence_id == hit.evidence_id]
            hit.page_count = len(own)
            hit.pages = [(row.page, row.page_label) for row in own[:LISTED_PAGES]]
            hit.copies = sorted({row.evidence_id for row in group} - {hit.evidence_id})
        hits.append(hit)
    return hits


def _undated(match, agency_ids, filters: dict, dates) -> int:
    """Evidence the same words and filters find without the document-date range that has
    no document date (the search left it out)."""
    if not dates or not dates.undated_left_out:
        return 0
    where = _filters(agency_ids, filters, None) + [SearchPage.evidence_id.is_not(None), SearchPage.document_date.is_(None)]
    return db.session.scalar(select(func.count(func.distinct(SearchPage.group_key))).where(match, *where)) or 0


SUGGESTION_ROWS = 300  # rows sharing letter pairs with a misspelt word, read for its neighbours
LEXEME = re.compile(r"'((?:[^']|'')*)':")  # a lexeme with positions: a word, never a word pair


def _suggestion(text: str, where: list) -> str:
    """The same rule as Whoosh's (suggest.corrected), over the rows the user may see."""
    def visible(term: str) -> int:
        found = select(SearchPage.id).where(SearchPage.words.op("@@")(_ts(_quoted(term))), *where).limit(1)
        return 1 if db.session.execute(found).first() else 0

    def correction(word: str) -> str | None:
        grams = bigram_tokens(word)
        if not grams:
            return None
        nearby = (select(cast(SearchPage.words, Text)).where(
            SearchPage.bigrams.op("@@")(_ts(" | ".join(_quoted(g) for g in sorted(grams)))), *where)
            .limit(SUGGESTION_ROWS))
        counts: dict[str, int] = {}
        for (vector,) in db.session.execute(nearby):
            for term in {match.replace("''", "'").replace("\\\\", "\\") for match in LEXEME.findall(vector or "")}:
                counts[term] = counts.get(term, 0) + 1
        return closest(word, counts)

    return corrected(text, visible, correction)
