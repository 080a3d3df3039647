"""index.analysed(): the Whoosh documents the portal writes have each phrase-searched
field's words found once, for the field and its word pairs. The index must come out as
if each field's analyzer had read the text itself: the same terms at the same positions,
the same pairs, the text stored as it was."""
from datetime import datetime

from whoosh.filedb.filestore import RamStorage

from bench.search_bench import criteria_lines
from portal.search import index
from portal.search.matching import PAIR_FIELDS, group_key

ANALYSED = [*PAIR_FIELDS, *PAIR_FIELDS.values()]


def _documents() -> list[dict]:
    lines = criteria_lines()[200:260]  # the guide's own text (the criteria files', in every checkout)
    texts = [" ".join(lines[i:i + 6]) for i in range(0, len(lines), 6)]
    texts += ["don't ๒๕๖๘ KPI ร้อยละ 95.5 'quoted' \\ back", "", "ก"]
    return [{"doc_id": f"{n}:1", "evidence": str(n), "agency": "1", "cycle": "1", "categories": "1",
             "file_kind": "pdf", "file_name": f"รายงาน_ผลการดำเนินงาน {n}.pdf", "title": text[:60],
             "title_bigram": text[:60], "content": text, "content_bigram": text, "updated": datetime(2026, 1, 1),
             "dated": "0", "group": group_key("evidence", n), "evidence_number": n, "page": 1, "page_label": ""}
            for n, text in enumerate(texts, 1)]


def _written(documents: list[dict]):
    ix = RamStorage().create_index(index.schema())
    with ix.writer() as writer:
        for document in documents:
            writer.add_document(**document)
    return ix


def _postings(ix, field: str) -> dict:
    with ix.searcher() as searcher:
        reader = searcher.reader()
        return {term: list(reader.postings(field, term).items_as("positions")) for term in reader.lexicon(field)}


def test_words_found_once_index_as_each_field_reading_its_text():
    documents = _documents()
    by_analyzers = _written([{**d, **{pairs: d[field] for field, pairs in PAIR_FIELDS.items()}} for d in documents])
    found_once = _written([index.analysed(d) for d in documents])
    for field in ANALYSED:
        expected = _postings(by_analyzers, field)
        assert expected and _postings(found_once, field) == expected, field
    with by_analyzers.searcher() as one, found_once.searcher() as other:
        assert list(one.all_stored_fields()) == list(other.all_stored_fields())
        assert {"title", "content", "file_name"} <= set(next(other.all_stored_fields()))


def test_the_text_is_stored_not_its_words():
    document = index.analysed(_documents()[-3])
    assert isinstance(document["content"], list) and "kpi" in document["content"]
    assert document["_stored_content"].startswith("don't ๒๕๖๘ KPI")
    assert "don't ๒๕๖๘" not in document["content_pairs"] and "don't 2568" in document["content_pairs"]
