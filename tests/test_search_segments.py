"""The index's merge policy: the worker's small commits are merged in groups that fit one
commit's writer pool; the large segments a rebuild writes are left alone unless mostly
deleted."""
import pytest
from whoosh import index as whoosh_index

from portal.search import index as search_index
from portal.search.index import merge_small_segments, schema


@pytest.fixture
def small_commits(monkeypatch, tmp_path):
    monkeypatch.setattr(search_index, "PAGES_PER_COMMIT", 20)
    monkeypatch.setattr(search_index, "MERGE_AFTER", 3)
    return whoosh_index.create_in(str(tmp_path), schema())


def _commit(ix, numbers, delete=()):
    writer = ix.writer()
    for n in delete:
        writer.delete_by_term("evidence", str(n))
    for n in numbers:
        writer.add_document(doc_id=f"{n}:1", evidence=str(n), agency="1", content=f"หน้า {n}")
    writer.commit(mergetype=merge_small_segments)


def _sizes(ix) -> list[int]:
    return sorted(s.doc_count() for s in ix._segments())


def test_small_commits_are_merged_in_groups_that_fit_one_commit(small_commits):
    ix = small_commits
    _commit(ix, range(100, 120))  # a rebuild-sized segment: never merged while live
    for n in range(9):
        _commit(ix, [n])
        assert len(_sizes(ix)) <= 1 + 3, _sizes(ix)  # at most MERGE_AFTER small ones wait
    assert 20 in _sizes(ix) and sum(_sizes(ix)) == 29
    with ix.searcher() as searcher:
        assert {d["evidence"] for d in searcher.all_stored_fields()} == {str(n) for n in [*range(9), *range(100, 120)]}


def test_a_mostly_deleted_segment_is_merged_away(small_commits):
    ix = small_commits
    _commit(ix, range(100, 120))
    _commit(ix, [], delete=range(100, 115))  # 5 of 20 left: small now
    _commit(ix, [0])
    _commit(ix, [1])
    assert _sizes(ix) == [1, 1, 5]
    _commit(ix, [2])  # three small segments: merged into the one this commit writes
    assert _sizes(ix) == [8]
    with ix.searcher() as searcher:
        assert searcher.doc_count_all() == searcher.doc_count() == 8  # deleted documents gone
