"""Uploads through the real browser at desktop and phone widths: after the session ended
the browser lands on the login page; a file over the limit says the limit in Thai where
the user is, and the item's panel stays as it was (it used to become a bare alert)."""
import pytest

from portal.admin import operations as admin_ops
from portal.extensions import db
from tests.browser import sign_in
from tests.helpers import PASSWORD, checklist_item, make_agency, make_user

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def workspace(app):
    with app.app_context():
        agency = make_agency("BROWSER-LIM", "กรมทดสอบขนาดไฟล์")
        make_user("limit-editor", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item_id = checklist_item().id
        return {"url": f"/agencies/{agency.id}/criteria/1/1.1", "item": item_id}


@pytest.fixture(params=sorted(WIDTHS))
def sized_page(request, browser):
    context = browser.new_context(locale="th-TH", viewport={"width": WIDTHS[request.param], "height": 900})
    page = context.new_page()
    page.width_name = request.param
    yield page
    context.close()


def open_panel(page, live_server, workspace):
    sign_in(page, live_server.url, "limit-editor", PASSWORD)
    page.goto(live_server.url + workspace["url"])
    panel = page.locator(f"#item-{workspace['item']}")
    panel.locator("summary", has_text="เพิ่มหลักฐาน").click()
    return panel


def test_upload_after_the_session_expired_lands_on_the_login_page(live_server, workspace, sized_page,
                                                                  artifacts_dir, tmp_path):
    page = sized_page
    panel = open_panel(page, live_server, workspace)
    page.context.clear_cookies()  # the session cookie expired
    document = tmp_path / "แผน.txt"
    document.write_text("แผนยุทธศาสตร์ขององค์การ")
    panel.locator("input[type=file]").set_input_files(str(document))
    page.wait_for_url("**/auth/login**")
    assert page.get_by_label("ชื่อผู้ใช้").is_visible()
    page.screenshot(path=str(artifacts_dir / f"upload-expired-{page.width_name}.png"))


def test_files_over_the_limit_say_so_and_leave_the_panel(app, live_server, workspace, sized_page,
                                                         artifacts_dir, tmp_path, monkeypatch):
    page = sized_page
    limit = 1024 * 1024
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", limit)
    panel = open_panel(page, live_server, workspace)
    item_text = panel.locator(".item-text").inner_text()

    # Over the limit: the browser refuses it before sending.
    big = tmp_path / "สแกนทั้งเล่ม.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (2 * limit))
    panel.locator("input[type=file]").set_input_files(str(big))
    failure = panel.locator(".upload-failed")
    failure.wait_for()
    assert "ไฟล์ “สแกนทั้งเล่ม.pdf” ใหญ่เกิน 1 MB" in failure.inner_text()

    # Just under the limit itself, the request is not: the server's 413 reaches the message area.
    near = tmp_path / "เกือบเต็ม.pdf"
    near.write_bytes(b"%PDF-1.4\n" + b"0" * (limit - 200))
    panel.locator("input[type=file]").set_input_files(str(near))
    page.locator("#messages [role=alert]").wait_for()
    assert "ไฟล์ใหญ่เกิน 1 MB" in page.locator("#messages").inner_text()
    assert panel.locator(".upload-failed").count() == 2
    assert panel.locator(".item-text").inner_text() == item_text  # the panel is still the panel
    assert panel.locator(".coverage").inner_text() == "ยังไม่มีหลักฐาน"
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / f"upload-too-large-{page.width_name}.png"))

    # And the panel still works.
    small = tmp_path / "แผน.txt"
    small.write_text("แผนยุทธศาสตร์ขององค์การ")
    panel.locator("input[type=file]").set_input_files(str(small))
    page.wait_for_selector(f"#item-{workspace['item']} .coverage.covered")
    assert "แผน.txt" in page.locator(f"#item-{workspace['item']}").inner_text()


def test_the_same_file_again_is_offered_as_the_existing_evidence(app, live_server, workspace, sized_page,
                                                                 artifacts_dir, tmp_path):
    """Duplicate upload → the offer → attach the existing evidence (the default): one
    evidence, used by both items, nothing stored twice."""
    from sqlalchemy import func, select

    from portal.models import Evidence

    page = sized_page
    with app.app_context():
        second_item = checklist_item("1.1", "B2").id
    panel = open_panel(page, live_server, workspace)
    document = tmp_path / "คำสั่งแต่งตั้งคณะทำงาน.txt"
    document.write_text("คำสั่งแต่งตั้งคณะทำงานขับเคลื่อนการพัฒนาคุณภาพการบริหารจัดการภาครัฐ")
    panel.locator("input[type=file]").set_input_files(str(document))
    panel.locator(".coverage", has_text="มีหลักฐาน 1 รายการ").wait_for()

    other = page.locator(f"#item-{second_item}")
    other.locator("summary", has_text="เพิ่มหลักฐาน").click()
    other.locator("input[type=file]").set_input_files(str(document))
    offer = other.locator(".duplicate-offer")
    offer.wait_for()
    assert "เป็นไฟล์เดียวกับหลักฐาน" in offer.inner_text() and "ใช้อยู่กับ 1.1-B1" in offer.inner_text()
    assert offer.get_by_label("แนบหลักฐานเดิมกับรายการ B2", exact=False).is_checked()
    other.screenshot(path=str(artifacts_dir / f"upload-duplicate-offer-{page.width_name}.png"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    offer.get_by_role("button", name="ตกลง").click()
    other.locator(".alert-success", has_text="แนบหลักฐานเดิม").wait_for()
    assert other.locator(".coverage").inner_text() == "มีหลักฐาน 1 รายการ"
    with app.app_context():
        assert db.session.scalar(select(func.count(Evidence.id))) == 1


def test_a_refused_link_keeps_what_was_typed_beside_its_reason(live_server, workspace, sized_page, artifacts_dir):
    page = sized_page
    panel = open_panel(page, live_server, workspace)
    panel.get_by_label("ลิงก์ (URL)").fill("ftp://files.example.go.th/แผนยุทธศาสตร์.pdf")
    panel.get_by_label("ชื่อลิงก์").fill("แผนยุทธศาสตร์ ฉบับลงนาม")
    panel.get_by_role("button", name="เพิ่มลิงก์").click()
    panel = page.locator(f"#item-{workspace['item']}")
    error = panel.locator(".link-form .field-error")
    error.wait_for()
    assert "http" in error.inner_text()
    assert panel.get_by_label("ลิงก์ (URL)").input_value() == "ftp://files.example.go.th/แผนยุทธศาสตร์.pdf"
    assert panel.get_by_label("ชื่อลิงก์").input_value() == "แผนยุทธศาสตร์ ฉบับลงนาม"
    panel.screenshot(path=str(artifacts_dir / f"link-refused-{page.width_name}.png"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
