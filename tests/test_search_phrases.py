"""Phrases through the word pairs (matching.PAIR_FIELDS): a two-word phrase is its pair, a
longer one is narrowed by its pairs and checked by position on those pages only, and the
answers are Whoosh's own Phrase query's, on the fast reader and on the public API."""
import random

import numpy as np
import pytest
from sqlalchemy import select
from whoosh import index as whoosh_index
from whoosh.query import And, Phrase, Term

from portal.admin import operations as admin_ops
from portal.evidence import operations as ops
from portal.extensions import db
from portal.models import Agency, ChecklistItem, EvidencePage, SubItem
from portal.search import backend, matching, whoosh_codec
from portal.search.analyzer import word_pairs
from portal.search.index import schema
from portal.search.matching import match_mask
from portal.search.query import build_query
from tests.helpers import make_agency

VOCABULARY = ["แผน", "ยุทธศาสตร์", "ชาติ", "การ", "จัดการ", "ความรู้"]


def _docs(mask) -> set[int]:
    return {int(d) for d in np.flatnonzero(mask)}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Pages of a few words in random order, so most of a phrase's pairs occur on a page
    apart from each other; two segments, the pairs written as the portal writes them."""
    rng = random.Random(11)
    ix = whoosh_index.create_in(str(tmp_path_factory.mktemp("phrases")), schema())
    for start in (0, 300):
        writer = ix.writer()
        for n in range(start, start + 300):
            content = [rng.choice(VOCABULARY) for _ in range(rng.randint(0, 30))]
            title = [rng.choice(VOCABULARY) for _ in range(rng.randint(0, 4))]
            writer.add_document(doc_id=str(n), evidence=str(n), content=content, content_pairs=word_pairs(content),
                                title=title, title_pairs=word_pairs(title))
        writer.commit(merge=False)
    with ix.searcher() as searcher:
        yield searcher


def _phrases(rng, count: int):
    for _ in range(count):
        yield Phrase(rng.choice(["content", "title"]), [rng.choice(VOCABULARY) for _ in range(rng.randint(2, 5))])


@pytest.mark.parametrize("fast", [True, False], ids=["fast reader", "public API"])
def test_phrases_find_what_whooshs_own_phrase_query_finds(small, fast, monkeypatch):
    monkeypatch.setattr(whoosh_codec, "FAST", fast)
    matching.clear_caches()
    narrowed = 0
    for query in _phrases(random.Random(5), 150):
        expected = set(small.docs_for_query(query))
        assert _docs(match_mask(small, query)) == expected, query
        with_pairs = set(small.docs_for_query(
            And([Term(f"{query.fieldname}_pairs", p) for p in word_pairs(query.words)])))
        narrowed += len(with_pairs - expected)
    assert narrowed  # pages with every pair of a phrase but not side by side: the position check was needed
    matching.clear_caches()


def test_a_phrase_whose_pairs_stand_apart_is_not_found(small):
    pairs = matching.PAIR_FIELDS["content"]
    # Every page holding "แผน ยุทธศาสตร์" and "ยุทธศาสตร์ ชาติ" apart, never the three side by side.
    apart = [d for d in small.docs_for_query(And([Term(pairs, "แผน ยุทธศาสตร์"),
                                                          Term(pairs, "ยุทธศาสตร์ ชาติ")]))
             if d not in set(small.docs_for_query(Phrase("content", ["แผน", "ยุทธศาสตร์", "ชาติ"])))]
    assert apart
    assert not _docs(match_mask(small, Phrase("content", ["แผน", "ยุทธศาสตร์", "ชาติ"]))) & set(apart)


def test_two_words_are_their_pair_and_no_position_is_read(small, monkeypatch):
    def no_positions(*args, **kwargs):
        raise AssertionError("positions read for a two-word phrase")

    monkeypatch.setattr(whoosh_codec, "read_positions_within", no_positions)
    monkeypatch.setattr(matching, "_position_keys", no_positions)
    matching.clear_caches()
    query = Phrase("content", ["ยุทธศาสตร์", "ชาติ"])
    found = _docs(match_mask(small, query))
    assert found and found == set(small.docs_for_query(query))


def test_longer_phrases_read_positions_only_on_the_pages_of_their_rarest_pair(small, monkeypatch):
    """"การจัดการความรู้": its pair "จัดการ ความรู้" is the rarer; its pages are the only
    ones whose positions are read, and the common "การ จัดการ" is read only where the
    rarer stands: neither every position of a word nor every posting of the common pair."""
    read, whole = [], []
    within, postings = whoosh_codec.read_positions_within, matching.term_postings

    def recorded(matchers, wanted, fast=None):
        read.append(sum(len(w) for w in wanted))  # pages asked for, per pair
        return within(matchers, wanted, fast)

    monkeypatch.setattr(whoosh_codec, "read_positions_within", recorded)
    monkeypatch.setattr(matching, "term_postings", lambda s, field, text: whole.append(text) or postings(s, field, text))
    monkeypatch.setattr(matching, "_position_keys", lambda *a: pytest.fail("every position of a word read"))
    matching.clear_caches()
    query = Phrase("content", ["การ", "จัดการ", "ความรู้"])
    rarer = list(small.docs_for_query(Term("content_pairs", "จัดการ ความรู้")))
    assert len(rarer) < small.doc_frequency("content_pairs", "การ จัดการ")
    assert _docs(match_mask(small, query)) == set(small.docs_for_query(query))
    assert whole == ["จัดการ ความรู้"]
    assert len(read) == 2 and read[1] <= read[0] <= len(rarer) < small.doc_count_all()


def test_the_portal_indexes_pairs_within_a_field_only(app, monkeypatch):
    """Through the real path (documents_for, the rebuild): a phrase split between the title
    and the text, or between two pages, is not found; one within a page is, by its pair."""
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", "whoosh")
    with app.app_context():
        agency = make_agency("PAIRS")
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        item = db.session.scalar(select(ChecklistItem).join(SubItem)
                                 .where(SubItem.code == "1.1", ChecklistItem.code == "B1"))
        evidence = ops.add_link(agency, item, "https://example.go.th/p", "รายงานแผนยุทธศาสตร์", None)
        for number, text in enumerate(["ชาติ เป็นกรอบ ของ แผน", "ยุทธศาสตร์ ระยะยาว เทคโนโลยีดิจิทัล"], start=1):
            evidence.pages.append(EvidencePage(number=number, label=f"หน้า {number}", text=text))
        db.session.commit()
        agency_id, item_id = agency.id, item.id
        backend.rebuild()
        ix = backend.open_index()
        with ix.searcher() as searcher:
            assert "เทคโนโลยี ดิจิทัล" in {t.decode() for t in searcher.reader().lexicon("content_pairs")}
            assert "แผน ยุทธศาสตร์" in {t.decode() for t in searcher.reader().lexicon("title_pairs")}

            def found(text):
                return _docs(match_mask(searcher, build_query(text, searcher.schema, False)))

            assert found("เทคโนโลยีดิจิทัล") and found("แผนยุทธศาสตร์")
            assert not found("ยุทธศาสตร์ชาติ")  # the title's last word, then the first page's first
            assert not found('"ของ แผน ยุทธศาสตร์"')  # the end of page 1, then the start of page 2
            results = backend.search(ix, "ยุทธศาสตร์ชาติ", None, {})
            assert results.total == 0
        # The worker's update of one evidence (tasks.py) writes its pairs too.
        later = ops.add_link(db.session.get(Agency, agency_id), db.session.get(ChecklistItem, item_id),
                             "https://example.go.th/q", "สรุปผล", None)
        later.pages.append(EvidencePage(number=1, label="หน้า 1", text="การจัดการความรู้ขององค์กร"))
        db.session.commit()
        assert backend.update_or_repair([later.id])
        with backend.open_index().searcher() as searcher:
            found = match_mask(searcher, build_query('"การจัดการความรู้"', searcher.schema, False))
            assert {searcher.stored_fields(int(d))["evidence"] for d in np.flatnonzero(found)} == {str(later.id)}
