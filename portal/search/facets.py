"""Counting matches and facets. Whoosh visits every match one Python call at a time
(its grouping and `docs_for_query` dominated query time at 10k pages), so here the
matching set is built from whole posting blocks with set operations, and facets are
counted from per-document columns (columns.py)."""
from collections import Counter
from itertools import chain

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.query import And, ConstantScoreQuery, Every, NumericRange, Or, Phrase, Term

from portal.search.columns import MULTI, columns, few, leaf_ids, leaf_postings_within, raw_postings, split_by_leaf

FACETS = {"agency": "agency", "kind": "file_kind", "category": "categories"}


def facet_counts(searcher, key: str, docnums: list[int]) -> dict[str, dict[str, int]]:
    """{facet: {value: matching documents}}, most frequent first."""
    table = columns(searcher, key)
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


def _docset(searcher, query, within: set[int] | None = None) -> set[int]:
    """Matching documents (limited to `within` when given, for the costly parts)."""
    if isinstance(query, Term):
        return _term_docs(searcher, query.fieldname, query.text, within)
    if isinstance(query, ConstantScoreQuery):
        return _docset(searcher, query.child, within)
    if isinstance(query, Every) and query.fieldname in (None, "", "*"):
        return set(range(searcher.reader().doc_count_all()))
    if isinstance(query, And) and query.subqueries:
        out = None
        for sub in sorted(query.subqueries, key=lambda q: _cost(searcher, q)):  # smallest sets first
            found = _docset(searcher, sub, out if out is not None else within)
            out = found if out is None else out & found
            if not out:
                break
        return out
    if isinstance(query, Or):
        return set().union(*(_docset(searcher, sub, within) for sub in query.subqueries))
    if isinstance(query, NumericRange):  # dates: the trie terms in range, as sets
        return _docset(searcher, query.simplify(searcher.reader()), within)
    if isinstance(query, Phrase):
        candidates = _docset(searcher, And([Term(query.fieldname, w) for w in query.words]), within)
        return _verified(searcher, query, candidates & within if within is not None else candidates)
    return set(searcher.docs_for_query(query))  # anything else: Whoosh's own matcher


def _cost(searcher, query) -> tuple[int, int]:
    """Cheap, small parts first, so the costly and large ones are narrowed by them."""
    try:
        size = query.estimate_size(searcher.reader())
    except Exception:  # noqa: BLE001  (a query type without an estimate)
        size = searcher.doc_count_all()
    return (0 if _simple(query) else 1, size)


def _simple(query) -> bool:
    if isinstance(query, (Term, Every, NumericRange)):
        return True
    if isinstance(query, ConstantScoreQuery):
        return _simple(query.child)
    return isinstance(query, (And, Or)) and all(_simple(sub) for sub in query.subqueries)


def _verified(searcher, query, candidates: set[int]) -> set[int]:
    """The candidates where the words stand side by side, positions decoded only for them."""
    if not candidates:
        return set()
    field = searcher.schema[query.fieldname]
    word_positions = [_positions(searcher, query.fieldname, word, candidates) for word in query.words]
    if query.slop != 1 or any(p is None for p in word_positions):
        return {d for d in searcher.docs_for_query(query) if d in candidates}  # Whoosh's own check
    out = set()
    for docnum in candidates:
        starts = None
        for k, per_doc in enumerate(word_positions):
            value = per_doc.get(docnum)
            if value is None:
                starts = set()
                break
            shifted = {p - k for p in field.format.decode_positions(value)}
            starts = shifted if starts is None else starts & shifted
            if not starts:
                break
        if starts:
            out.add(docnum)
    return out


def _positions(searcher, fieldname: str, word: str, candidates: set[int]) -> dict | None:
    """{docnum: encoded positions} of one word for the candidates (None: not block-readable)."""
    out = {}
    for leaf, offset in searcher.reader().leaf_readers():
        matcher = raw_postings(leaf, fieldname, word)
        if matcher is None:
            continue
        if not isinstance(matcher, W3LeafMatcher):
            return None
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_values()
            for docnum, value in zip(matcher._ids, matcher._values):
                if docnum + offset in candidates:
                    out[docnum + offset] = value
            matcher._next_block()
    return out


def _term_docs(searcher, fieldname: str, text, within: set[int] | None = None) -> set[int]:
    out: set[int] = set()
    if few(within, searcher, fieldname, text):  # narrowed already: skip to those documents
        for leaf, offset, wanted in split_by_leaf(searcher, within):
            out.update(d + offset for d, _ in leaf_postings_within(leaf, fieldname, text, wanted))
        return out
    for leaf, offset in searcher.reader().leaf_readers():
        ids = leaf_ids(leaf, fieldname, text)
        out.update((i + offset for i in ids) if offset else ids)
    return out


def _deleted(searcher) -> set[int]:
    deleted: set[int] = set()
    for reader, offset in searcher.reader().leaf_readers():
        if reader.has_deletions():
            deleted.update(d + offset for d in reader.deleted_docs_set)
    return deleted
