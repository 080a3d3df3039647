"""The revision loop in chromium: the reviewer returns an item, the editor finds it on the
home page, adds a link and resubmits from the item's panel (no reload), the reviewer sees it
marked with what changed. At 1280 px and 390 px, with screenshots."""
import pytest
from playwright.sync_api import expect

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.reviews import operations as review_ops
from tests.browser import sign_in
from tests.helpers import PASSWORD, checklist_item, make_agency, make_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_a_returned_item_is_resubmitted_and_the_reviewer_sees_the_change(app, live_server, browser, artifacts_dir, width):
    with app.app_context():
        agency = make_agency("BROWSER-RS", "กรมทดสอบการแก้ไข")
        make_user("rs-b-editor", ("agency_editor", agency))
        reviewer = make_user("rs-b-reviewer", ("reviewer", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item = checklist_item("1.1", "B2")
        review_ops.set_status(agency, item, "needs_revision", "กรุณาแนบหลักฐานการสื่อสารทิศทางให้บุคลากร", reviewer)
        db.session.commit()
        item_id = item.id
        workspace = f"{live_server.url}/agencies/{agency.id}/criteria/1/1.1"

    context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900})
    editor = context.new_page()
    sign_in(editor, live_server.url, "rs-b-editor", PASSWORD)
    editor.goto(live_server.url + "/")
    worklist = editor.locator("#worklist")
    assert "รายการที่ต้องแก้ไข (1)" in worklist.inner_text()
    assert "กรุณาแนบหลักฐานการสื่อสารทิศทางให้บุคลากร" in worklist.inner_text()
    worklist.screenshot(path=str(artifacts_dir / f"revision-1-home-{width}.png"))
    assert editor.evaluate("document.documentElement.scrollWidth") <= width
    worklist.get_by_role("link", name="1.1-B2").click()
    editor.wait_for_url(f"{workspace}#item-{item_id}")
    panel = editor.locator(f"#item-{item_id}")
    panel.locator("summary", has_text="เพิ่มหลักฐาน").click()
    panel.get_by_label("ลิงก์ (URL)").fill("https://www.example.go.th/town-hall-2569")
    panel.get_by_label("ชื่อลิงก์").fill("บันทึกการประชุมชี้แจงทิศทาง")
    panel.get_by_role("button", name="เพิ่มลิงก์").click()
    editor.locator(f"#item-{item_id} .evidence-list").wait_for()
    editor.locator("h1").evaluate("el => el.dataset.marker = 'no-reload'")
    editor.locator(f"#item-review-{item_id}").get_by_role("button", name="แก้ไขแล้ว ส่งให้พิจารณาอีกครั้ง").click()
    editor.locator(f"#item-review-{item_id} .resubmitted").wait_for()
    assert editor.locator("h1").get_attribute("data-marker") == "no-reload"

    reviewer_context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900})
    reviewer_page = reviewer_context.new_page()
    sign_in(reviewer_page, live_server.url, "rs-b-reviewer", PASSWORD)
    # The reviewer's home page lists the resubmitted item; its link opens the item.
    resubmitted = reviewer_page.locator("#review-worklist")
    expect(resubmitted).to_contain_text("ส่งกลับมาแก้ไขแล้ว รอพิจารณาอีกครั้ง (1)")
    resubmitted.screenshot(path=str(artifacts_dir / f"revision-3-reviewer-home-{width}.png"))
    assert reviewer_page.evaluate("document.documentElement.scrollWidth") <= width
    resubmitted.locator(".work-list a").first.click()
    reviewer_page.wait_for_url(f"{workspace}#item-{item_id}")
    box = reviewer_page.locator(f"#item-review-{item_id}")
    text = box.inner_text()
    assert "ส่งแก้ไขแล้ว" in text and "เพิ่มหลักฐาน “บันทึกการประชุมชี้แจงทิศทาง”" in text
    box.screenshot(path=str(artifacts_dir / f"revision-2-reviewer-{width}.png"))
    assert reviewer_page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
    reviewer_context.close()
