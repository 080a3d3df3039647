"""Per-document columns (agency, file kind, categories, content length, update time) for
facets and ranking. Segments never change once written (deletions are kept apart), so
each segment's table is built once per process; a commit only adds a small segment, and
the next search builds just that one."""
import threading
from itertools import chain

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

SINGLE = ("agency", "file_kind")
MULTI = ("categories",)  # several values per document
LENGTH_FIELD = "content"
# candidates × this < postings: skip to each candidate instead of reading every block. Only
# for a handful: spread-out candidates (one agency of many) touch every block anyway.
SKIP_RATIO = 1000
_LENGTHS = [byte_to_length(b) for b in range(256)]
_segments: dict[str, dict[str, list]] = {}
_combined: dict[str, tuple[tuple, dict[str, list]]] = {}
_lock = threading.Lock()


def raw_postings(leaf, fieldname: str, text):
    """A segment's postings of one term, deleted documents included (callers exclude
    them from the match set), or None when the segment lacks the term."""
    try:
        matcher = leaf.postings(fieldname, text)
    except Exception:  # noqa: BLE001  (term absent from this segment)
        return None
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def leaf_ids(leaf, fieldname: str, text) -> list[int]:
    """One term's document numbers within a segment, a whole posting block at a time."""
    matcher = raw_postings(leaf, fieldname, text)
    if matcher is None:
        return []
    if not isinstance(matcher, W3LeafMatcher):  # another codec: one by one
        return list(matcher.all_ids())
    ids: list[int] = []
    while matcher.is_active():
        matcher._read_ids()
        ids.extend(matcher._ids)
        matcher._next_block()
    return ids


def leaf_postings_within(leaf, fieldname: str, text, wanted: list[int]):
    """(local docnum, matcher) for the wanted documents (sorted, local numbers) that hold
    the term, skipping whole posting blocks: for a few documents against a long list."""
    matcher = raw_postings(leaf, fieldname, text)
    if matcher is None:
        return
    for docnum in wanted:
        if not matcher.is_active():
            return
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            yield docnum, matcher


def split_by_leaf(searcher, docnums) -> list[tuple[object, int, list[int]]]:
    """[(segment reader, offset, its sorted local docnums)] for a set of global docnums."""
    out = []
    for leaf, offset in searcher.reader().leaf_readers():
        end = offset + leaf.doc_count_all()
        out.append((leaf, offset, sorted(d - offset for d in docnums if offset <= d < end)))
    return out


def few(docnums, searcher, fieldname: str, text) -> bool:
    """Is the candidate set small enough that skipping beats reading every block?"""
    return docnums is not None and len(docnums) * SKIP_RATIO < searcher.doc_frequency(fieldname, text)


def _segment_table(leaf) -> dict[str, list]:
    size = leaf.doc_count_all()
    table: dict[str, list] = {}
    for column in SINGLE:
        values: list = [None] * size
        for term in leaf.field_terms(column):
            for docnum in leaf_ids(leaf, column, term):
                values[docnum] = term
        table[column] = values
    for column in MULTI:
        values = [()] * size
        for term in leaf.field_terms(column):
            for docnum in leaf_ids(leaf, column, term):
                values[docnum] += (term,)
        table[column] = values
    lengths = leaf._perdoc._cached_reader(_lenfield(LENGTH_FIELD), LENGTHS_COLUMN)
    table["length"] = [_LENGTHS[b] for b in lengths] if lengths is not None else [0] * size
    table["updated"] = list(leaf.column_reader("updated", translate=False)) if leaf.has_column("updated") else [0] * size
    return table


def state(searcher) -> tuple:
    """One state of an index: its generation and its (random, never reused) segment ids."""
    reader = searcher.reader()
    return reader.generation(), tuple(leaf.segment().segment_id() for leaf, _ in reader.leaf_readers())


def columns(searcher, key: str) -> dict[str, list]:
    """Every column over the whole index, indexed by global document number."""
    current = state(searcher)
    with _lock:
        cached = _combined.get(key)
    if cached and cached[0] == current:
        return cached[1]
    tables = []
    for (leaf, _offset), segment_id in zip(searcher.reader().leaf_readers(), current[1]):
        with _lock:
            table = _segments.get(segment_id)
        if table is None:
            table = _segment_table(leaf)
            with _lock:
                _segments[segment_id] = table
        tables.append(table)
    combined = {name: list(chain.from_iterable(t[name] for t in tables)) for name in (*SINGLE, *MULTI, "length", "updated")}
    with _lock:
        _combined[key] = (current, combined)
        live = {s for state_, _ in _combined.values() for s in state_[1]}
        for segment_id in [s for s in _segments if s not in live]:  # merged away
            del _segments[segment_id]
    return combined
