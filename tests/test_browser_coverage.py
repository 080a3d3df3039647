"""An editor attaches the last missing Basic item's evidence in the workspace and watches the
sub-item's level box turn Basic without a reload; then detaches it and sees it fall back.
The dashboard shows the same level afterwards."""
import pytest
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import ChecklistItem, EvidenceAttachment, SubItem
from tests.browser import sign_in
from tests.helpers import PASSWORD, make_agency, make_user, stored_text_evidence

pytestmark = pytest.mark.browser


def test_attach_changes_the_level_without_reload(app, live_server, page, artifacts_dir):
    with app.app_context():
        agency = make_agency("BROWSER-COV", "กรมทดสอบระดับ")
        editor = make_user("coverage-b", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        basic = list(db.session.scalars(select(ChecklistItem).join(SubItem).where(
            SubItem.code == "2.2", ChecklistItem.level == "basic").order_by(ChecklistItem.position)))
        evidence = stored_text_evidence(agency, basic[0], editor, "แผนยุทธศาสตร์องค์การ 2569")
        for item in basic[1:-1]:
            evidence.attachments.append(EvidenceAttachment(checklist_item=item))
        stored_text_evidence(agency, None, editor, "รายงานการถ่ายทอดตัวชี้วัด")
        db.session.commit()
        last_id, agency_id = basic[-1].id, agency.id

    sign_in(page, live_server.url, "coverage-b", PASSWORD)
    page.goto(f"{live_server.url}/agencies/{agency_id}/criteria/2/2.2")
    summary = page.locator("#sub-item-summary")
    assert "ยังไม่ถึงระดับพื้นฐาน" in summary.locator(".level-badge").inner_text()
    assert summary.locator(f"a[href$='#item-{last_id}']").count() == 1  # the gap, linked
    page.locator("h1").evaluate("el => el.dataset.marker = 'no-reload'")

    panel = page.locator(f"#item-{last_id}")
    panel.locator("summary", has_text="เพิ่มหลักฐาน").click()
    panel.locator("input[type=search]").fill("ถ่ายทอด")
    panel.locator("button", has_text="แนบ: รายงานการถ่ายทอดตัวชี้วัด").click()
    page.locator("#sub-item-summary .level-badge", has_text="พื้นฐาน (Basic) · 300 คะแนน").wait_for()
    assert page.locator("h1").get_attribute("data-marker") == "no-reload"
    page.locator("#sub-item-summary").screenshot(path=str(artifacts_dir / "coverage-level-basic.png"))

    page.once("dialog", lambda dialog: dialog.accept())  # hx-confirm asks before detaching
    page.locator(f"#item-{last_id} button", has_text="นำออก").click()
    page.locator("#sub-item-summary .level-badge", has_text="ยังไม่ถึงระดับพื้นฐาน").wait_for()

    page.goto(f"{live_server.url}/agencies/{agency_id}")
    row = page.locator("#sub-item-2\\.2")
    assert "ยังไม่ถึงระดับพื้นฐาน" in row.inner_text()
    page.locator("a.chip", has_text="ผ่านการพิจารณา").click()
    page.locator("a.chip.active", has_text="ผ่านการพิจารณา").wait_for()
    assert "view=accepted" in page.url
    page.screenshot(path=str(artifacts_dir / "coverage-dashboard.png"), full_page=False)
    # "ตอบครบ 0/5 ข้อ" on one line: the narrow answers column wrapped it into four
    answered_lines = row.locator(".answer-count").evaluate(
        "cell => { const text = document.createRange(); text.selectNodeContents(cell.firstChild);"
        " return text.getClientRects().length; }")
    assert answered_lines == 1
