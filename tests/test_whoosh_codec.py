"""The private-codec reader (portal/search/whoosh_codec.py) and Whoosh's public API give
the same postings, positions and lengths, and a search made with the public path only (as
on a Whoosh version the reader was not written for) ranks and counts the same."""
import numpy as np
import pytest

from portal.search import matching, whoosh_codec
from portal.search.query import build_query
from tests.test_search_matching import WORDS, index  # noqa: F401  (the shared fixture)


def _matcher(leaf, fieldname, text):
    return matching._raw_matcher(leaf, fieldname, text)


def test_the_installed_whoosh_is_the_one_the_fast_path_was_written_for():
    # Upgrading Whoosh turns FAST off (correct but slower) until this module is checked
    # against the new codec: this test says so instead of a slowdown nobody notices.
    assert whoosh_codec.FAST, "whoosh differs from whoosh_codec.TESTED_VERSION: check the W3 reader, then bump it"


def test_postings_positions_and_lengths_agree_with_the_public_api(index):  # noqa: F811
    _, searcher, _ = index
    longest = 0
    for leaf, _offset in searcher.reader().leaf_readers():
        for word in [w.lower() for w in WORDS]:
            if not leaf.doc_frequency("content", word):
                continue
            fast = whoosh_codec.read_postings(_matcher(leaf, "content", word), with_positions=True, fast=True)
            public = whoosh_codec.read_postings(_matcher(leaf, "content", word), with_positions=True, fast=False)
            assert np.array_equal(fast[0], public[0]) and np.allclose(fast[1], public[1])
            assert np.array_equal(fast[2][0], public[2][0]) and np.array_equal(fast[2][1], public[2][1])
            longest = max(longest, len(fast[0]))
        assert np.array_equal(whoosh_codec.field_lengths(leaf, "content", fast=True),
                              whoosh_codec.field_lengths(leaf, "content", fast=False))
    assert longest > 128  # several blocks of one term: the delta coding across blocks is exercised


@pytest.mark.parametrize("text", ["นวัตกรรม", "แผน ดิจิทัล", '"แผน ยุทธศาสตร์"'])
def test_a_search_on_the_public_path_only_finds_and_ranks_the_same(index, text, monkeypatch):  # noqa: F811
    ix, searcher, _ = index

    def answer():
        matching.clear_caches()
        matching._segments.clear()
        matching._combined.clear()
        query = build_query(text, ix.schema, True)
        mask = matching.match_mask(searcher, query)
        groups = matching.top_groups(searcher, query, mask, 20)
        return mask, [(g.best, round(g.score, 6)) for g in groups], matching.facet_counts(searcher, mask)

    fast = answer()
    monkeypatch.setattr(whoosh_codec, "FAST", False)
    public = answer()
    assert np.array_equal(fast[0], public[0]) and fast[1] == public[1] and fast[2] == public[2]
    assert fast[1]  # the query found something
