"""A person signs in with the form, sees their agency, signs out, and cannot go back."""
import pytest

from tests.browser import sign_in
from tests.helpers import PASSWORD, make_agency, make_user

pytestmark = pytest.mark.browser


def test_sign_in_and_out(app, live_server, page, artifacts_dir):
    with app.app_context():
        make_user("browser-editor", ("agency_editor", make_agency("BROWSER-E", "กรมทดสอบเบราว์เซอร์")))
    page.goto(f"{live_server.url}/")
    page.wait_for_url("**/auth/login?next=/")
    page.screenshot(path=str(artifacts_dir / "login.png"))

    page.get_by_label("ชื่อผู้ใช้").fill("browser-editor")
    page.get_by_label("รหัสผ่าน").fill("wrong-password")
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    assert page.get_by_role("alert").inner_text() == "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"

    sign_in(page, live_server.url, "browser-editor", PASSWORD)
    assert "กรมทดสอบเบราว์เซอร์" in page.content()
    page.screenshot(path=str(artifacts_dir / "home.png"), full_page=True)

    page.get_by_role("button", name="ออกจากระบบ").click()
    page.wait_for_url("**/auth/login")
    assert "ออกจากระบบแล้ว" in page.content()
    page.goto(f"{live_server.url}/agencies/")
    page.wait_for_url("**/auth/login?next=/agencies/")
