"""The top hits of a search, scored by BM25 from whole posting blocks. Whoosh scores one
document at a time through its matcher tree (~25 µs a document here, so a common word at
100k pages cost seconds); the matching set is already known (facets.matching_docs), so
each query term's postings are read a block at a time and summed for those documents."""
import heapq
from bisect import bisect_left
import math

from whoosh.codec.whoosh3 import W3LeafMatcher

from portal.search.columns import LENGTH_FIELD, columns, few, leaf_postings_within, raw_postings, split_by_leaf

K1, B = 1.2, 0.75
BOOSTS = {"title": 2.0, "content": 1.0, "file_name": 1.0, "title_bigram": 0.5, "content_bigram": 0.25}
NORMALISED = LENGTH_FIELD  # the one long field; short fields and bigrams are scored without length


def _postings(searcher, fieldname: str, text, matched: set[int]):
    """(docnum, frequency) pairs of one term, a block at a time where possible, or by
    skipping to each matched document when they are few against a long list."""
    if few(matched, searcher, fieldname, text):
        for leaf, offset, wanted in split_by_leaf(searcher, matched):
            for docnum, matcher in leaf_postings_within(leaf, fieldname, text, wanted):
                yield docnum + offset, matcher.weight()
        return
    for reader, offset in searcher.reader().leaf_readers():
        matcher = raw_postings(reader, fieldname, text)
        if matcher is None:
            continue
        if isinstance(matcher, W3LeafMatcher):
            sparse = len(matched) * 4 < searcher.doc_frequency(fieldname, text)
            while matcher.is_active():
                matcher._read_ids()
                matcher._read_weights()
                ids, weights = matcher._ids, matcher._weights
                if sparse:  # few matched documents: intersect the block in C, look up the rest
                    for docnum in matched.intersection(i + offset for i in ids):
                        yield docnum, weights[bisect_left(ids, docnum - offset)]
                else:
                    yield from zip((i + offset for i in ids), weights)
                matcher._next_block()
        else:
            while matcher.is_active():
                yield matcher.id() + offset, matcher.weight()
                matcher.next()


def top_docs(searcher, key: str, query, matched: set[int], limit: int, by_date: bool = False) -> list[tuple[float, int]]:
    """[(score, docnum)] best first: BM25 over the query's text terms, or newest first."""
    if not matched:
        return []
    table = columns(searcher, key)
    scores = dict.fromkeys(matched, 0.0)
    total = searcher.doc_count_all() or 1
    lengths = table["length"]
    average = (searcher.reader().field_length(NORMALISED) / total) or 1.0
    for fieldname, text in set(query.iter_all_terms()):
        boost = BOOSTS.get(fieldname)
        if boost is None:  # scope and filter fields do not score
            continue
        frequency = searcher.doc_frequency(fieldname, text)
        if not frequency:
            continue
        idf = boost * math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))
        normalise = fieldname == NORMALISED
        for docnum, tf in _postings(searcher, fieldname, text, matched):
            if docnum in scores:
                norm = 1 - B + B * lengths[docnum] / average if normalise else 1.0
                scores[docnum] += idf * tf * (K1 + 1) / (tf + K1 * norm)
    if by_date:
        updated = table["updated"]
        best = heapq.nlargest(limit, scores.items(), key=lambda item: (updated[item[0]], item[1]))
    else:
        best = heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], -item[0]))
    return [(score, docnum) for docnum, score in best]
