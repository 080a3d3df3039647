"""Two editors in two browsers change the same evidence title: the second save is refused
in place with the first editor's title named in Thai, the second editor's typing stays in
the form, the page stays as it was, and saving again goes through."""
import pytest

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import Evidence
from tests.browser import sign_in
from tests.helpers import PASSWORD, checklist_item, make_agency, make_user, stored_text_evidence

pytestmark = pytest.mark.browser


def test_the_second_save_sees_the_first_and_keeps_its_input(app, live_server, browser, artifacts_dir):
    with app.app_context():
        agency = make_agency("BROWSER-CE", "กรมทดสอบการแก้ไขพร้อมกัน")
        ana = make_user("ce-b-ana", ("agency_editor", agency))
        make_user("ce-b-bee", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item = checklist_item()
        evidence_id = stored_text_evidence(agency, item, ana, "แผนยุทธศาสตร์ 2569").id
    url = f"{live_server.url}/evidence/{evidence_id}"
    contexts = [browser.new_context(locale="th-TH", viewport={"width": 1280, "height": 900}) for _ in range(2)]
    first, second = (context.new_page() for context in contexts)
    try:
        for page, username in ((first, "ce-b-ana"), (second, "ce-b-bee")):
            sign_in(page, live_server.url, username, PASSWORD)
            page.goto(url)  # both open the form before either saves
        second.locator(".site-header").evaluate("el => el.dataset.marker = 'no-reload'")

        first.get_by_label("ชื่อหลักฐาน").fill("แผนยุทธศาสตร์ 2569 (ฉบับทบทวน)")
        first.get_by_role("button", name="บันทึก", exact=True).click()
        first.wait_for_selector("text=บันทึกรายละเอียดแล้ว")

        second.get_by_label("ชื่อหลักฐาน").fill("แผนยุทธศาสตร์ของบี")
        second.get_by_label("คำอธิบายสั้น ๆ").fill("บีพิมพ์คำอธิบายนี้ไว้ยาว ๆ")
        second.get_by_role("button", name="บันทึก", exact=True).click()
        alert = second.locator("#evidence-edit [role=alert]")
        alert.wait_for()
        message = alert.inner_text()
        assert "มีผู้อื่นแก้ไขหลักฐานนี้ไปแล้วเมื่อ" in message and "โดย ผู้ใช้ ce-b-ana" in message
        assert "ชื่อหลักฐาน “แผนยุทธศาสตร์ 2569 (ฉบับทบทวน)”" in message
        assert "กรุณาตรวจสอบแล้วบันทึกอีกครั้ง" in message
        # Bee's typing is still in the form; the page is the same page, not an error page.
        assert second.get_by_label("ชื่อหลักฐาน").input_value() == "แผนยุทธศาสตร์ของบี"
        assert second.get_by_label("คำอธิบายสั้น ๆ").input_value() == "บีพิมพ์คำอธิบายนี้ไว้ยาว ๆ"
        assert second.locator(".site-header").get_attribute("data-marker") == "no-reload"
        assert second.url == url and second.locator("h1").inner_text().startswith("แผนยุทธศาสตร์ 2569 (ฉบับทบทวน)")
        with app.app_context():
            assert db.session.get(Evidence, evidence_id).title == "แผนยุทธศาสตร์ 2569 (ฉบับทบทวน)"

        second.locator("#evidence-edit").scroll_into_view_if_needed()
        second.screenshot(path=str(artifacts_dir / "concurrent-edit-409-1280.png"), full_page=False)
        second.set_viewport_size({"width": 390, "height": 844})
        second.locator("#evidence-edit").scroll_into_view_if_needed()
        second.screenshot(path=str(artifacts_dir / "concurrent-edit-409-390.png"), full_page=False)
        width = second.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the refused form overflows a phone screen ({width}px)"

        # Bee has seen Ana's change; saving again is her decision and goes in.
        second.get_by_role("button", name="บันทึก", exact=True).click()
        second.wait_for_selector("text=บันทึกรายละเอียดแล้ว")
        with app.app_context():
            assert db.session.get(Evidence, evidence_id).title == "แผนยุทธศาสตร์ของบี"
    finally:
        for context in contexts:
            context.close()
