"""The array-based matching, facets and ordering (portal/search/matching.py) agree with
Whoosh's own matchers and with plain counting, on an index large enough to have several
posting blocks per term, several segments and deleted documents; documents fold into
results (groups of pages and copies) as the group column says."""
import math
import random
from datetime import datetime, timedelta

import pytest
from whoosh import index as whoosh_index
from whoosh.query import And, DateRange, Or, Phrase, Term

from portal.search import matching
from portal.search.index import schema
from portal.search.matching import (B, BOOSTS, K1, LENGTH_FIELD, facet_counts, group_count, group_key, match_mask,
                                    top_docs, top_groups)
from portal.search.query import build_query

WORDS = ["แผน", "ยุทธศาสตร์", "ตัวชี้วัด", "ผู้บริหาร", "บุคลากร", "นวัตกรรม", "KPI", "ข้อมูล", "ดิจิทัล", "2569"]
DOCS = 700  # > 128 postings per common term: several Whoosh blocks


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    rng = random.Random(7)
    folder = tmp_path_factory.mktemp("matching")
    ix = whoosh_index.create_in(str(folder), schema())
    epoch = datetime(2025, 1, 1)
    stored = {}
    for start in range(0, DOCS, 250):  # three commits without merging: three segments
        writer = ix.writer()
        for n in range(start, min(start + 250, DOCS)):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 25)))
            doc = {"doc_id": f"{n}:1", "evidence": str(n), "agency": str(n % 5 + 1), "cycle": "1",
                   "categories": ",".join(sorted({str(n % 7 + 1), str(n % 3 + 1)})), "file_kind": ["pdf", "docx", "link"][n % 3],
                   "title": f"เอกสาร {n}", "content": text, "content_bigram": text, "content_pairs": text, "page": 1,
                   "updated": epoch + timedelta(hours=n * 7 % 1000), "document_date": epoch + timedelta(days=n % 400),
                   # Ten documents a group, sharing agency and kind (n % 15), not categories.
                   "group": group_of(n), "evidence_number": n}
            writer.add_document(**doc)
            stored[str(n)] = doc
        writer.commit(merge=False)
    writer = ix.writer()
    for n in range(0, DOCS, 11):  # deleted documents stay in their segments
        writer.delete_by_term("evidence", str(n))
        stored.pop(str(n))
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 3 and searcher.reader().has_deletions()
        yield ix, searcher, stored


def group_of(n: int) -> int:
    return group_key("file", n % 15, n // 150)


def _docs(mask) -> set[int]:
    return {int(d) for d in mask.nonzero()[0]}


QUERIES = [
    Term("content", "แผน"), Term("content", "kpi"), Term("content", "ไม่มีคำนี้"),
    And([Term("content", "แผน"), Term("content", "ดิจิทัล")]),
    Or([Term("content", "นวัตกรรม"), Term("agency", "3")]),
    And([Term("content", "ข้อมูล"), Or([Term("agency", "1"), Term("agency", "2")])]),
    Phrase("content", ["แผน", "ยุทธศาสตร์"]),
    Phrase("content", ["ผู้บริหาร", "บุคลากร", "kpi"]),
    And([Phrase("content", ["ตัวชี้วัด", "2569"]), Term("agency", "4")]),
    Phrase("content", ["แผน", "ยุทธศาสตร์"], slop=2),
    DateRange("document_date", datetime(2025, 2, 1), datetime(2025, 6, 30)),
    And([Term("content", "แผน"), DateRange("updated", None, datetime(2025, 1, 20))]),
]


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_match_mask_equals_whooshs_own_matching(index, query):
    ix, searcher, _ = index
    assert _docs(match_mask(searcher, query)) == set(searcher.docs_for_query(query))


@pytest.mark.parametrize("text", ["แผน", "แผน ยุทธศาสตร์", '"แผน ยุทธศาสตร์"', "ยุทธ", "KPI ดิจิทัล"])
def test_portal_queries_with_bigrams_match_as_whoosh(index, text):
    ix, searcher, _ = index
    for bigrams in (False, True):
        query = build_query(text, ix.schema, bigrams)
        assert _docs(match_mask(searcher, query)) == set(searcher.docs_for_query(query))


def test_facets_and_totals_count_the_matching_live_results(index):
    ix, searcher, stored = index
    mask = match_mask(searcher, Term("content", "ข้อมูล"))
    matching = [searcher.stored_fields(d) for d in _docs(mask)]
    group = {d["evidence"]: group_of(int(d["evidence"])) for d in matching}
    facets = facet_counts(searcher, mask)

    def groups_by(values_of) -> dict:
        found = {}
        for d in matching:
            for value in values_of(d):
                found.setdefault(value, set()).add(group[d["evidence"]])
        return {value: len(groups) for value, groups in found.items()}

    assert group_count(searcher, mask) == len(set(group.values())) < len(matching)
    assert facets["agency"] == groups_by(lambda d: [d["agency"]])
    assert facets["kind"] == groups_by(lambda d: [d["file_kind"]])
    assert facets["category"] == groups_by(lambda d: d["categories"].split(","))
    counts = list(facets["agency"].values())
    assert counts == sorted(counts, reverse=True)
    assert all(d["evidence"] in stored for d in matching)  # deleted ones never counted


def _reference_bm25(searcher, query, docnums) -> dict[int, float]:
    """The same BM25 one document at a time through Whoosh's own matchers."""
    total = searcher.doc_count_all()
    average = searcher.reader().field_length(LENGTH_FIELD) / total
    scores = dict.fromkeys(docnums, 0.0)
    for fieldname, text in set(query.iter_all_terms()):
        if fieldname not in BOOSTS or not searcher.doc_frequency(fieldname, text):
            continue
        found_in = searcher.doc_frequency(fieldname, text)
        idf = BOOSTS[fieldname] * math.log(1 + (total - found_in + 0.5) / (found_in + 0.5))
        matcher = searcher.postings(fieldname, text)
        while matcher.is_active():
            docnum, tf = matcher.id(), matcher.weight()
            if docnum in scores:
                length = searcher.doc_field_length(docnum, fieldname) if fieldname == LENGTH_FIELD else None
                norm = 1 - B + B * length / average if length is not None else 1.0
                scores[docnum] += idf * tf * (K1 + 1) / (tf + K1 * norm)
            matcher.next()
    return scores


@pytest.mark.parametrize("text", ["นวัตกรรม", "แผน ดิจิทัล", '"แผน ยุทธศาสตร์"'])
def test_top_docs_equal_bm25_computed_one_document_at_a_time(index, text):
    ix, searcher, _ = index
    query = And([build_query(text, ix.schema, True), Or([Term("agency", "1"), Term("agency", "2")])])
    mask = match_mask(searcher, query)
    reference = _reference_bm25(searcher, query, _docs(mask))
    expected = sorted(reference.items(), key=lambda item: (-item[1], item[0]))[:20]
    best = top_docs(searcher, query, mask, 20)
    assert [d for _, d in best] == [d for d, _ in expected]
    assert [s for s, _ in best] == pytest.approx([s for _, s in expected])


def _reference_phrase_bm25(searcher, query, docnums) -> dict[int, float]:
    """A phrase as one term, one document at a time: its frequency counted from its words'
    positions (Whoosh's public postings), its idf the sum of its words'; other terms as
    _reference_bm25."""
    total = searcher.doc_count_all()
    average = searcher.reader().field_length(LENGTH_FIELD) / total
    phrases = [leaf for leaf in query.leaves() if isinstance(leaf, Phrase)]
    scores = _reference_bm25(searcher, Or([leaf for leaf in query.leaves() if not isinstance(leaf, Phrase)]), docnums)
    for phrase in phrases:
        if phrase.fieldname not in BOOSTS or not all(searcher.doc_frequency(phrase.fieldname, w) for w in phrase.words):
            continue
        at = []  # per word: docnum → its positions
        for word in phrase.words:
            matcher, found = searcher.postings(phrase.fieldname, word), {}
            while matcher.is_active():
                found[matcher.id()] = set(matcher.value_as("positions"))
                matcher.next()
            at.append(found)
        idf = BOOSTS[phrase.fieldname] * sum(
            math.log(1 + (total - found_in + 0.5) / (found_in + 0.5))
            for found_in in (searcher.doc_frequency(phrase.fieldname, w) for w in phrase.words))
        for docnum in docnums:
            starts = at[0].get(docnum, set())
            tf = sum(all(start + k in at[k].get(docnum, ()) for k in range(1, len(at))) for start in starts)
            if tf:
                length = searcher.doc_field_length(docnum, phrase.fieldname) if phrase.fieldname == LENGTH_FIELD else None
                norm = 1 - B + B * length / average if length is not None else 1.0
                scores[docnum] += idf * tf * (K1 + 1) / (tf + K1 * norm)
    return scores


@pytest.mark.parametrize("text", ['"แผน ยุทธศาสตร์"', '"แผน ยุทธศาสตร์ ตัวชี้วัด"', 'นวัตกรรม "ข้อมูล ดิจิทัล แผน"'])
def test_a_phrase_ranks_by_how_often_it_stands_on_the_page(index, text):
    """Ranking with the frequencies matching found (query.search passes them): the
    phrase's own, never its words' scattered occurrences."""
    ix, searcher, _ = index
    query = And([build_query(text, ix.schema, False), Or([Term("agency", "1"), Term("agency", "2")])])
    phrases: dict = {}
    mask = match_mask(searcher, query, phrases)
    assert mask.any() and {p.fieldname for p in phrases} == {"content"}
    reference = _reference_phrase_bm25(searcher, query, _docs(mask))
    expected = sorted(reference.items(), key=lambda item: (-item[1], item[0]))[:20]
    best = top_docs(searcher, query, mask, 20, phrases=phrases)
    assert [d for _, d in best] == [d for d, _ in expected]
    assert [s for s, _ in best] == pytest.approx([s for _, s in expected])
    assert best != top_docs(searcher, query, mask, 20)  # (not the words' scattered occurrences)


def test_top_docs_newest_first_by_date(index):
    ix, searcher, _ = index
    query = Term("content", "นวัตกรรม")
    mask = match_mask(searcher, query)
    newest = top_docs(searcher, query, mask, 15, by_date=True)
    dates = [searcher.stored_fields(d)["updated"] for _, d in newest]
    every_date = sorted((searcher.stored_fields(d)["updated"] for d in _docs(mask)), reverse=True)
    assert dates == every_date[:15]
    assert top_docs(searcher, query, mask & False, 10) == []


@pytest.mark.parametrize("text", ["นวัตกรรม", "แผน ดิจิทัล"])
def test_top_groups_rank_each_group_by_its_best_document(index, text):
    ix, searcher, _ = index
    query = build_query(text, ix.schema, True)
    mask = match_mask(searcher, query)
    reference = _reference_bm25(searcher, query, _docs(mask))
    members: dict[int, list] = {}
    for docnum, score in sorted(reference.items(), key=lambda item: (-item[1], item[0])):
        members.setdefault(group_of(int(searcher.stored_fields(docnum)["evidence"])), []).append(docnum)
    expected = sorted(members.values(), key=lambda docs: (-reference[docs[0]], docs[0]))
    groups = top_groups(searcher, query, mask, 8)
    assert [g.best for g in groups] == [docs[0] for docs in expected[:8]]
    assert [g.members.tolist() for g in groups] == expected[:8]
    assert [g.score for g in groups] == pytest.approx([reference[docs[0]] for docs in expected[:8]])
    assert top_groups(searcher, query, mask & False, 8) == []


def test_top_groups_newest_first_by_date(index):
    ix, searcher, _ = index
    query = Term("content", "นวัตกรรม")
    mask = match_mask(searcher, query)
    newest = top_groups(searcher, query, mask, 5, by_date=True)
    dates = [searcher.stored_fields(g.best)["updated"] for g in newest]
    assert dates == sorted(dates, reverse=True) and len({g.best for g in newest}) == 5


def test_warming_up_decodes_the_commonest_words_and_changes_no_answer(index):
    _, searcher, _ = index
    query = Term("content", "แผน")
    def ranked():
        return [(g.best, g.score) for g in matching.top_groups(searcher, query, matching.match_mask(searcher, query), 20)]

    before = ranked()
    matching.clear_caches()
    matching.warm_up(searcher, words=3)
    common = [text.decode() for _, text in searcher.reader().most_frequent_terms("content", 3)]
    for leaf, _offset in searcher.reader().leaf_readers():
        for word in common:
            assert matching._recall((leaf.segment().segment_id(), "content", word)) is not None
    assert "kpi" not in common and matching._recall((leaf.segment().segment_id(), "content", "kpi")) is None
    assert ranked() == before
