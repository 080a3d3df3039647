"""Search by document (issue 17): one result per evidence, however many of its pages
match, with its matching pages listed (each opening the evidence at that page, the words
marked); copies of one file in one agency are one result too; item codes lead to the item
in the agency's workspace with its review status; totals and facets count documents; a
document-date range says how many undated evidence it left out. A PDF made by reportlab
goes through the upload route, the duplicate offer and the worker, as an agency's does."""
import io
import re

import pytest
from sqlalchemy import select

from portal import tasks
from portal.extensions import db
from portal.models import AssessmentCycle, ChecklistItem, Evidence, SubItem
from portal.models.review import ItemReview
from portal.search import backend
from tests.helpers import SEARCH_ENGINES
from tests.test_evidence import duplicate_offer
from tests.uploading import upload_and_process, uploading_editor

PAGE_TEXTS = ["Strategic plan of the department 2569", "Budget tables and staff numbers",
              "Review of the strategic plan with stakeholders"]
HX = {"HX-Request": "true"}


@pytest.fixture(params=SEARCH_ENGINES, autouse=True)
def engine(request, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", request.param)
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path / "index"))
    return request.param


def three_page_pdf(path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    drawn = canvas.Canvas(str(path), pagesize=A4)
    for text in PAGE_TEXTS:
        drawn.drawString(72, 720, text)
        drawn.showPage()
    drawn.save()
    return path


def results(client, **query) -> str:
    response = client.get("/search/", query_string=query, headers=HX)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return re.sub(r"</?mark[^>]*>", "", response.get_data(as_text=True))


def item_id(code: str) -> int:
    return db.session.scalar(select(ChecklistItem.id).join(SubItem)
                             .where(SubItem.code == "1.1", ChecklistItem.code == code))


def test_a_document_is_one_hit_listing_its_matching_pages_and_copies(app, tmp_path):
    client = uploading_editor(app, "DOC-A", "doc-editor")
    pdf = three_page_pdf(tmp_path / "plan.pdf")
    first = upload_and_process(app, client, pdf, "แผนยุทธศาสตร์.pdf")

    body = results(client, q="strategic")
    assert "พบ 1 รายการ" in body and body.count('class="card hit"') == 1
    assert "พบใน 2 หน้า:" in body
    assert f'href="/evidence/{first}?q=strategic&amp;page=1#page-1">หน้า 1</a>' in body
    assert f'href="/evidence/{first}?q=strategic&amp;page=3#page-3">หน้า 3</a>' in body
    assert "page=2#page-2" not in body  # page 2 does not have the word
    assert "(1)</a>" in body and "PDF (1)" in body  # the type facet counts the document once

    # The same file kept on purpose as a second evidence, on another item: still one hit.
    with app.app_context():
        second_item = item_id("B2")
    client.upload_url = client.upload_url.rsplit("/", 2)[0] + f"/{second_item}/files"
    offered = client.post(client.upload_url, data={"files": [(io.BytesIO(pdf.read_bytes()), "แผน ฉบับสำเนา.pdf")]},
                          headers={**HX, "X-CSRFToken": client.token}, content_type="multipart/form-data")
    action, name = duplicate_offer(offered.get_data(as_text=True))
    kept = client.post(action, data={"choice": "copy", "name": name}, headers={**HX, "X-CSRFToken": client.token})
    assert kept.status_code == 200
    with app.app_context():
        copy = db.session.scalar(select(Evidence.id).order_by(Evidence.id.desc()))
        db.session.commit()
        tasks.extract_evidence_task.call_local(copy)
        tasks.index_evidence_task.call_local([copy])
    assert copy != first
    with app.app_context():
        found = backend.search_or_unavailable("strategic", None)
    assert found.total == 1 and len(found.hits) == 1 and found.facets["kind"] == {"pdf": 1}
    hit = found.hits[0]
    shown, other = (first, copy) if hit.evidence_id == first else (copy, first)
    assert hit.copies == [other] and hit.page_count == 2 and [n for n, _ in hit.pages] == [1, 3]
    body = results(client, q="strategic")
    assert "มีสำเนาไฟล์เดียวกันอีก 1 รายการ" in body and f'href="/evidence/{other}?q=strategic"' in body

    # Each item code leads to the item in the workspace, with its review status.
    with app.app_context():
        evidence = db.session.get(Evidence, shown)
        (attached,) = [a.checklist_item for a in evidence.attachments]
        cycle = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current))
        db.session.add(ItemReview(agency_id=evidence.agency_id, cycle_id=cycle.id, checklist_item_id=attached.id,
                                  status="needs_revision"))
        db.session.commit()
        code = attached.full_code
        workspace = f"/agencies/{evidence.agency_id}/criteria/1/1.1#item-{attached.id}"
    body = results(client, q="strategic")
    assert f'<a class="tag tag-role" href="{workspace}">{code}</a> <span class="review-badge review-needs_revision">ต้องแก้ไข</span>' in body

    # Opening a listed page shows that page's text with the words marked.
    opened = client.get(f"/evidence/{shown}?q=strategic&page=3").get_data(as_text=True)
    assert 'id="page-3"' in opened and 'Review of the <mark class="match">strategic</mark> plan' in opened

    # A word on one page only: one page listed.
    assert "พบใน 1 หน้า:" in results(client, q="budget")


def test_a_document_date_range_says_how_many_undated_evidence_it_left_out(app, tmp_path):
    from datetime import date

    client = uploading_editor(app, "DOC-B", "doc-dates")
    dated = upload_and_process(app, client, three_page_pdf(tmp_path / "a.pdf"), "แผนมีวันที่.pdf")
    (tmp_path / "b.txt").write_text("Strategic plan without a date on it", encoding="utf-8")
    undated = upload_and_process(app, client, tmp_path / "b.txt", "แผนไม่มีวันที่.txt")
    with app.app_context():
        db.session.get(Evidence, dated).document_date = date(2025, 3, 1)
        db.session.commit()
        tasks.index_evidence_task.call_local([dated])

    in_range = {"q": "strategic", "date_field": "document", "date_from": "1/1/2568", "date_to": "31/12/2568"}
    body = results(client, **in_range)
    assert "พบ 1 รายการ" in body and f"/evidence/{dated}?" in body and f"/evidence/{undated}?" not in body
    assert "ไม่รวมหลักฐานที่ไม่ได้ระบุวันที่ในเอกสารอีก 1 รายการ" in body
    link = re.search(r'<a href="([^"]+)"[^>]*>แสดงรวมด้วย</a>', body).group(1).replace("&amp;", "&")
    assert "undated=1" in link
    both = client.get(link, headers=HX).get_data(as_text=True)
    assert "พบ 2 รายการ" in both and f"/evidence/{undated}?" in both and "เฉพาะที่มีวันที่ในช่วง" in both
    whole_page = client.get(link).get_data(as_text=True)  # the link is a page: its form keeps the choice
    assert '<option value="1" selected>รวมด้วย</option>' in whole_page
    assert "ไม่ระบุวันที่ในเอกสาร: รวมด้วย" in whole_page  # and shows it among the active filters
    # Upload dates have no undated evidence to leave out; neither does a search without a range.
    assert "ไม่รวมหลักฐาน" not in results(client, **dict(in_range, date_field="uploaded"))
    assert "ไม่รวมหลักฐาน" not in results(client, q="strategic")


def test_a_hit_on_a_late_page_opens_the_evidence_at_that_page(app, tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    drawn = canvas.Canvas(str(tmp_path / "long.pdf"), pagesize=A4)
    for number in range(1, 26):
        drawn.drawString(72, 720, "Quarterly milestone reached" if number == 23 else f"Routine page {number}")
        drawn.showPage()
    drawn.save()
    client = uploading_editor(app, "DOC-C", "doc-long")
    evidence_id = upload_and_process(app, client, tmp_path / "long.pdf", "รายงานยาว.pdf")
    body = results(client, q="milestone")
    assert "พบใน 1 หน้า:" in body and f"/evidence/{evidence_id}?q=milestone&amp;page=23#page-23" in body
    opened = client.get(f"/evidence/{evidence_id}?q=milestone&page=23").get_data(as_text=True)
    assert '<details id="page-23" open>' in opened  # beyond the first 20 pages listed, shown and open
    assert 'Quarterly <mark class="match">milestone</mark> reached' in opened
    assert "และอีก 4 หน้า" in opened  # 25 pages: 20 listed, the opened one, four more
