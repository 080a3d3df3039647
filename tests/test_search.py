"""Search: Thai relevance with known answers, agency scoping inside the index query,
index lifecycle, the page and the command line."""
import json
import shutil

import pytest
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.evidence import operations as ops
from portal.extensions import db
from portal.models import ChecklistItem, Evidence, EvidencePage, SubItem
from portal.search import backend
from portal.search.index import SearchUnavailable, open_index, rebuild
from portal.search.backend import index_folder
from tests.helpers import SEARCH_ENGINES, login, make_agency, make_user

DOCS = {  # title → (agency, item, page texts)
    "แผนยุทธศาสตร์กรม": ("A", "1.1-B1", ["แผนยุทธศาสตร์ของส่วนราชการ ระยะ 5 ปี (พ.ศ. 2566-2570)"]),
    "รายงานตัวชี้วัด": ("A", "2.2-B1", ["ผลการดำเนินงานตามตัวชี้วัด KPI ร้อยละ 95", "ตัวชี้วัดระดับหน่วยงาน"]),
    "ผลประเมิน ITA": ("A", "1.2-B1", ["ผลการประเมินคุณธรรมและความโปร่งใส ITA ได้ระดับ A"]),
    "การวิเคราะห์ SWOT": ("A", "2.1-B1", ["วิเคราะห์สภาพแวดล้อมด้วย SWOT จุดแข็ง จุดอ่อน"]),
    "แผนปฏิบัติการประจำปี": ("A", "2.3-B1", ["ถ่ายทอดแผนปฏิบัติการสู่ทุกหน่วยงาน"]),
    "นวัตกรรมบริการ": ("A", "3.3-A1", ["นวัตกรรมการให้บริการประชาชนแบบดิจิทัล"]),
    "ความลับของจังหวัด": ("B", "1.1-B1", ["เอกสารเฉพาะจังหวัดเรื่องอุทกภัยลุ่มน้ำเจ้าพระยา"]),
}
QUERIES = {  # query → titles that must be in the top 10
    "แผนยุทธศาสตร์": {"แผนยุทธศาสตร์กรม"},
    "ยุทธศาสตร์": {"แผนยุทธศาสตร์กรม"},
    "ตัวชี้วัด": {"รายงานตัวชี้วัด"},
    '"ตัวชี้วัด KPI"': {"รายงานตัวชี้วัด"},
    "KPI": {"รายงานตัวชี้วัด"},
    "ita": {"ผลประเมิน ITA"},
    "SWOT": {"การวิเคราะห์ SWOT"},
    "ปฏิบัติการ": {"แผนปฏิบัติการประจำปี"},
    "บริการประชาชน": {"นวัตกรรมบริการ"},
    "๒๕๗๐": {"แผนยุทธศาสตร์กรม"},
    "ความโปร่งใส ITA": {"ผลประเมิน ITA"},
}


@pytest.fixture(params=SEARCH_ENGINES)
def search_engine(request, app, monkeypatch):
    """Every test on the corpus runs on each engine the pass has (PostgreSQL's when it answers)."""
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", request.param)
    return request.param


whoosh_only = pytest.mark.parametrize("search_engine", ["whoosh"], indirect=True)


@pytest.fixture
def corpus(app, search_engine):
    with app.app_context():
        agencies = {"A": make_agency("SRCH-A"), "B": make_agency("SRCH-B", kind="province")}
        make_user("srch-a", ("agency_editor", agencies["A"]))
        make_user("srch-b", ("agency_editor", agencies["B"]))
        make_user("srch-assessor", ("assessor", None))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        ids = {}
        for title, (agency, code, pages) in DOCS.items():
            sub_code, item_code = code.split("-")
            item = db.session.scalar(select(ChecklistItem).join(SubItem)
                                     .where(SubItem.code == sub_code, ChecklistItem.code == item_code))
            evidence = ops.add_link(agencies[agency], item, "https://example.go.th/x", title, None)
            for number, text in enumerate(pages, start=1):
                evidence.pages.append(EvidencePage(number=number, label=f"หน้า {number}", text=text))
            db.session.commit()
            ids[title] = evidence.id
        agency_ids = {k: a.id for k, a in agencies.items()}
        backend.rebuild()
        return {"ids": ids, "agencies": agency_ids}


def titles(app, text, agency_ids=None, **filters):
    with app.app_context():
        results = backend.search(backend.open_index(), text, agency_ids, filters)
    return [h.title for h in results.hits], results


@pytest.mark.parametrize("query,expected", list(QUERIES.items()))
def test_recall_at_10(app, corpus, query, expected):
    found, _ = titles(app, query)
    assert expected <= set(found[:10]), (query, found)


def test_recall_over_the_whole_set_is_complete(app, corpus):
    hits = sum(len(expected & set(titles(app, q)[0][:10])) for q, expected in QUERIES.items())
    assert hits / sum(len(e) for e in QUERIES.values()) == 1.0


def test_highlights_mark_the_matching_thai_words(app, corpus):
    _, results = titles(app, "ตัวชี้วัด")
    snippet = next(h.snippet for h in results.hits if h.title == "รายงานตัวชี้วัด")
    assert "<mark class=\"match" in snippet and "ตัว" in snippet


def test_agency_scope_is_inside_the_query(app, corpus):
    a = {corpus["agencies"]["A"]}
    found, results = titles(app, "อุทกภัย", a)
    assert found == [] and results.total == 0
    found, results = titles(app, "แผน", a)
    assert "ความลับของจังหวัด" not in found
    assert set(results.facets["agency"]) <= {str(corpus["agencies"]["A"])}
    everyone, _ = titles(app, "อุทกภัย", None)
    assert everyone == ["ความลับของจังหวัด"]


def test_filters(app, corpus):
    found, _ = titles(app, "", None, category="2")
    assert set(found) == {"รายงานตัวชี้วัด", "การวิเคราะห์ SWOT", "แผนปฏิบัติการประจำปี"}
    found, _ = titles(app, "", None, level="advance")
    assert found == ["นวัตกรรมบริการ"]
    found, _ = titles(app, "", None, item="1.1-B1", agency=str(corpus["agencies"]["A"]))
    assert found == ["แผนยุทธศาสตร์กรม"]


def test_delete_restore_and_detach_update_the_index(app, corpus):
    evidence_id = corpus["ids"]["แผนยุทธศาสตร์กรม"]
    with app.app_context():
        evidence = db.session.get(Evidence, evidence_id)
        ops.delete(evidence, None)
        db.session.commit()
        backend.update_evidence([evidence_id])
    assert "แผนยุทธศาสตร์กรม" not in titles(app, "ยุทธศาสตร์")[0]
    with app.app_context():
        evidence = db.session.get(Evidence, evidence_id)
        ops.restore(evidence, None)
        item = evidence.attachments[0].checklist_item
        ops.detach(evidence, item, None)
        db.session.commit()
        backend.update_evidence([evidence_id])
    assert "แผนยุทธศาสตร์กรม" in titles(app, "ยุทธศาสตร์")[0]
    assert "แผนยุทธศาสตร์กรม" not in titles(app, "", None, item="1.1-B1")[0]


def test_a_search_open_before_a_change_sees_the_change(app, corpus):
    """The process's searcher was open before the page was deleted: Whoosh's refresh()
    kept the segment's old deletions and still found it."""
    evidence_id = corpus["ids"]["แผนยุทธศาสตร์กรม"]
    assert "แผนยุทธศาสตร์กรม" in titles(app, "ยุทธศาสตร์")[0]
    with app.app_context():
        ops.delete(db.session.get(Evidence, evidence_id), None)
        db.session.commit()
        backend.update_evidence([evidence_id])
    assert "แผนยุทธศาสตร์กรม" not in titles(app, "ยุทธศาสตร์")[0]


@whoosh_only  # reads Whoosh's stored fields (PostgreSQL: tests/test_search_postgres.py)
def test_reindex_from_the_database_equals_incremental(app, corpus):
    def documents():
        with app.app_context():
            with open_index(index_folder()).searcher() as searcher:
                return sorted((d["doc_id"], d["items"], d["content"]) for d in searcher.all_stored_fields())

    with app.app_context():
        backend.update_evidence(list(corpus["ids"].values()))
    incremental = documents()
    with app.app_context():
        rebuild(index_folder())
    assert documents() == incremental


@whoosh_only  # an index folder that can go missing
def test_a_missing_index_answers_503_in_thai_then_rebuilds(app, corpus):
    with app.app_context():
        shutil.rmtree(index_folder())
        with pytest.raises(SearchUnavailable):
            open_index(index_folder())
    client = app.test_client()
    login(client, "srch-assessor")
    response = client.get("/search/?q=แผน")
    assert response.status_code == 503 and "ดัชนีค้นหา" in response.get_data(as_text=True)
    with app.app_context():
        rebuild(index_folder())
    assert client.get("/search/?q=แผน").status_code == 200


def test_search_page_is_scoped_and_serves_fragments(app, corpus):
    client = app.test_client()
    login(client, "srch-a")
    full = client.get("/search/?q=อุทกภัย").get_data(as_text=True)
    assert "<html" in full and "ไม่พบหลักฐาน" in full and "SRCH-B" not in full
    # an agency user cannot widen the scope by naming another agency
    other = client.get(f"/search/?q=อุทกภัย&agency={corpus['agencies']['B']}").get_data(as_text=True)
    assert "ความลับของจังหวัด" not in other
    fragment = client.get("/search/?q=ตัวชี้วัด", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith("<section id=\"results\"") and "<mark class=" in body


def test_cli_query_json(app, corpus):
    result = app.test_cli_runner().invoke(args=["search", "query", "KPI", "--agency", "SRCH-A", "--json"])
    data = json.loads(result.output)
    assert data["total"] >= 1 and data["hits"][0]["agency"] == "SRCH-A" and data["hits"][0]["items"] == ["2.2-B1"]
    reindex = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert reindex.exit_code == 0 and "สร้างดัชนีจากหลักฐาน 7 รายการ และคำตอบ 0 ข้อ" in reindex.output
