"""Matching, ranking and facet counts over whole arrays of document numbers.

Whoosh's own matchers visit one document per Python call (~25 µs each: seconds for a word
found on most of 100k pages). Here each term's postings are read a whole block at a time
into numpy arrays (whoosh_codec.py, the one module that knows Whoosh's private codec), a query becomes a boolean mask over the index's document numbers, BM25
is summed with array arithmetic and facets are counted from per-document columns.
A result is a group of documents, not one page: the pages of one evidence, and the copies
of one file within one agency (same SHA-256), are one hit, ranked by their best page; totals
and facets count groups (the "group" column, group_key).
Segments never change once written (deletions are kept apart), so a segment's columns are
built once per process and a commit only adds the new segment's.
"""
import hashlib
import math
import threading
from collections import OrderedDict
from functools import reduce
from typing import NamedTuple

import numpy as np
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, ConstantScoreQuery, Every, NumericRange, Or, Phrase, Term
from whoosh.reading import TermNotFound

from portal.search import whoosh_codec
from portal.search.analyzer import word_pairs

FACETS = {"agency": "agency", "kind": "file_kind", "category": "categories"}
SINGLE_VALUED = ("agency", "file_kind")  # one value per group as well (an agency's file, one kind)
MULTI_VALUED = ("categories",)  # copies in a group may sit on different items
# Numeric per-document columns: "updated" (sorting by date, stale checks), the result group
# and the evidence number (0 for answers) a page belongs to.
NUMBER_COLUMNS = {"updated": np.int64, "group": np.uint64, "evidence_number": np.int64}
K1, B = 1.2, 0.75
BOOSTS = {"title": 2.0, "content": 1.0, "file_name": 1.0, "title_bigram": 0.5, "content_bigram": 0.25}
# The field of word pairs (analyzer.word_pairs) beside each phrase-searched field (index.schema).
PAIR_FIELDS = {"title": "title_pairs", "content": "content_pairs", "file_name": "file_name_pairs"}
LENGTH_FIELD = "content"  # the one long field; short fields and bigrams are scored without length
_NO_IDS, _NO_WEIGHTS = np.zeros(0, np.int64), np.zeros(0, np.float32)
_lock = threading.Lock()


def group_key(kind: str, *parts) -> int:
    """The number in a document's "group" column: documents with the same one are one
    result. ("file", agency id, SHA-256) for a file's pages, so copies of a file in one
    agency meet; ("evidence", id) for a link; ("answer", id) for an answer."""
    digest = hashlib.blake2b("\x1f".join(map(str, (kind, *parts))).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


# Postings ---------------------------------------------------------------------------

def _raw_matcher(leaf, fieldname: str, text):
    """A segment's postings of one term, deleted documents included (they are masked out
    with the live column), or None when the segment lacks the term."""
    try:
        matcher = leaf.postings(fieldname, text)
    except TermNotFound:  # only that: a damaged file must fail the search (repair.py), not find nothing
        return None
    if isinstance(matcher, FilterMatcher):  # it has already stepped past leading deleted documents
        matcher = matcher.child
        matcher.reset()
    return matcher


def _leaf_postings(leaf, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
    """(local docnums, weights) of one term in one segment."""
    matcher = _raw_matcher(leaf, fieldname, text)
    return whoosh_codec.read_postings(matcher) if matcher is not None else (_NO_IDS, _NO_WEIGHTS)


def term_postings(searcher, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
    """(global docnums, weights) of one term over every segment."""
    leaves = searcher.reader().leaf_readers()
    parts = [(ids + offset, weights) for (_leaf, offset), (ids, weights) in zip(leaves, _cached_postings(leaves, fieldname, text))
             if len(ids)]
    if not parts:
        return _NO_IDS, _NO_WEIGHTS
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


_postings: "OrderedDict[tuple, tuple[np.ndarray, ...]]" = OrderedDict()  # (ids, weights) or (position keys,)
_postings_bytes = 0
POSTINGS_CACHE_BYTES = 128 * 2**20  # per process; a word on 100k pages takes 1.2 MB


def _cached_postings(leaves: list, fieldname: str, text, positions: bool = False) -> list[tuple]:
    """Each segment's postings of a term (with `positions`: its (docnum << 32) + position
    keys), kept (least recently used out) because decoding Whoosh's blocks is most of a
    query's time, and the same words come back as a query is typed, paged and filtered.
    Segments never change, so nothing goes stale. The segments not kept are decoded
    together (whoosh_codec.read_many); decoding positions keeps the ids and weights too,
    so ranking a phrase does not read the blocks again."""
    keys = [(leaf.segment().segment_id(), fieldname, text) + (("positions",) if positions else ()) for leaf, _ in leaves]
    found = [_recall(key) for key in keys]
    todo = [(n, matcher) for n, (leaf, _) in enumerate(leaves) if found[n] is None
             for matcher in [_raw_matcher(leaf, fieldname, text)] if matcher is not None]
    decoded = dict(zip([n for n, _ in todo], whoosh_codec.read_many([m for _, m in todo], with_positions=positions)))
    for n, key in enumerate(keys):
        if found[n] is not None:
            continue
        postings = decoded.get(n)
        if postings is None:  # the segment lacks the term
            postings = (_NO_IDS,) if positions else (_NO_IDS, _NO_WEIGHTS)
        elif positions:
            ids, weights, (counts, offsets) = postings
            _remember(key[:3], (ids, weights))
            postings = ((np.repeat(ids, counts) << 32) + offsets,)
        found[n] = postings
        _remember(key, postings)
    return found


def _recall(key: tuple) -> tuple[np.ndarray, ...] | None:
    with _lock:
        found = _postings.get(key)
        if found is not None:
            _postings.move_to_end(key)
        return found


def _remember(key: tuple, arrays: tuple[np.ndarray, ...]) -> None:
    global _postings_bytes
    with _lock:
        if key in _postings:
            return
        _postings[key] = arrays
        _postings_bytes += sum(a.nbytes for a in arrays)
        while _postings_bytes > POSTINGS_CACHE_BYTES and len(_postings) > 1:
            _, dropped = _postings.popitem(last=False)
            _postings_bytes -= sum(a.nbytes for a in dropped)


WARM_WORDS = 40  # ids and weights of a word on every page of 100k: 1.2 MB; 40 fill a third of the cache


def warm_up(searcher, words: int = WARM_WORDS) -> None:
    """Build the per-segment columns and decode the commonest content words (ids and
    weights), so a process's first queries do not pay for them (run as a worker starts).
    Positions are left cold: a common word's take several MB, a few would fill the cache."""
    columns(searcher)
    for _weight, text in searcher.reader().most_frequent_terms(LENGTH_FIELD, words):
        term_postings(searcher, LENGTH_FIELD, text.decode() if isinstance(text, bytes) else text)


def clear_caches() -> None:
    """Forget every cached posting list (the benchmark times cold queries with it)."""
    global _postings_bytes
    with _lock:
        _postings.clear()
        _postings_bytes = 0


# Matching ---------------------------------------------------------------------------

def match_mask(searcher, query, phrases: dict | None = None) -> np.ndarray:
    """A boolean per document: does it match `query` (deleted documents never do). Given a
    dict, each phrase matched by its positions leaves there (docnums, how often it stands
    there), which ranking then reads instead of every posting of the phrase's words."""
    return _mask(searcher, query, phrases) & columns(searcher)["live"]


def _mask(searcher, query, phrases: dict | None = None) -> np.ndarray:
    size = searcher.doc_count_all()
    if isinstance(query, Term):
        return _from_ids(size, term_postings(searcher, query.fieldname, query.text)[0])
    if isinstance(query, ConstantScoreQuery):
        return _mask(searcher, query.child, phrases)
    if isinstance(query, Every) and query.fieldname in (None, "", "*"):
        return np.ones(size, dtype=bool)
    if isinstance(query, And) and query.subqueries:
        found = np.ones(size, dtype=bool)
        for sub in sorted(query.subqueries, key=lambda q: isinstance(q, Phrase)):  # phrases last, within the rest
            found &= _phrase(searcher, sub, found, phrases) if isinstance(sub, Phrase) else _mask(searcher, sub, phrases)
            if not found.any():
                break
        return found
    if isinstance(query, Or):
        return reduce(np.logical_or, (_mask(searcher, sub, phrases) for sub in query.subqueries), np.zeros(size, dtype=bool))
    if isinstance(query, NumericRange):  # dates: the trie terms within the range
        return _mask(searcher, query.simplify(searcher.reader()))
    if isinstance(query, Phrase):
        return _phrase(searcher, query, np.ones(size, dtype=bool), phrases)
    return _from_ids(size, list(searcher.docs_for_query(query)))  # anything else: Whoosh's own matcher


def _from_ids(size: int, ids) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[np.asarray(ids, dtype=np.int64)] = True
    return mask


def _phrase(searcher, query: Phrase, within: np.ndarray, phrases: dict | None = None) -> np.ndarray:
    """Documents (among `within`) where the words stand side by side. With the field's
    word pairs indexed (PAIR_FIELDS), two words are exactly their pair; more words start
    from the pages of their rarest pair, and each pair must stand one after the other
    there (the pairs may also stand apart: "a b … b c" is not "a b c"), read from the
    pairs' positions on those pages only: a pair is far rarer than its commonest word.
    Positions are compared as arrays of (document, position) keys. The phrase's frequency
    per document found on the way goes into `phrases`."""
    size = len(within)
    if len(query.words) < 2 or query.slop != 1:
        candidates = within & reduce(np.logical_and, (_mask(searcher, Term(query.fieldname, w)) for w in query.words))
        if len(query.words) < 2 or not candidates.any():
            return candidates
        return candidates & _from_ids(size, list(searcher.docs_for_query(query)))
    pairs = PAIR_FIELDS.get(query.fieldname)
    if pairs is None or pairs not in searcher.schema:  # (a field without pairs: every position of its words)
        return _found(size, query, *_side_by_side(searcher, query.fieldname, list(enumerate(query.words)), within,
                                                  _position_keys), phrases)
    # The rarest pair's pages first (how many hold each pair is in the term's entry, read
    # without its postings); the commoner pairs are read at those pages only, never whole.
    rarest_first = sorted((searcher.doc_frequency(pairs, pair), k, pair) for k, pair in enumerate(word_pairs(query.words)))
    if not rarest_first[0][0]:
        return np.zeros(size, dtype=bool)
    ids, frequencies = term_postings(searcher, pairs, rarest_first[0][2])
    keep = within[ids]
    if len(rarest_first) == 1:  # two words: the pair's own frequency is the phrase's
        return _found(size, query, ids[keep], frequencies[keep], phrases)
    within = _from_ids(size, ids[keep])
    return _found(size, query, *_side_by_side(searcher, pairs, [(k, pair) for _, k, pair in rarest_first], within,
                                              _position_keys_within), phrases)


def _found(size: int, query: Phrase, docnums: np.ndarray, frequencies: np.ndarray, phrases: dict | None) -> np.ndarray:
    if phrases is not None:
        phrases[query] = (docnums, frequencies.astype(np.float64))
    return _from_ids(size, docnums)


def _side_by_side(searcher, fieldname: str, words: list[tuple[int, str]], within: np.ndarray,
                  keys_of) -> tuple[np.ndarray, np.ndarray]:
    """The documents (among `within`) where each (k, word) stands k after the phrase's
    start, and how often the phrase starts there."""
    starts = None  # (docnum << 32) + position of the first word, where the phrase could start
    for k, word in words:
        keys = keys_of(searcher, fieldname, word, within)
        keys = keys[within[keys >> 32]] - k
        starts = keys if starts is None else starts[_sorted_contains(keys, starts)]
        if not len(starts):
            break
        within = _from_ids(len(within), starts >> 32)
    return np.unique(starts >> 32, return_counts=True)


def _sorted_contains(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """Per needle: is it in `haystack` (sorted)? A binary search each, not a sort of both."""
    at = np.minimum(np.searchsorted(haystack, needles), len(haystack) - 1)
    return haystack[at] == needles if len(haystack) else np.zeros(len(needles), dtype=bool)


def _position_keys(searcher, fieldname: str, word, _within=None) -> np.ndarray:
    """(global docnum << 32) + position of every occurrence of a word, sorted."""
    leaves = searcher.reader().leaf_readers()
    parts = [keys + (offset << 32) for (_leaf, offset), (keys,) in zip(leaves, _cached_postings(leaves, fieldname, word, True))]
    return np.concatenate(parts) if parts else _NO_IDS


def _position_keys_within(searcher, fieldname: str, word, within: np.ndarray) -> np.ndarray:
    """The same keys in the documents of `within` only (whoosh_codec.read_positions_within),
    kept per set of documents: a query typed on, paged or sorted asks for the same again."""
    leaves = searcher.reader().leaf_readers()
    parts, todo = {}, []  # segment number → its keys, global (segments in order: sorted)
    for n, (leaf, offset) in enumerate(leaves):
        wanted = np.flatnonzero(within[offset:offset + leaf.doc_count_all()])
        if not len(wanted):
            continue
        key = (leaf.segment().segment_id(), fieldname, word, "positions within",
               hashlib.blake2b(wanted.tobytes(), digest_size=16).digest())
        found = _recall(key)
        if found is None:
            matcher = _raw_matcher(leaf, fieldname, word)
            if matcher is not None:
                todo.append((n, key, offset, matcher, wanted))
                continue
            found = (_NO_IDS,)  # the segment lacks the word
        parts[n] = found[0] + (offset << 32)
    decoded = whoosh_codec.read_positions_within([m for *_, m, _ in todo], [w for *_, w in todo])
    for (n, key, offset, _, _), (ids, counts, positions) in zip(todo, decoded):
        keys = (np.repeat(ids, counts) << 32) + positions
        _remember(key, (keys,))
        parts[n] = keys + (offset << 32)
    return np.concatenate([parts[n] for n in sorted(parts)]) if parts else _NO_IDS


# Columns ----------------------------------------------------------------------------

class _Coded(NamedTuple):
    """A single-valued column: the distinct values and, per document, an index into them (-1: none)."""
    values: list[str]
    codes: np.ndarray


def _segment_columns(leaf) -> dict:
    size = leaf.doc_count_all()
    table: dict = {}
    for column in SINGLE_VALUED:
        values = sorted(leaf.field_terms(column))
        codes = np.full(size, -1, dtype=np.int32)
        for index, value in enumerate(values):
            codes[_leaf_postings(leaf, column, value)[0]] = index
        table[column] = _Coded(values, codes)
    for column in MULTI_VALUED:  # few values (categories): one mask each
        table[column] = {value: _from_ids(size, _leaf_postings(leaf, column, value)[0])
                         for value in leaf.field_terms(column)}
    table["length"] = whoosh_codec.field_lengths(leaf, LENGTH_FIELD)
    for column, kind in NUMBER_COLUMNS.items():
        table[column] = (np.array(list(leaf.column_reader(column, translate=False)), dtype=kind)
                         if leaf.has_column(column) else np.zeros(size, dtype=kind))
    return table


def _combine(tables: list[dict], sizes: list[int], live: np.ndarray) -> dict:
    combined: dict = {"live": live}
    for column in SINGLE_VALUED:
        values = sorted({v for t in tables for v in t[column].values})
        position = {v: i for i, v in enumerate(values)}
        codes = []
        for table in tables:
            remap = np.array([position[v] for v in table[column].values] + [-1], dtype=np.int32)
            codes.append(remap[table[column].codes])  # -1 indexes the trailing -1
        combined[column] = _Coded(values, np.concatenate(codes) if codes else np.zeros(0, np.int32))
    for column in MULTI_VALUED:
        values = sorted({v for t in tables for v in t[column]})
        combined[column] = {v: np.concatenate([t[column].get(v, np.zeros(n, dtype=bool)) for t, n in zip(tables, sizes)])
                            for v in values}
    for column in ("length", *NUMBER_COLUMNS):
        combined[column] = np.concatenate([t[column] for t in tables]) if tables else np.zeros(0)
    # Group keys made dense (0 … groups - 1), so groups are counted with bincount.
    combined["groups"], combined["group"] = np.unique(combined["group"], return_inverse=True)
    combined["group"] = combined["group"].astype(np.int64).reshape(-1)
    return combined


_segments: dict[str, dict] = {}  # segment id (random, never reused) → its columns
_combined: "OrderedDict[tuple, dict]" = OrderedDict()  # (generation, segment ids) → whole-index columns
_KEEP_STATES = 4  # a few recent index states (several indexes in tests, a refresh in flight)


def columns(searcher) -> dict:
    """Every column over the whole index by global document number, plus "live" (not
    deleted); rebuilt only when the index's generation changes."""
    reader = searcher.reader()
    leaves = reader.leaf_readers()
    state = (reader.generation(), tuple(leaf.segment().segment_id() for leaf, _ in leaves))
    with _lock:
        if state in _combined:
            _combined.move_to_end(state)
            return _combined[state]
    tables = []
    for (leaf, _offset), segment_id in zip(leaves, state[1]):
        with _lock:
            table = _segments.get(segment_id)
        if table is None:
            table = _segment_columns(leaf)
            with _lock:
                _segments[segment_id] = table
        tables.append(table)
    live = np.ones(reader.doc_count_all(), dtype=bool)
    for leaf, offset in leaves:
        if leaf.has_deletions():
            live[np.fromiter(leaf.deleted_docs_set, dtype=np.int64) + offset] = False
    combined = _combine(tables, [leaf.doc_count_all() for leaf, _ in leaves], live)
    with _lock:
        _combined[state] = combined
        while len(_combined) > _KEEP_STATES:
            _combined.popitem(last=False)
        current = {s for kept in _combined for s in kept[1]}
        for segment_id in [s for s in _segments if s not in current]:  # merged away
            del _segments[segment_id]
    return combined


# Facets and ranking -----------------------------------------------------------------

def group_count(searcher, mask: np.ndarray) -> int:
    """How many results (groups) have a matching document."""
    return int(np.count_nonzero(_groups_in(columns(searcher), mask)))


def _groups_in(table: dict, mask: np.ndarray) -> np.ndarray:
    """Matching documents per dense group number."""
    return np.bincount(table["group"][mask], minlength=len(table["groups"]))


def facet_counts(searcher, mask: np.ndarray) -> dict[str, dict[str, int]]:
    """{facet: {value: matching results (groups)}}, most frequent first. A single-valued
    facet is the same on every document of a group, so each group is counted at its first
    matching document; a category counts the groups with a matching document in it."""
    table = columns(searcher)
    matching = np.flatnonzero(mask)
    first = np.full(len(table["groups"]), len(matching))  # each group's first matching document (not a sort)
    np.minimum.at(first, table["group"][matching], np.arange(len(matching)))
    leaders = np.zeros(len(mask), dtype=bool)
    leaders[matching[first[first < len(matching)]]] = True
    out = {}
    for name, column in FACETS.items():
        if column in SINGLE_VALUED:
            coded = table[column]
            counts = np.bincount(coded.codes[leaders & (coded.codes >= 0)], minlength=len(coded.values))
            pairs = [(coded.values[i], int(c)) for i, c in enumerate(counts) if c]
        else:
            pairs = [(value, int(np.count_nonzero(_groups_in(table, mask & has)))) for value, has in table[column].items()]
            pairs = [(value, count) for value, count in pairs if count]
        out[name] = dict(sorted(pairs, key=lambda pair: (-pair[1], pair[0])))
    return out


def _scores(searcher, query, mask: np.ndarray, phrases: dict | None = None) -> np.ndarray:
    """BM25 of every document over the query's text terms (0 outside `mask`). A phrase
    whose frequencies matching found (`phrases`) scores as one term, as Lucene's phrase
    query does: how often the phrase stands on the page, with its words' idf summed; so
    ranking never reads the postings of its words (a phrase of "การ", on every page, read
    them all)."""
    table = columns(searcher)
    total = searcher.doc_count_all() or 1
    average = (searcher.reader().field_length(LENGTH_FIELD) / total) or 1.0
    scores = np.zeros(len(mask), dtype=np.float64)
    phrases = phrases or {}
    scored = {leaf for leaf in query.leaves() if isinstance(leaf, Phrase) and leaf in phrases}
    terms = {(name, text) for leaf in query.leaves() if leaf not in scored for name, text in leaf.iter_all_terms()
             if name in BOOSTS}  # (scope and filter fields do not score)
    parts = [(name, [text], term_postings(searcher, name, text)) for name, text in terms]
    parts += [(phrase.fieldname, phrase.words, phrases[phrase]) for phrase in scored if phrase.fieldname in BOOSTS]
    for fieldname, texts, (ids, frequencies) in parts:
        boost = BOOSTS[fieldname]
        keep = mask[ids]
        ids, frequencies = ids[keep], frequencies[keep]
        if not len(ids):
            continue
        idf = boost * sum(math.log(1 + (total - found_in + 0.5) / (found_in + 0.5))
                          for found_in in (searcher.doc_frequency(fieldname, text) for text in texts))
        norm = 1 - B + B * table["length"][ids] / average if fieldname == LENGTH_FIELD else 1.0
        scores[ids] += idf * frequencies * (K1 + 1) / (frequencies + K1 * norm)
    return scores


def top_docs(searcher, query, mask: np.ndarray, limit: int, by_date: bool = False, phrases: dict | None = None) -> list[tuple[float, int]]:
    """[(score, docnum)] best first (BM25 over the query's text terms, ties by document
    number), or newest first."""
    candidates = np.flatnonzero(mask)
    if not len(candidates) or limit <= 0:
        return []
    table = columns(searcher)
    chosen = _scores(searcher, query, mask, phrases)[candidates]
    if by_date:
        order = np.lexsort((-chosen, -table["updated"][candidates]))[:limit]
    else:
        if len(candidates) > limit:  # only the documents scoring at least the limit-th best
            threshold = np.partition(chosen, len(chosen) - limit)[len(chosen) - limit]
            keep = chosen >= threshold
            candidates, chosen = candidates[keep], chosen[keep]
        order = np.lexsort((candidates, -chosen))[:limit]
    return [(float(chosen[i]), int(candidates[i])) for i in order]


class Group(NamedTuple):
    """One result: its best matching document and every matching document of the group."""
    score: float
    best: int  # docnum
    members: np.ndarray  # docnums, best first


def top_groups(searcher, query, mask: np.ndarray, limit: int, by_date: bool = False, phrases: dict | None = None) -> list[Group]:
    """The best `limit` groups, each ranked by its best document (ties by document number),
    or newest first; with their matching documents, so a hit can list its pages and copies."""
    candidates = np.flatnonzero(mask)
    if not len(candidates) or limit <= 0:
        return []
    table = columns(searcher)
    chosen = _scores(searcher, query, mask, phrases)[candidates]
    groups = table["group"][candidates]
    if not by_date and len(candidates) > limit:  # only the groups whose best scores at least the limit-th group's
        best = np.full(len(table["groups"]), -np.inf)
        np.maximum.at(best, groups, chosen)
        found = best[best > -np.inf]
        if len(found) > limit:
            keep = best[groups] >= np.partition(found, len(found) - limit)[len(found) - limit]
            candidates, chosen, groups = candidates[keep], chosen[keep], groups[keep]
    order = np.lexsort((candidates, -chosen, groups))  # by group, best document first
    starts = np.flatnonzero(np.r_[True, groups[order][1:] != groups[order][:-1]])
    ends = np.r_[starts[1:], len(order)]
    leaders = order[starts]
    best_scores, best_docs = chosen[leaders], candidates[leaders]
    if by_date:
        ranked = np.lexsort((best_docs, -best_scores, -table["updated"][best_docs]))[:limit]
    else:
        ranked = np.lexsort((best_docs, -best_scores))[:limit]
    return [Group(float(best_scores[r]), int(best_docs[r]), candidates[order[starts[r]:ends[r]]]) for r in ranked]


def evidence_numbers(searcher, docnums: np.ndarray) -> np.ndarray:
    """The evidence each document belongs to (0: an answer)."""
    return columns(searcher)["evidence_number"][docnums]
