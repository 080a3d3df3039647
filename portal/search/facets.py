"""Counting matches and facets. Whoosh visits every match one Python call at a time
(its grouping and `docs_for_query` dominated query time at 10k pages), so here the
matching set is built from whole posting blocks with set operations, and facets come
from a per-index-generation table of each document's agency, file kind and categories."""
import threading
from collections import Counter
from itertools import chain

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.query import And, ConstantScoreQuery, Every, Or, Term

FACETS = {"agency": "agency", "kind": "file_kind", "category": "categories"}
MULTI = {"categories"}  # fields holding several values per document
_tables: dict[str, tuple[int, dict[str, list]]] = {}
_lock = threading.Lock()


def _table(searcher, key: str) -> dict[str, list]:
    reader = searcher.reader()
    generation = reader.generation()
    with _lock:
        cached = _tables.get(key)
    if cached and cached[0] == generation:
        return cached[1]
    size = reader.doc_count_all()
    table = {}
    for column in FACETS.values():
        values: list = [() if column in MULTI else None] * size
        for term in reader.field_terms(column):
            for docnum in reader.postings(column, term).all_ids():
                values[docnum] = values[docnum] + (term,) if column in MULTI else term
        table[column] = values
    with _lock:
        _tables[key] = (generation, table)
    return table


def facet_counts(searcher, key: str, docnums: list[int]) -> dict[str, dict[str, int]]:
    """{facet: {value: matching documents}}, most frequent first."""
    table = _table(searcher, key)
    out = {}
    for name, column in FACETS.items():
        values = table[column]
        if column in MULTI:
            counts = Counter(chain.from_iterable(values[d] for d in docnums))
        else:
            counts = Counter(values[d] for d in docnums)
            counts.pop(None, None)
        out[name] = dict(counts.most_common())
    return out


def matching_docs(searcher, query) -> set[int]:
    """The documents matching `query` (deleted ones excluded), as a set."""
    return _docset(searcher, query) - _deleted(searcher)


def _docset(searcher, query) -> set[int]:
    if isinstance(query, Term):
        return _term_docs(searcher, query.fieldname, query.text)
    if isinstance(query, ConstantScoreQuery):
        return _docset(searcher, query.child)
    if isinstance(query, Every) and query.fieldname in (None, "", "*"):
        return set(range(searcher.reader().doc_count_all()))
    if isinstance(query, And) and query.subqueries:
        subs = sorted(query.subqueries, key=lambda q: not isinstance(q, Term))  # cheap sets first
        out = _docset(searcher, subs[0])
        for sub in subs[1:]:
            if not out:
                break
            out &= _docset(searcher, sub) if _simple(sub) else _filtered(searcher, sub, out)
        return out
    if isinstance(query, Or):
        return set().union(*(_docset(searcher, sub) for sub in query.subqueries))
    return set(searcher.docs_for_query(query))  # phrases, ranges: Whoosh's own matcher


def _simple(query) -> bool:
    if isinstance(query, (Term, Every)):
        return True
    if isinstance(query, ConstantScoreQuery):
        return _simple(query.child)
    return isinstance(query, (And, Or)) and all(_simple(sub) for sub in query.subqueries)


def _filtered(searcher, query, candidates: set[int]) -> set[int]:
    """A costly part (a phrase) checked only where the cheaper parts already matched."""
    return {d for d in searcher.docs_for_query(query) if d in candidates}


def _term_docs(searcher, fieldname: str, text) -> set[int]:
    out: set[int] = set()
    for reader, offset in searcher.reader().leaf_readers():
        try:
            matcher = reader.postings(fieldname, text)
        except Exception:  # noqa: BLE001  (term absent from this segment)
            continue
        if isinstance(matcher, W3LeafMatcher):
            while matcher.is_active():  # a whole block of ids at a time
                matcher._read_ids()
                out.update(i + offset for i in matcher._ids) if offset else out.update(matcher._ids)
                matcher._next_block()
        else:
            out.update(i + offset for i in matcher.all_ids())
    return out


def _deleted(searcher) -> set[int]:
    deleted: set[int] = set()
    for reader, offset in searcher.reader().leaf_readers():
        if reader.has_deletions():
            deleted.update(d + offset for d in reader.deleted_docs_set)
    return deleted
