"""A reviewer comments on an item, the agency editor sees it (by polling, no reload) and
replies, the reviewer resolves the thread — in chromium, with screenshots."""
import pytest

from portal.admin import operations as admin_ops
from portal.extensions import db
from tests.browser import sign_in
from tests.helpers import PASSWORD, checklist_item, make_agency, make_user

pytestmark = pytest.mark.browser


def test_reviewer_comments_editor_replies_reviewer_resolves(app, live_server, browser, page, artifacts_dir):
    with app.app_context():
        agency = make_agency("BROWSER-RV", "กรมทดสอบความเห็น")
        make_user("reviewer-b", ("reviewer", agency))
        make_user("editor-b", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item_id = checklist_item().id
        workspace = f"{live_server.url}/agencies/{agency.id}/criteria/1/1.1"

    editor_context = browser.new_context(locale="th-TH", viewport={"width": 1280, "height": 900})
    editor = editor_context.new_page()
    sign_in(editor, live_server.url, "editor-b", PASSWORD)
    editor.goto(workspace)
    editor.locator("h1").evaluate("el => el.dataset.marker = 'no-reload'")
    # Poll quickly in the test; the page itself says every 15 s.
    editor.locator(f"#threads-{item_id}").evaluate(
        "el => { el.setAttribute('hx-trigger', 'every 1s'); htmx.process(el); }")

    sign_in(page, live_server.url, "reviewer-b", PASSWORD)
    page.goto(workspace)
    threads = page.locator(f"#threads-{item_id}")
    threads.locator("summary", has_text="เริ่มกระทู้ความเห็นใหม่").click()
    threads.get_by_label("ความเห็นใหม่").fill("กรุณาแนบรายงานการประชุม\nดูตัวอย่าง https://www.opdc.go.th <b>ตัวหนา</b>")
    threads.get_by_role("button", name="ส่งความเห็น").click()
    page.wait_for_selector(f"#threads-{item_id} .thread")
    assert "เริ่มกระทู้แล้ว" in threads.inner_text()
    assert threads.locator(".comment-body a").get_attribute("rel") == "noopener nofollow"
    assert "<b>ตัวหนา</b>" in threads.locator(".comment-body").inner_text()  # shown as text
    page.locator(f"#item-{item_id}").screenshot(path=str(artifacts_dir / "reviews-1-reviewer-posted.png"))

    # The editor's open page picks the comment up by polling, then they reply in place.
    editor.wait_for_selector(f"#threads-{item_id} .thread", timeout=10_000)
    thread = editor.locator(f"#threads-{item_id} .thread").first
    assert "กรุณาแนบรายงานการประชุม" in thread.inner_text()
    assert thread.locator(".thread-toggle").count() == 0  # editors do not resolve
    thread.locator("summary", has_text="ตอบ").first.click()
    thread.get_by_label("พิมพ์คำตอบ").first.fill("แนบรายงานแล้วค่ะ")
    thread.get_by_role("button", name="ส่งคำตอบ").first.click()
    editor.wait_for_selector(f"#threads-{item_id} .replies .comment")
    assert "ส่งคำตอบแล้ว" in editor.locator(f"#threads-{item_id}").inner_text()
    assert editor.locator("h1").get_attribute("data-marker") == "no-reload"
    editor.locator(f"#item-{item_id}").screenshot(path=str(artifacts_dir / "reviews-2-editor-replied.png"))

    # The reviewer sees the reply (unread badge in the navigation) and resolves the thread.
    page.goto(workspace)
    assert page.locator(".nav-inbox .badge").inner_text() == "1"
    thread = page.locator(f"#threads-{item_id} .thread").first
    assert "แนบรายงานแล้วค่ะ" in thread.locator(".replies").first.inner_text()
    thread.get_by_role("button", name="ปิดกระทู้ (ได้ข้อยุติ)").click()
    page.wait_for_selector(f"#threads-{item_id} .thread.resolved")
    assert page.locator(f"#threads-{item_id} .tag-unread").count() == 0  # resolving means read
    assert "ปิดแล้ว โดย" in page.locator(f"#threads-{item_id} .thread").first.inner_text()
    page.locator(f"#item-{item_id}").screenshot(path=str(artifacts_dir / "reviews-3-resolved.png"))

    # The inbox lists it no more as open; the page as a whole, for a look.
    page.goto(f"{live_server.url}/reviews/inbox")
    page.screenshot(path=str(artifacts_dir / "reviews-4-inbox.png"), full_page=True)
    editor_context.close()
