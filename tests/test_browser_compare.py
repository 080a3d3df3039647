"""In chromium, the submission round after the first: an administrator sets the deadline on
the cycles page, the agency submits, an assessor reopens it with a reason, the editor
changes an answer, the agency submits again, and the compare page shows the old and the
new answer. At 1280 and 390 px."""
import pytest
from playwright.sync_api import expect

from portal.admin import operations as admin_ops
from portal.extensions import db
from tests.browser import sign_in
from tests.helpers import PASSWORD, checklist_item, make_agency, make_user

pytestmark = pytest.mark.browser


def submit(page, base, agency_id):
    page.goto(f"{base}/agencies/{agency_id}/submission")
    page.get_by_label("ข้าพเจ้าได้ตรวจสอบและรับรองความถูกต้องของรายงานการประเมินตนเอง").check()
    page.get_by_role("button", name="ส่งรายงาน").click()
    page.locator("code.manifest").wait_for()


def answer(page, workspace, question_id, text):
    page.goto(workspace)
    box = page.locator(f"#question-{question_id} textarea.answer-part")
    box.fill(text)
    page.locator(f"#question-{question_id} .answer-status .saved").wait_for(timeout=10_000)


@pytest.mark.parametrize("width", [1280, 390])
def test_deadline_reopen_resubmit_and_compare(app, live_server, browser, artifacts_dir, width):
    with app.app_context():
        agency = make_agency("BROWSER-CMP", "กรมทดสอบการเปรียบเทียบ")
        make_user("cmp-editor", ("agency_editor", agency))
        make_user("cmp-signer", ("agency_signer", agency))
        make_user("cmp-assessor", ("assessor", None))
        make_user("cmp-admin", ("admin", None))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        question_id = checklist_item("1.1", "B1").sub_item.questions[1].id  # 1.1.2, one blank
        agency_id = agency.id
    base = live_server.url
    workspace = f"{base}/agencies/{agency_id}/criteria/1/1.1"

    def page_for(username):
        context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in(page, base, username, PASSWORD)
        return page

    admin, editor, signer, assessor = (page_for(name) for name in
                                       ("cmp-admin", "cmp-editor", "cmp-signer", "cmp-assessor"))
    admin.goto(f"{base}/admin/cycles")
    admin.get_by_label("กำหนดส่งรายงานรอบปี 2569").fill("31/2/2569")
    admin.get_by_role("button", name="บันทึก").first.click()
    expect(admin.locator("[role=alert]")).to_contain_text("วันกำหนดส่ง")  # no 31 February
    admin.get_by_label("กำหนดส่งรายงานรอบปี 2569").fill("30/9/2569")
    admin.get_by_role("button", name="บันทึก").first.click()
    expect(admin.get_by_label("กำหนดส่งรายงานรอบปี 2569")).to_have_value("30 ก.ย. 2569")
    admin.screenshot(path=str(artifacts_dir / f"compare-1-deadline-{width}.png"), full_page=True)
    assert admin.evaluate("document.documentElement.scrollWidth") <= width

    answer(editor, workspace, question_id, "ทิศทางฉบับแรก")
    submit(signer, base, agency_id)
    receipt = signer.url
    assessor.goto(receipt)
    assessor.get_by_label("เหตุผล").fill("ขอให้ระบุทิศทางให้ชัดเจนขึ้น")
    assessor.get_by_role("button", name="เปิดให้แก้ไข").click()
    expect(assessor.locator("body")).to_contain_text("เปิดให้ส่วนราชการแก้ไขรายงานแล้ว")

    answer(editor, workspace, question_id, "ทิศทางฉบับปรับปรุง มุ่งบริการดิจิทัล")
    expect(editor.locator("#reopened-note")).to_contain_text("รายงานที่ส่งครั้งที่ 1")
    submit(signer, base, agency_id)
    signer.get_by_role("link", name="เปรียบเทียบกับครั้งที่ 1").click()
    changed = signer.locator("#changed-answers")
    expect(changed).to_contain_text("เดิม: ทิศทางฉบับแรก")
    expect(changed).to_contain_text("ใหม่: ทิศทางฉบับปรับปรุง มุ่งบริการดิจิทัล")
    signer.screenshot(path=str(artifacts_dir / f"compare-2-changes-{width}.png"), full_page=True)
    assert signer.evaluate("document.documentElement.scrollWidth") <= width
    for page in (admin, editor, signer, assessor):
        page.context.close()
