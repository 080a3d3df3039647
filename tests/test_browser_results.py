"""An agency editor adds a category 7 metric in the browser and sees its level, points and
trend chart appear in the table, with the problem lists refreshed — without a reload."""
import pytest
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import MetricGroup
from tests.browser import sign_in
from tests.helpers import PASSWORD, make_agency, make_user

pytestmark = pytest.mark.browser


def test_editor_adds_a_metric_and_sees_level_and_chart(app, live_server, page, artifacts_dir):
    with app.app_context():
        agency = make_agency("BROWSER-RES", "กรมทดสอบผลลัพธ์หมวด 7")
        make_user("results-b", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        group_id = db.session.scalar(select(MetricGroup.id).where(MetricGroup.code == "7.1.1"))
        agency_id = agency.id

    sign_in(page, live_server.url, "results-b", PASSWORD)
    page.goto(f"{live_server.url}/agencies/{agency_id}/results")
    page.locator("h1").evaluate("el => el.dataset.marker = 'no-reload'")
    overview = page.locator("#results-overview")
    assert "กลุ่ม 7.1.1" in overview.inner_text() and "ขณะนี้มี 0 ตัว" in overview.inner_text()

    add_row = page.locator(f"#new-metric-{group_id}")
    add_row.locator("summary").click()
    add_row.get_by_label("ชื่อตัววัด").fill("ร้อยละของครัวเรือนที่มีรายได้เกินเกณฑ์ยากจน")
    add_row.get_by_label("หน่วยวัด").fill("ร้อยละ")
    add_row.get_by_label("ค่าเป้าหมายปี 2569").fill("๘๕")
    add_row.get_by_label("ผลปี 2567").fill("78.5")
    add_row.get_by_label("ผลปี 2568").fill("81")
    add_row.get_by_label("ผลปี 2569").fill("abc")
    add_row.get_by_role("button", name="เพิ่มตัววัด").click()
    page.wait_for_selector(f"#new-metric-{group_id} [role=alert]")
    assert "ไม่ใช่ตัวเลข" in page.locator(f"#new-metric-{group_id}").inner_text()

    page.locator(f"#new-metric-{group_id}").get_by_label("ผลปี 2569").fill("96")
    page.locator(f"#new-metric-{group_id}").get_by_role("button", name="เพิ่มตัววัด").click()
    row = page.locator(f"#group-rows-{group_id} tr.metric-row")
    row.wait_for()
    text = row.inner_text()
    assert "ร้อยละของครัวเรือนที่มีรายได้เกินเกณฑ์ยากจน" in text
    assert "+12.94 %" in text and "Significance" in text and "500 คะแนน" in text
    assert row.locator("svg polyline").count() == 1 and row.locator("svg line.trend-target").count() == 1
    # the overview was refreshed out of band: the mission group now has one metric
    assert "ขณะนี้มี 1 ตัว" in page.locator("#results-overview").inner_text()
    assert page.locator("h1").get_attribute("data-marker") == "no-reload"
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "results-metric-added.png"), full_page=False)

    # edit in place: a lower result turns the level down
    row.get_by_role("button", name="แก้ไข").click()
    editing = page.locator("tr.editing")
    editing.get_by_label("ผลปี 2569").fill("86")
    editing.get_by_role("button", name="บันทึก").click()
    page.wait_for_selector("tr.metric-row[data-level=basic]")
    assert "300 คะแนน" in page.locator(f"#group-rows-{group_id} tr.metric-row").inner_text()
