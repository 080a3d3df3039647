"""An agency editor uploads a file with the file picker, watches the progress, sees the
item become covered and the extraction status turn to done — without a page reload; and
sees "รอจัดทำดัชนี" until the evidence is searchable."""
import pytest
from sqlalchemy import select

from portal import tasks
from portal.admin import operations as admin_ops
from portal.evidence import operations as ops
from portal.evidence.pipeline import run_extraction
from portal.extensions import db
from portal.models import Evidence, OutboxEffect
from portal.search import backend
from tests import thai_documents as make
from tests.browser import sign_in
from tests.helpers import PASSWORD, checklist_item, make_agency, make_user

pytestmark = pytest.mark.browser


def test_upload_progress_coverage_and_status(app, live_server, page, artifacts_dir, tmp_path):
    with app.app_context():
        agency = make_agency("BROWSER-UP", "กรมทดสอบอัปโหลด")
        make_user("uploader-b", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item_id = checklist_item().id
        agency_id = agency.id
    document = make.pdf(tmp_path / "แผนยุทธศาสตร์ 2569.pdf", [make.SENTENCES[1], make.SENTENCES[2]])

    sign_in(page, live_server.url, "uploader-b", PASSWORD)
    page.goto(f"{live_server.url}/agencies/{agency_id}/criteria/1/1.1")
    panel = page.locator(f"#item-{item_id}")
    assert panel.locator(".coverage").inner_text() == "ยังไม่มีหลักฐาน"
    page.locator("h1").evaluate("el => el.dataset.marker = 'no-reload'")
    panel.locator("summary", has_text="เพิ่มหลักฐาน").click()
    panel.locator("input[type=file]").set_input_files(str(document))

    panel = page.locator(f"#item-{item_id}")
    page.wait_for_selector(f"#item-{item_id} .coverage.covered")
    assert panel.locator(".coverage").inner_text() == "มีหลักฐาน 1 รายการ"
    assert "แผนยุทธศาสตร์ 2569.pdf" in panel.inner_text()
    assert "รอคิวดึงข้อความ" in panel.inner_text()
    page.screenshot(path=str(artifacts_dir / "evidence-uploaded.png"), full_page=False)

    with app.app_context():  # the background worker's turn
        run_extraction(db.session.scalar(select(Evidence.id)))
    page.wait_for_selector(f"#item-{item_id} .status-done", timeout=10_000)
    assert "ดึงข้อความแล้ว 2 หน้า" in panel.inner_text()
    assert page.locator("h1").get_attribute("data-marker") == "no-reload"
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "evidence-done.png"), full_page=False)

    # A refused file shows its Thai reason in the panel and changes nothing.
    bad = tmp_path / "ปลอม.pdf"
    bad.write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
    if not panel.locator("details.add-evidence").evaluate("el => el.open"):
        panel.locator("summary", has_text="เพิ่มหลักฐาน").click()
    panel.locator("input[type=file]").set_input_files(str(bad))
    page.wait_for_selector(f"#item-{item_id} [role=alert]")
    assert "ไม่รับไฟล์ชนิดนี้" in panel.locator("[role=alert]").inner_text()
    assert panel.locator(".coverage").inner_text() == "มีหลักฐาน 1 รายการ"


def test_evidence_not_yet_searchable_says_so_until_its_index_job_has_run(app, live_server, page, artifacts_dir):
    """"รอจัดทำดัชนี" on the evidence page and in the item panel while the index job has
    not run (no worker here), gone by htmx polling once it has."""
    with app.app_context():
        agency = make_agency("BROWSER-IX", "กรมทดสอบดัชนี")
        make_user("indexer-b", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item = checklist_item()
        link = ops.add_link(agency, item, "https://www.example.go.th/plan", "แผนที่ยังค้นหาไม่ได้", None)
        db.session.commit()  # its index row goes to a queue nobody consumes here
        link_id, item_id, agency_id = link.id, item.id, agency.id
        backend.rebuild()
    sign_in(page, live_server.url, "indexer-b", PASSWORD)
    page.goto(f"{live_server.url}/evidence/{link_id}")
    assert page.locator(".status-indexing").inner_text() == "รอจัดทำดัชนี"
    page.screenshot(path=str(artifacts_dir / "evidence-pending-index.png"), full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts_dir / "evidence-pending-index-phone.png"), full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/agencies/{agency_id}/criteria/1/1.1")
    panel = page.locator(f"#item-{item_id}")
    assert "รอจัดทำดัชนี" in panel.inner_text()
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "panel-pending-index.png"), full_page=False)

    with app.app_context():  # the worker's index job
        rows = db.session.execute(select(OutboxEffect.id).where(OutboxEffect.kind == "index")).scalars().all()
        db.session.rollback()
        tasks.index_evidence_task.call_local([link_id], rows)
    page.wait_for_selector(f"#item-{item_id} .status-indexing", state="detached", timeout=10_000)
    assert "ลิงก์ (ไม่ดึงเนื้อหา)" in panel.inner_text()
    page.goto(f"{live_server.url}/search/?q=ยังค้นหาไม่ได้")
    assert page.locator(f'a[href^="/evidence/{link_id}?q="]').count() >= 1  # opens with the words marked


@pytest.mark.parametrize("width", [1280, 390])
def test_attach_one_evidence_to_several_items_from_its_page(app, live_server, browser, artifacts_dir, width):
    """From the item's panel to the evidence page, search items by code, tick two of
    another sub-item and attach them in one step; the page lists all three."""
    with app.app_context():
        agency = make_agency("BROWSER-MANY", "กรมทดสอบแนบหลายรายการ")
        make_user("many-b", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        link = ops.add_link(agency, checklist_item(), "https://www.example.go.th/manual", "คู่มือการปฏิบัติงาน", None)
        db.session.commit()
        agency_id, evidence_id = agency.id, link.id
    context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "many-b", PASSWORD)
    page.goto(f"{live_server.url}/agencies/{agency_id}/criteria/1/1.1")
    page.get_by_role("link", name="แนบกับรายการอื่นด้วย").first.click()
    page.wait_for_url(f"**/evidence/{evidence_id}?attach=1#attach-more")
    page.get_by_label("ค้นหารายการด้วยรหัส", exact=False).fill("2.3-B")
    choices = page.locator("#attach-choices")
    choices.locator("label", has_text="2.3-B1").wait_for()
    assert choices.locator("label", has_text="1.1-").count() == 0
    choices.locator("label", has_text="2.3-B1").locator("input").check()
    choices.locator("label", has_text="2.3-B2").locator("input").check()
    page.screenshot(path=str(artifacts_dir / f"evidence-attach-many-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="แนบกับรายการที่เลือก").click()
    page.locator("[role=status]", has_text="แนบกับรายการแล้ว: 2.3-B1, 2.3-B2").wait_for()
    used = page.locator("section", has_text="ใช้เป็นหลักฐานของรายการ").first.inner_text()
    assert "1.1 B1" in used and "2.3 B1" in used and "2.3 B2" in used
    context.close()
