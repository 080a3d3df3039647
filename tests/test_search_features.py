"""Search: date filter, sort by date, "did you mean" within the permitted agencies,
resumable rebuild, and counts and facets that never include another agency."""
import json
import re
from datetime import date, timedelta

import pytest

from portal.extensions import db
from portal.models import Evidence
from portal.search.index import open_index, rebuild
from portal.search.query import DateFilter, search
from portal.search.backend import index_folder
from tests.helpers import SEARCH_ENGINES, login
from tests.test_search import DOCS, corpus, titles  # noqa: F401  (the shared fixture)


@pytest.fixture
def search_engine(whoosh_engine):
    """The shared corpus on Whoosh: most tests here drive the Whoosh index's own functions;
    those parametrised with SEARCH_ENGINES set their engine themselves."""
    return "whoosh"


RESULTS = len(DOCS)  # one result per evidence, its pages folded into it


class Interrupted(Exception):
    pass


def _set_dates(app, corpus, dates):
    with app.app_context():
        for title, day in dates.items():
            db.session.get(Evidence, corpus["ids"][title]).document_date = day
        db.session.commit()
        rebuild(index_folder(), fresh=True)


def _search(app, text, agency_ids=None, **kwargs):
    with app.app_context():
        return search(open_index(index_folder()), text, agency_ids, **kwargs)


def test_date_filter_on_the_document_date(app, corpus):
    _set_dates(app, corpus, {"แผนยุทธศาสตร์กรม": date(2025, 3, 15), "รายงานตัวชี้วัด": date(2026, 1, 10)})
    in_2025 = _search(app, "", dates=DateFilter("document", date(2025, 1, 1), date(2025, 12, 31)))
    assert {h.title for h in in_2025.hits} == {"แผนยุทธศาสตร์กรม"}
    from_2026 = _search(app, "", dates=DateFilter("document", date(2026, 1, 10), None))
    assert {h.title for h in from_2026.hits} == {"รายงานตัวชี้วัด"}  # the first day itself counts
    with_words = _search(app, "ตัวชี้วัด", dates=DateFilter("document", None, date(2025, 12, 31)))
    assert with_words.total == 0


def test_date_filter_on_the_page_accepts_buddhist_era_dates(app, corpus):
    _set_dates(app, corpus, {"แผนยุทธศาสตร์กรม": date(2025, 3, 15), "รายงานตัวชี้วัด": date(2026, 1, 10)})
    client = app.test_client()
    login(client, "srch-assessor")
    body = client.get("/search/?date_from=1 ม.ค. 2568&date_to=31/12/2568").get_data(as_text=True)
    assert "แผนยุทธศาสตร์กรม" in body and "รายงานตัวชี้วัด" not in body
    error = client.get("/search/?q=แผน&date_from=31 ฟฟ. 2568").get_data(as_text=True)
    assert "ไม่รู้จักชื่อเดือน" in error and "แผนยุทธศาสตร์กรม" not in error
    reversed_range = client.get("/search/?q=แผน&date_from=1/1/2569&date_to=1/1/2568").get_data(as_text=True)
    assert "วันที่เริ่มต้องไม่หลังวันที่สิ้นสุด" in reversed_range


def test_date_filter_on_the_upload_date(app, corpus):
    today = date.today()
    around = _search(app, "", dates=DateFilter("uploaded", today - timedelta(days=1), today + timedelta(days=1)))
    assert around.total == RESULTS
    before = _search(app, "", dates=DateFilter("uploaded", None, today - timedelta(days=2)))
    assert before.total == 0


def test_sort_by_date_puts_the_latest_change_first(app, corpus):
    with app.app_context():
        db.session.get(Evidence, corpus["ids"]["การวิเคราะห์ SWOT"]).title = "การวิเคราะห์ SWOT ฉบับปรับปรุง"
        db.session.commit()
        rebuild(index_folder(), fresh=True)
    latest = _search(app, "", sort="date")
    assert latest.hits[0].title == "การวิเคราะห์ SWOT ฉบับปรับปรุง"
    assert _search(app, "", sort="relevance").hits[0].title != latest.hits[0].title or len(DOCS) == 1


def test_did_you_mean_comes_from_visible_documents_only(app, corpus):
    a, b = corpus["agencies"]["A"], corpus["agencies"]["B"]
    typo = "อุทกภับ"  # only agency B's document has อุทกภัย
    assessor = _search(app, typo)
    assert assessor.total == 0 and assessor.suggestion == "อุทกภัย"
    assert _search(app, typo, {b}).suggestion == "อุทกภัย"
    own = _search(app, typo, {a})
    assert own.total == 0 and "อุทกภัย" not in own.suggestion
    # a user's own words are still suggested to them
    assert _search(app, "SWOTT", {a}).suggestion == "swot"


def test_did_you_mean_on_the_page_never_shows_another_agencys_word(app, corpus):
    client = app.test_client()
    login(client, "srch-a")
    body = client.get("/search/?q=อุทกภับ").get_data(as_text=True)
    assert "ไม่พบหลักฐาน" in body and "อุทกภัย" not in body and "คุณหมายถึง" not in body
    client = app.test_client()
    login(client, "srch-assessor")
    body = client.get("/search/?q=อุทกภับ").get_data(as_text=True)
    assert "คุณหมายถึง" in body and "อุทกภัย" in body


def test_counts_and_facets_stay_inside_the_agency(app, corpus):
    a = corpus["agencies"]["A"]
    mine = _search(app, "", {a}, per_page=50)
    everyone = _search(app, "", None, per_page=50)
    assert mine.total == sum(1 for agency, _, _ in DOCS.values() if agency == "A") < everyone.total  # evidence, not pages
    assert set(mine.facets["agency"]) == {str(a)} and sum(mine.facets["agency"].values()) == mine.total
    assert {h.agency_id for h in mine.hits} == {a}


def _documents(app):
    with app.app_context():
        with open_index(index_folder()).searcher() as searcher:
            return sorted((d["doc_id"], d["title"], d["content"]) for d in searcher.all_stored_fields())


def test_an_interrupted_rebuild_resumes_and_catches_up(app, corpus):
    with app.app_context():
        rebuild(index_folder(), fresh=True)
    complete = _documents(app)

    def stop_after_first_batch(done, total):
        if done:
            raise Interrupted

    with app.app_context(), pytest.raises(Interrupted):
        rebuild(index_folder(), progress=stop_after_first_batch, batch=2)
    assert titles(app, "ยุทธศาสตร์")[0]  # the old index still answers meanwhile
    first_id = min(corpus["ids"].values())
    with app.app_context():  # changed after its batch was written: the resume must catch up
        db.session.get(Evidence, first_id).title = "แผนยุทธศาสตร์กรม ฉบับทบทวน"
        db.session.commit()
    calls = []
    with app.app_context():
        assert rebuild(index_folder(), progress=lambda done, total: calls.append(done), batch=2) == len(DOCS)
    assert calls[0] == 2 and calls[-1] == len(DOCS)  # continued after the first batch
    resumed = _documents(app)
    assert len(resumed) == len(complete)  # nothing written twice
    assert "แผนยุทธศาสตร์กรม ฉบับทบทวน" in {title for _, title, _ in resumed}
    with app.app_context():
        rebuild(index_folder(), fresh=True)
    assert _documents(app) == resumed


def test_cli_reindex_resumes_and_query_filters_by_date(app, corpus):
    with app.app_context(), pytest.raises(Interrupted):
        rebuild(index_folder(), progress=lambda done, total: (_ for _ in ()).throw(Interrupted) if done else None,
                batch=3)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "reindex", "--batch", "3"])
    assert result.exit_code == 0 and "ต่อจากครั้งก่อน: ทำไปแล้ว 3 จาก 7" in result.output
    _set_dates(app, corpus, {"แผนยุทธศาสตร์กรม": date(2025, 3, 15)})
    out = runner.invoke(args=["search", "query", "แผน", "--from", "1 ม.ค. 2568", "--to", "31 ธ.ค. 2568", "--json"])
    data = json.loads(out.output)
    assert [h["title"] for h in data["hits"]] == ["แผนยุทธศาสตร์กรม"]
    bad = runner.invoke(args=["search", "query", "แผน", "--from", "32/13/2568"])
    assert bad.exit_code != 0 and "ไม่มีวันที่นี้ในปฏิทิน" in bad.output


def matching_docs(searcher, query) -> set[int]:
    from portal.search.matching import match_mask

    return {int(d) for d in match_mask(searcher, query).nonzero()[0]}


def test_fast_match_sets_equal_whooshs_own_matching(app, corpus):
    from portal.models import Evidence as E
    from portal.search.index import update_evidence
    from portal.search.query import _scoped, build_query, scope_filter

    with app.app_context():  # a deletion leaves a deleted document in the segment
        db.session.get(E, corpus["ids"]["รายงานตัวชี้วัด"]).title = "รายงานตัวชี้วัด ปรับปรุง"
        db.session.commit()
        update_evidence(index_folder(), [corpus["ids"]["รายงานตัวชี้วัด"]])
        ix = open_index(index_folder())
        with ix.searcher() as searcher:
            assert searcher.reader().has_deletions()
            for agencies in (None, {corpus["agencies"]["A"]}, {corpus["agencies"]["B"]}):
                for text in ("แผน", "ตัวชี้วัด KPI", '"ตัวชี้วัด KPI"', "อุทกภัย", "ยุทธศาสตร"):
                    for bigrams in (False, True):
                        query = _scoped(build_query(text, ix.schema, bigrams), scope_filter(agencies, {}))
                        assert matching_docs(searcher, query) == set(searcher.docs_for_query(query)), (text, agencies)
    found = search(ix, "ตัวชี้วัด", {corpus["agencies"]["A"]})  # ranking through the same path
    assert {h.title for h in found.hits} >= {"รายงานตัวชี้วัด ปรับปรุง"}


def test_fast_match_sets_for_date_ranges(app, corpus):
    _set_dates(app, corpus, {"แผนยุทธศาสตร์กรม": date(2025, 3, 15), "รายงานตัวชี้วัด": date(2026, 1, 10)})
    with app.app_context():
        ix = open_index(index_folder())
        with ix.searcher() as searcher:
            for start, end in ((date(2025, 1, 1), date(2025, 12, 31)), (None, date(2026, 1, 10)), (date(2026, 1, 11), None)):
                query = scope_filter_for(DateFilter("document", start, end))
                assert matching_docs(searcher, query) == set(searcher.docs_for_query(query))


def scope_filter_for(dates):
    from portal.search.query import scope_filter

    return scope_filter(None, {}, dates)


@pytest.mark.parametrize("engine", SEARCH_ENGINES)
def test_link_hits_highlight_the_title_and_keep_the_address_out_of_the_snippet(app, corpus, engine, monkeypatch):
    from portal.evidence import operations as ops
    from portal.models import Agency, ChecklistItem
    from portal.search import backend

    monkeypatch.setitem(app.config, "SEARCH_BACKEND", engine)
    with app.app_context():
        agency = db.session.get(Agency, corpus["agencies"]["A"])
        item = db.session.scalars(db.select(ChecklistItem)).first()
        link = ops.add_link(agency, item, "https://data.example.go.th/open-data", "ชุดข้อมูลเปิดภาครัฐ", None)
        link.description = "รายการชุดข้อมูลที่เผยแพร่"
        db.session.commit()
        backend.rebuild(fresh=True)
        found = backend.search(backend.open_index(), "ชุดข้อมูล", {corpus["agencies"]["A"]})
    hit = next(h for h in found.hits if h.evidence_id == link.id)
    assert hit.file_kind == "link" and hit.file_name == "https://data.example.go.th/open-data"
    assert _marked(hit.title_html) == "ชุดข้อมูล" and "https://" not in hit.snippet
    assert _marked(hit.snippet) == "ชุดข้อมูล"
    client = app.test_client()
    login(client, "srch-a")
    page = client.get("/search/?q=ชุดข้อมูล").get_data(as_text=True)
    assert "ลิงก์" in page and 'href="https://data.example.go.th/open-data"' in page and "LINK" not in page
    assert "kind=link" in page  # the type facet is a filter link


def test_titles_are_escaped_when_highlighted(app, corpus):
    with app.app_context():
        evidence = db.session.get(Evidence, corpus["ids"]["การวิเคราะห์ SWOT"])
        evidence.title = "<b>SWOT</b> & แผน"
        db.session.commit()
        rebuild(index_folder(), fresh=True)
    hit = _search(app, "SWOT").hits[0]
    assert re.sub(r"<mark[^>]*>", "<mark>", hit.title_html) == "&lt;b&gt;<mark>SWOT</mark>&lt;/b&gt; &amp; แผน"


def _marked(html: str) -> str:
    return "".join(re.findall(r"<mark[^>]*>(.*?)</mark>", html))


def test_rebuild_commits_by_pages_as_well_as_by_evidence(app, corpus, monkeypatch):
    from portal.search import index as search_index

    monkeypatch.setattr(search_index, "PAGES_PER_COMMIT", 2)
    pages = {corpus["ids"][title]: len(texts) for title, (_, _, texts) in DOCS.items()}
    with app.app_context():
        ids = sorted(pages)
        chunks = list(search_index._batches(ids, most=100))
        assert [i for chunk in chunks for i in chunk] == ids
        assert all(sum(pages[i] for i in chunk) <= 2 for chunk in chunks) and len(chunks) < len(ids)
        assert max(len(c) for c in search_index._batches(ids, most=1)) == 1
        before = _documents(app)
        calls = []
        rebuild(index_folder(), progress=lambda done, total: calls.append(done), fresh=True)
        assert calls == [0] + [sum(len(c) for c in chunks[:n + 1]) for n in range(len(chunks))]
    assert _documents(app) == before


def test_partial_word_hits_mark_the_letters_found(app, corpus):
    """Found through letter pairs ("ยุทธ" inside "ยุทธศาสตร์"): the snippet still marks it."""
    hit = next(h for h in _search(app, "ยุทธ").hits if h.title == "แผนยุทธศาสตร์กรม")
    assert _marked(hit.snippet) == "ยุทธ" and "แผน" in hit.snippet
    assert re.sub(r"<mark[^>]*>", "<mark>", hit.title_html) == "แผน<mark>ยุทธ</mark>ศาสตร์กรม"


def test_marks_inside_words_are_escaped_and_cut_at_word_boundaries():
    from portal.search.query import _marked_inside_words

    text = "ก่อนหน้า " * 30 + "<script>แผนยุทธศาสตร์</script> " + "ตามมา " * 80
    html = _marked_inside_words(text, {"ยุทธ"})
    assert "<script>" not in html and "&lt;script&gt;แผน<mark" in html and _marked(html) == "ยุทธ"
    assert html.startswith("…ก่อนหน้า") and html.endswith("ตามมา…")
    assert _marked_inside_words("ปี ๒๕๗๐", {"2570"}) == 'ปี <mark class="match">๒๕๗๐</mark>'
    assert _marked_inside_words("ไม่มี", {"แผน"}) == ""


@pytest.mark.parametrize("engine", SEARCH_ENGINES)
def test_page_filters_by_sub_item_and_item_and_rejects_bad_codes(app, corpus, engine, monkeypatch):
    from portal.search import backend

    monkeypatch.setitem(app.config, "SEARCH_BACKEND", engine)
    with app.app_context():
        backend.rebuild(fresh=True)
    client = app.test_client()
    login(client, "srch-a")
    page = client.get("/search/?q=&sub_item=2.2").get_data(as_text=True)
    assert "รายงานตัวชี้วัด" in page and "แผนยุทธศาสตร์กรม" not in page
    assert '<option value="2.2" selected>' in page
    by_item = client.get("/search/?item=1.1-b1").get_data(as_text=True)  # typed in lower case
    assert "แผนยุทธศาสตร์กรม" in by_item and "รายงานตัวชี้วัด" not in by_item and 'value="1.1-B1"' in by_item
    assert "ความลับของจังหวัด" not in by_item  # same item code, another agency
    for query, message in (("item=2.2-X9", "รหัสรายการต้องอยู่ในรูปแบบ 2.2-B1"), ("sub_item=9.9", "หัวข้อย่อยต้องอยู่ในรูปแบบ 2.2"),
                           ("q=แผน&date_from=32/13/2568", "ไม่มีวันที่นี้ในปฏิทิน")):
        response = client.get(f"/search/?{query}", headers={"HX-Request": "true"})
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and message in body and 'role="alert"' in body, query
        assert "แผนยุทธศาสตร์กรม" not in body


@pytest.mark.parametrize("engine", SEARCH_ENGINES)
def test_a_thai_run_typed_without_spaces_is_a_phrase(app, corpus, engine, monkeypatch):
    from portal.evidence import operations as ops
    from portal.models import Agency, EvidencePage
    from portal.search import backend

    monkeypatch.setitem(app.config, "SEARCH_BACKEND", engine)
    with app.app_context():
        agency = db.session.get(Agency, corpus["agencies"]["A"])
        apart = ops.add_link(agency, None, "https://example.go.th/apart", "บันทึกการประชุม", None)
        apart.pages.append(EvidencePage(number=1, label="หน้า 1", text="แผน การเงิน ประจำปี และเรื่อง ยุทธศาสตร์ ของกรม"))
        db.session.commit()
        backend.rebuild(fresh=True)
        together = {h.title for h in backend.search(backend.open_index(), "แผนยุทธศาสตร์", None).hits}
        spaced = {h.title for h in backend.search(backend.open_index(), "แผน ยุทธศาสตร์", None).hits}
    assert "แผนยุทธศาสตร์กรม" in together and "บันทึกการประชุม" not in together
    assert {"แผนยุทธศาสตร์กรม", "บันทึกการประชุม"} <= spaced  # two words: both anywhere on the page
