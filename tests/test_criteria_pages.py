"""Every criteria page renders in Thai; the checklist filter answers htmx with a fragment."""
import pytest
from sqlalchemy import select

from portal.config import PROJECT_ROOT
from portal.criteria.loader import load_criteria
from portal.extensions import db
from tests.helpers import login, make_agency, make_user

CRITERIA = load_criteria(PROJECT_ROOT / "criteria")
SUB_ITEMS = [(c.code, s) for c in CRITERIA.process for s in c.sub_items]


def test_index_lists_every_category_and_sub_item(viewer_client):
    page = viewer_client.get("/criteria/").get_data(as_text=True)
    for category in CRITERIA.process:
        assert f"หมวด {category.code} {category.title}" in page
        for sub_item in category.sub_items:
            assert f"/criteria/{category.code}/{sub_item.code}" in page
    assert f"หมวด 7 {CRITERIA.results.title}" in page


@pytest.mark.parametrize("code", ["1", "2", "3", "4", "5", "6"])
def test_process_category_page(viewer_client, code):
    response = viewer_client.get(f"/criteria/{code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for sub_item in CRITERIA.process[int(code) - 1].sub_items:
        assert sub_item.title in page


def test_results_category_page_shows_dimensions_groups_and_marks(viewer_client):
    page = viewer_client.get("/criteria/7").get_data(as_text=True)
    for dimension in CRITERIA.results.dimensions:
        assert f'id="dimension-{dimension.code}"' in page
        for group in dimension.groups:
            assert f'id="group-{group.code}"' in page
    assert "กลุ่มตัวชี้วัดบังคับ" in page and "ตัวชี้วัดบังคับ **" in page


@pytest.mark.parametrize("category_code,sub_item", SUB_ITEMS, ids=[s.code for _, s in SUB_ITEMS])
def test_sub_item_page_shows_questions_guidance_and_every_item(viewer_client, category_code, sub_item):
    response = viewer_client.get(f"/criteria/{category_code}/{sub_item.code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert sub_item.title in page
    for question in sub_item.questions:
        assert f'id="question-{question.code}"' in page
    for item in sub_item.items:
        assert f'id="item-{item.code}"' in page
    for level in ("basic", "advance", "significance"):
        assert f'id="level-{level}"' in page


def test_level_filter_returns_only_the_checklist_fragment_to_htmx(viewer_client):
    response = viewer_client.get("/criteria/1/1.1?level=advance&kind=all", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<section id="checklist"')
    assert 'id="item-A1"' in body and 'id="item-RA1"' in body and 'id="item-B1"' not in body
    assert "HX-Request" in response.headers["Vary"]


def test_same_url_without_htmx_is_the_full_page(viewer_client):
    body = viewer_client.get("/criteria/1/1.1?level=advance&kind=result").get_data(as_text=True)
    assert "<html" in body and 'id="item-RA1"' in body and 'id="item-A1"' not in body


def test_boosted_and_history_restore_requests_get_the_full_page(viewer_client):
    for header in ("HX-Boosted", "HX-History-Restore-Request"):
        body = viewer_client.get("/criteria/1/1.1", headers={"HX-Request": "true", header: "true"}).get_data(as_text=True)
        assert "<html" in body


@pytest.mark.parametrize("url", ["/criteria/9", "/criteria/1/2.1", "/criteria/1/1.9", "/criteria/x/y"])
def test_unknown_criteria_are_404_in_thai(viewer_client, url):
    response = viewer_client.get(url)
    assert response.status_code == 404
    assert "ไม่พบ" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["level=expert", "kind=other", "level=<script>"])
def test_bad_filter_is_400_in_thai(viewer_client, query):
    response = viewer_client.get(f"/criteria/1/1.1?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "ตัวกรอง" in page and "<script>" not in page


def section(page: str, start: str, end: str) -> str:
    return page[page.index(start):page.index(end, page.index(start))]


def test_sub_item_page_shows_questions_with_their_blanks_and_bullets(viewer_client):
    page = viewer_client.get("/criteria/1/1.1").get_data(as_text=True)
    question = section(page, 'id="question-1.1.1"', "</li>\n")
    assert question.count('<span class="blank"') == 4  # one per ด้าน bullet
    assert '<ul class="question-bullets"><li>ด้านเศรษฐกิจ เช่น <span class="blank"' in question
    lead = section(page, 'id="question-1.1.2"', "</li>")
    assert "โดยทิศทางขององค์การคือ <span class=\"blank\"" in lead


def test_sub_item_page_shows_the_glossary_notes_apart_from_the_guidance(viewer_client):
    page = viewer_client.get("/criteria/6/6.4").get_data(as_text=True)
    glossary = section(page, 'class="glossary"', "</section>")
    assert "<dt>Leading Indicators</dt>" in glossary and "<dt>Lagging indicator</dt>" in glossary
    guidance = section(page, 'class="level-columns"', 'class="glossary"')
    assert "ตัวชี้วัดที่เป็นเหตุ" not in guidance and "ตัววัดสุดท้ายของกระบวนงาน" not in guidance


def test_sub_item_page_marks_the_province_only_items(viewer_client):
    page = viewer_client.get("/criteria/2/2.3").get_data(as_text=True)
    s4 = section(page, 'id="item-S4"', "</article>")
    assert "เฉพาะจังหวัด" in s4 and "[ระดับจังหวัด]" not in s4
    assert "เฉพาะจังหวัด" not in section(page, 'id="item-S3"', "</article>")
    assert "ระบบจึงเก็บเป็น applies_to: [province]" in page  # the decision, shown as a data note


def test_an_agency_user_goes_from_the_criteria_to_their_own_workspace_for_the_sub_item(app, viewer_client):
    from portal.models import Agency

    with app.app_context():
        own = db.session.scalar(select(Agency).where(Agency.code == "TEST-VIEW"))
        make_agency("TEST-OTHER", "กรมอื่น")
        own_id = own.id
    page = viewer_client.get("/criteria/2/2.3").get_data(as_text=True)
    assert f'href="/agencies/{own_id}/criteria/2/2.3"' in page and "ทำงานหัวข้อ 2.3 ของ" in page
    assert "กรมอื่น" not in page  # only the user's own agency


def test_assessors_see_the_criteria_without_a_workspace_link(app, client):
    with app.app_context():
        make_user("criteria-assessor", ("assessor", None))
    assert login(client, "criteria-assessor").status_code == 302
    assert "ทำงานหัวข้อ" not in client.get("/criteria/2/2.3").get_data(as_text=True)
