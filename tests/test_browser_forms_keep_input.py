"""Refused htmx forms in a real browser at phone and desktop widths (issue 17 item 2): the
Thai reason shows beside the input it is about, and what was typed or chosen stays. The
evidence details form (a date written wrong), a review status without its reason, and an
admin's new account with a bad username."""
import pytest

from portal.admin import operations as admin_ops
from portal.extensions import db
from tests.browser import sign_in
from tests.helpers import PASSWORD, checklist_item, make_agency, make_user, stored_text_evidence

pytestmark = pytest.mark.browser
WIDTHS = {"phone": 390, "desktop": 1366}


@pytest.fixture
def world(app):
    with app.app_context():
        agency = make_agency("BF-A", "กรมทดสอบแบบฟอร์มในเบราว์เซอร์")
        editor = make_user("bf-editor", ("agency_editor", agency))
        make_user("bf-reviewer", ("reviewer", agency))
        make_user("bf-admin", ("admin", None))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item = checklist_item("1.1", "B1")
        evidence = stored_text_evidence(agency, item, editor, "แผนยุทธศาสตร์ 5 ปี")
        return {"agency": agency.id, "item": item.id, "evidence": evidence.id,
                "workspace": f"/agencies/{agency.id}/criteria/1/1.1"}


@pytest.fixture(params=sorted(WIDTHS))
def sized_page(request, browser):
    context = browser.new_context(locale="th-TH", viewport={"width": WIDTHS[request.param], "height": 900})
    page = context.new_page()
    page.width_name = request.param
    yield page
    context.close()


@pytest.fixture
def shots(artifacts_dir):
    folder = artifacts_dir / "forms"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def error_of(page, box):
    """The message the input points at (aria-describedby), which must sit right after it."""
    assert box.get_attribute("aria-invalid") == "true"
    error = page.locator(f"#{box.get_attribute('aria-describedby')}")
    assert "field-error" in error.get_attribute("class")
    return error


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_evidence_details_keep_a_wrong_date_and_say_why_beside_it(live_server, world, sized_page, shots):
    page = sized_page
    sign_in(page, live_server.url, "bf-editor", PASSWORD)
    page.goto(f"{live_server.url}/evidence/{world['evidence']}")
    page.get_by_label("ชื่อหลักฐาน").fill("แผนยุทธศาสตร์ ฉบับทบทวน")
    page.get_by_label("วันที่ของเอกสาร").fill("31/02/2569")
    page.get_by_label("คำอธิบายสั้น ๆ").fill("ฉบับที่ผ่านที่ประชุมผู้บริหาร")
    page.get_by_role("button", name="บันทึก", exact=True).click()
    date = page.locator("#document_date")
    page.locator("#document_date-error").wait_for()
    error = error_of(page, date)
    assert "วันที่ของเอกสาร" in error.inner_text()
    assert date.input_value() == "31/02/2569"
    assert page.get_by_label("ชื่อหลักฐาน").input_value() == "แผนยุทธศาสตร์ ฉบับทบทวน"
    assert page.get_by_label("คำอธิบายสั้น ๆ").input_value() == "ฉบับที่ผ่านที่ประชุมผู้บริหาร"
    # Beside the field: right under the date box, not at the top of the page.
    box, message = date.bounding_box(), error.bounding_box()
    assert 0 <= message["y"] - (box["y"] + box["height"]) < 40
    page.locator("#evidence-edit").screenshot(path=str(shots / f"evidence-date-{page.width_name}.png"))
    assert fits(page)


def test_a_review_without_its_reason_keeps_the_status_chosen(live_server, world, sized_page, shots):
    page = sized_page
    sign_in(page, live_server.url, "bf-reviewer", PASSWORD)
    page.goto(live_server.url + world["workspace"])
    status = page.locator(f"#item-review-{world['item']}")
    status.locator("summary", has_text="บันทึกผลการพิจารณา").click()
    status.get_by_role("radio", name="ต้องแก้ไข").check()
    status.get_by_role("button", name="บันทึกสถานะ").click()
    status = page.locator(f"#item-review-{world['item']}")
    reason = status.locator(f"#reason-{world['item']}")
    status.locator(f"#reason-{world['item']}-error").wait_for()
    assert "กรุณาระบุเหตุผลที่ต้องแก้ไข" in error_of(page, reason).inner_text()
    assert status.get_by_role("radio", name="ต้องแก้ไข").is_checked()
    status.screenshot(path=str(shots / f"review-refused-{page.width_name}.png"))
    reason.fill("กรุณาแนบรายงานการประชุมฉบับลงนาม")  # the box takes the reason and the save goes through
    status.get_by_role("button", name="บันทึกสถานะ").click()
    page.locator(f"#item-review-{world['item']} [data-status='needs_revision']").wait_for()
    status.screenshot(path=str(shots / f"review-saved-{page.width_name}.png"))
    assert fits(page)


def test_a_new_account_with_a_bad_username_keeps_the_rest(live_server, world, sized_page, shots):
    page = sized_page
    sign_in(page, live_server.url, "bf-admin", PASSWORD)
    page.goto(f"{live_server.url}/admin/users")
    form = page.locator("#create-user")
    form.get_by_label("ชื่อผู้ใช้").fill("Bad Name")
    form.get_by_label("ชื่อที่แสดง").fill("นางสาวทดสอบ แบบฟอร์ม")
    form.get_by_label("บทบาทแรก").select_option("agency_editor")
    form.get_by_label("ส่วนราชการ").select_option(str(world["agency"]))
    form.get_by_role("button", name="สร้างผู้ใช้").click()
    page.locator("#username-error").wait_for()
    form = page.locator("#create-user")
    assert "ชื่อผู้ใช้ต้องเป็น" in error_of(page, form.locator("#username")).inner_text()
    assert form.get_by_label("ชื่อผู้ใช้").input_value() == "Bad Name"
    assert form.get_by_label("ชื่อที่แสดง").input_value() == "นางสาวทดสอบ แบบฟอร์ม"
    assert form.get_by_label("บทบาทแรก").input_value() == "agency_editor"
    assert form.get_by_label("ส่วนราชการ").input_value() == str(world["agency"])
    form.screenshot(path=str(shots / f"new-user-{page.width_name}.png"))
    assert fits(page)
