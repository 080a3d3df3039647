"""In chromium: an infected file and a file past the agency's quota are refused in the item's
panel with their Thai reasons; the dashboard and the admin's agency list show the storage used."""
import pytest

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import Agency
from tests.browser import sign_in
from tests.clamd import EICAR, SIGNATURE, clamd  # noqa: F401  (fixture)
from tests.helpers import PASSWORD, checklist_item, make_agency, make_user

pytestmark = pytest.mark.browser
KB = 1024


@pytest.fixture
def workspace(app):
    with app.app_context():
        agency = make_agency("BROWSER-Q", "กรมทดสอบพื้นที่จัดเก็บ")
        make_user("quota-b", ("agency_editor", agency))
        make_user("quota-admin-b", ("admin", None))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        agency.storage_quota_bytes = 64 * KB
        db.session.commit()
        item_id = checklist_item().id
        return {"agency": agency.id, "item": item_id}


def text_of_size(thai: str, size: int) -> bytes:
    head = f"{thai}\n".encode()
    return head + b"a" * (size - len(head))


def choose_file(page, item_id, path):
    panel = page.locator(f"#item-{item_id}")
    if not panel.locator("details.add-evidence").evaluate("el => el.open"):
        panel.locator("summary", has_text="เพิ่มหลักฐาน").click()
    panel.locator("input[type=file]").set_input_files(str(path))


def test_quota_refusal_and_usage(app, live_server, page, workspace, artifacts_dir, tmp_path):
    kept, extra = tmp_path / "รายงานผล.txt", tmp_path / "ภาคผนวก.txt"
    kept.write_bytes(text_of_size("รายงานผลการดำเนินงาน", 40 * KB))
    extra.write_bytes(text_of_size("ภาคผนวกประกอบรายงาน", 30 * KB))
    sign_in(page, live_server.url, "quota-b", PASSWORD)
    page.goto(f"{live_server.url}/agencies/{workspace['agency']}/criteria/1/1.1")
    item = workspace["item"]
    choose_file(page, item, kept)
    page.wait_for_selector(f"#item-{item} .coverage.covered")
    choose_file(page, item, extra)
    page.wait_for_selector(f"#item-{item} [role=alert]")
    alert = page.locator(f"#item-{item} [role=alert]").inner_text()
    assert "ใช้ไปแล้ว 40.0 KB จาก 64.0 KB" in alert and "มีขนาด 30.0 KB" in alert
    page.locator(f"#item-{item}").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "quota-refused.png"))

    page.goto(f"{live_server.url}/agencies/{workspace['agency']}")
    assert "ใช้ไปแล้ว 40.0 KB จาก 64.0 KB (62%)" in page.locator("#storage").inner_text()
    page.screenshot(path=str(artifacts_dir / "quota-dashboard.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts_dir / "quota-dashboard-phone.png"))

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server.url, "quota-admin-b", PASSWORD)
    page.goto(f"{live_server.url}/admin/agencies")
    row = page.locator(f"#agency-{workspace['agency']}")
    assert "40.0 KB / 64.0 KB" in row.inner_text()
    row.get_by_role("button", name="แก้ไข").click()
    page.get_by_label("โควตาพื้นที่ (MB)").fill("1")
    page.screenshot(path=str(artifacts_dir / "quota-admin-edit.png"))
    page.locator(f"#agency-{workspace['agency']}").get_by_role("button", name="บันทึก").click()
    page.wait_for_selector(f"#agency-{workspace['agency']} >> text=40.0 KB / 1.0 MB")
    page.screenshot(path=str(artifacts_dir / "quota-admin.png"))
    with app.app_context():
        assert db.session.get(Agency, workspace["agency"]).storage_quota_bytes == 1024 * KB


def test_infected_upload_is_refused_in_the_panel(app, live_server, page, workspace, clamd, artifacts_dir,  # noqa: F811
                                                 tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CLAMD_URL", clamd.url)
    infected = tmp_path / "หนังสือเวียน.txt"
    infected.write_bytes("หนังสือเวียนแจ้งกำหนดการ\n".encode() + EICAR)
    sign_in(page, live_server.url, "quota-b", PASSWORD)
    page.goto(f"{live_server.url}/agencies/{workspace['agency']}/criteria/1/1.1")
    choose_file(page, workspace["item"], infected)
    page.wait_for_selector(f"#item-{workspace['item']} [role=alert]")
    alert = page.locator(f"#item-{workspace['item']} [role=alert]").inner_text()
    assert "มีไวรัสหรือมัลแวร์" in alert and SIGNATURE in alert
    assert page.locator(f"#item-{workspace['item']} .coverage").inner_text() == "ยังไม่มีหลักฐาน"
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator(f"#item-{workspace['item']}").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "antivirus-refused-phone.png"))
