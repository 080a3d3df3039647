"""The private-codec reader (portal/search/whoosh_codec.py) and Whoosh's public API give
the same postings, positions and lengths, and a search made with the public path only (as
on a Whoosh version the reader was not written for) ranks and counts the same."""
import pickle

import numpy as np
import pytest
from whoosh import index as whoosh_index

from portal.search import matching, whoosh_codec
from portal.search.index import schema
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


@pytest.fixture(scope="module")
def odd_index(tmp_path_factory):
    """Postings the numpy reader must leave to pickle, beside ones it reads: ids far apart
    (deltas over 255 inside a block), positions far apart, a word more than 1,000 times on
    a page (pickled in batches), weights all 1.0, all the same, or mixed."""
    ix = whoosh_index.create_in(str(tmp_path_factory.mktemp("odd")), schema())
    writer = ix.writer()
    for n in range(3000):
        words = ["ทุกหน้า"] + ["ห่าง"] * (n % 300 == 0) * (1 + n % 2) + ["ช่อง"] * (n % 3)
        words += ["ไกล"] + ["ช่อง"] * 300 + ["ไกล"] if n % 600 == 0 else []
        words += ["ซ้ำ"] * 1200 if n == 0 else []
        writer.add_document(doc_id=str(n), agency=str(n % 4), title=words[:2], content=words, content_bigram=words[:3])
    writer.commit()
    with ix.searcher() as searcher:
        yield searcher


def test_the_numpy_int_reader_reads_what_pickle_wrote_or_says_it_did_not():
    rows = [[5, 1, 2, 255], [70_000, 3, 4, 5], [300, 0, 7, 1], [-4, 9, 1, 1], [1, 256, 2, 3], [2, 3, 4, 70_000]]
    pickles = [pickle.dumps(tuple(row), 2) for row in rows]  # PROTO 2, MARK, the ints, TUPLE (4+ items)
    buffer, starts = whoosh_codec._joined(pickles)
    values, ends, read = whoosh_codec._int_runs(buffer, starts + 3, np.array([len(r) for r in rows]))
    assert read.tolist() == [True, True, True, True, False, False]  # a later int over 255: not read
    at = 0
    for row, end, was_read in zip(rows, ends, read):
        if was_read:
            assert values[at:at + len(row)].tolist() == row and buffer[end] == whoosh_codec.TUPLE
        at += len(row)


@pytest.mark.parametrize("numpy_from", [0, whoosh_codec.NUMPY_FROM])
def test_every_posting_list_reads_the_same_as_the_public_api(index, odd_index, numpy_from, monkeypatch):  # noqa: F811
    monkeypatch.setattr(whoosh_codec, "NUMPY_FROM", numpy_from)  # 0: numpy for every term
    for searcher in (index[1], odd_index):
        for leaf, _offset in searcher.reader().leaf_readers():
            for fieldname in ("content", "title", "content_bigram", "agency", "categories"):
                positions = fieldname in ("content", "title")
                for text in leaf.lexicon(fieldname):
                    fast = whoosh_codec.read_postings(_matcher(leaf, fieldname, text), positions, fast=True)
                    public = whoosh_codec.read_postings(_matcher(leaf, fieldname, text), positions, fast=False)
                    assert np.array_equal(fast[0], public[0]) and np.array_equal(fast[1], public[1]), (fieldname, text)
                    if positions:
                        assert all(np.array_equal(f, p) for f, p in zip(fast[2], public[2])), (fieldname, text)


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


@pytest.mark.parametrize("positions", [False, True])
def test_a_term_read_in_every_segment_at_once_reads_as_each_alone(index, positions):  # noqa: F811
    _, searcher, _ = index
    leaves = [leaf for leaf, _offset in searcher.reader().leaf_readers()]
    for word in [w.lower() for w in WORDS]:
        together = whoosh_codec.read_many([_matcher(leaf, "content", word) for leaf in leaves], positions)
        alone = [whoosh_codec.read_postings(_matcher(leaf, "content", word), positions, fast=False) for leaf in leaves]
        for one, other in zip(together, alone, strict=True):
            assert np.array_equal(one[0], other[0]) and np.array_equal(one[1], other[1])
            if positions:
                assert np.array_equal(one[2][0], other[2][0]) and np.array_equal(one[2][1], other[2][1])


def test_positions_within_some_documents_are_those_of_the_whole_list(index, odd_index):  # noqa: F811
    rng = np.random.default_rng(3)
    for searcher in (index[1], odd_index):
        for leaf, _offset in searcher.reader().leaf_readers():
            for text in leaf.lexicon("content"):
                ids, _, (counts, positions) = whoosh_codec.read_postings(_matcher(leaf, "content", text), True, fast=False)
                wanted = np.flatnonzero(rng.random(leaf.doc_count_all()) < 0.2)  # some pages with the word, some without
                keep = np.isin(ids, wanted)
                expected = (ids[keep], counts[keep], positions[np.repeat(keep, counts)])
                for fast in (True, False):
                    (got,) = whoosh_codec.read_positions_within([_matcher(leaf, "content", text)], [wanted], fast=fast)
                    assert all(np.array_equal(g, e) for g, e in zip(got, expected, strict=True)), (text, fast)


@pytest.mark.parametrize("fieldname", ["content", "content_pairs"])
def test_positions_within_every_segment_at_once_read_as_the_public_api(index, fieldname):  # noqa: F811
    _, searcher, _ = index
    leaves = [leaf for leaf, _offset in searcher.reader().leaf_readers()]
    rng = np.random.default_rng(4)
    terms = {t for leaf in leaves for t in leaf.lexicon(fieldname)}
    assert len(terms) > 5
    for text in sorted(terms):
        wanted = [np.flatnonzero(rng.random(leaf.doc_count_all()) < 0.3) for leaf in leaves]
        fast = whoosh_codec.read_positions_within([_matcher(leaf, fieldname, text) for leaf in leaves], wanted, fast=True)
        public = [whoosh_codec.read_positions_within([_matcher(leaf, fieldname, text)], [w], fast=False)[0]
                  if _matcher(leaf, fieldname, text) is not None else None for leaf, w in zip(leaves, wanted)]
        for one, other in zip(fast, public, strict=True):
            if other is not None:
                assert all(np.array_equal(a, b) for a, b in zip(one, other, strict=True)), text
