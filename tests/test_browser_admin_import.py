"""Bulk import in chromium at 1280 and 390 px: a CSV with one bad row shows that row's error
and no confirm button; a fixed file previews clean, is confirmed, and the accounts appear
with their one-time passwords and in the user list. No horizontal overflow."""
import pytest
from playwright.sync_api import expect

from tests.browser import sign_in
from tests.helpers import PASSWORD, make_agency, make_user

pytestmark = pytest.mark.browser

HEADER = "\ufeffชื่อผู้ใช้,ชื่อที่แสดง,อีเมล,บทบาท,รหัสส่วนราชการ\r\n"
GOOD = ("bimp.editor,สมหญิง นำเข้าทดสอบชื่อยาวมากเพื่อดูการตัดบรรทัด,somying.long.address@browser-import.go.th,"
        "เจ้าหน้าที่ส่วนราชการ (แก้ไข),BIMP-A\r\n"
        "bimp.viewer,สมชาย นำเข้า,,agency_viewer,BIMP-A\r\n")
BAD = GOOD + "bimp.king,ผู้ไม่มีบทบาทจริง,,พระราชา,BIMP-A\r\n"


def no_overflow(page, width):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width


@pytest.mark.parametrize("width", [1280, 390])
def test_bad_row_then_fixed_file_then_confirm(app, live_server, browser, artifacts_dir, tmp_path, width):
    with app.app_context():
        make_agency("BIMP-A", "กรมทดสอบการนำเข้า")
        make_user("bimp-admin", ("admin", None))
    bad, good = tmp_path / "users-bad.csv", tmp_path / "users.csv"
    bad.write_text(HEADER + BAD, encoding="utf-8")
    good.write_text(HEADER + GOOD, encoding="utf-8")
    context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "bimp-admin", PASSWORD)
    page.goto(f"{live_server.url}/admin/import")
    page.screenshot(path=str(artifacts_dir / f"import-1-forms-{width}.png"), full_page=True)
    no_overflow(page, width)

    page.get_by_label("ไฟล์บัญชีผู้ใช้").set_input_files(str(bad))
    page.locator("#import-users").get_by_role("button", name="ตรวจสอบไฟล์ (ยังไม่นำเข้า)").click()
    row = page.locator("#import-row-4")
    expect(row).to_contain_text("แถวที่ 4 · บทบาท: ไม่รู้จักบทบาท “พระราชา”")
    expect(page.locator("#import-plan")).to_contain_text("ไม่มีข้อมูลใดถูกนำเข้า")
    assert page.get_by_role("button", name="ยืนยันนำเข้า").count() == 0
    page.screenshot(path=str(artifacts_dir / f"import-2-bad-row-{width}.png"), full_page=True)
    no_overflow(page, width)

    page.get_by_label("ไฟล์บัญชีผู้ใช้").set_input_files(str(good))
    page.locator("#import-users").get_by_role("button", name="ตรวจสอบไฟล์ (ยังไม่นำเข้า)").click()
    expect(page.locator("#import-row-2")).to_contain_text("สร้างใหม่ พร้อมบทบาท")
    page.screenshot(path=str(artifacts_dir / f"import-3-preview-{width}.png"), full_page=True)
    no_overflow(page, width)
    page.get_by_role("button", name="ยืนยันนำเข้า 2 แถว").click()
    expect(page.locator("#import-plan")).to_contain_text("นำเข้าบัญชีผู้ใช้แล้ว")
    passwords = page.locator(".import-passwords .secret")
    expect(passwords).to_have_count(2)
    page.screenshot(path=str(artifacts_dir / f"import-4-done-{width}.png"), full_page=True)
    no_overflow(page, width)

    page.goto(f"{live_server.url}/admin/users?q=bimp.")
    expect(page.locator("#user-table")).to_contain_text("bimp.editor")
    expect(page.locator("#user-table")).to_contain_text("bimp.viewer")
    assert page.locator("#user-table").inner_text().count("bimp.king") == 0
    context.close()
