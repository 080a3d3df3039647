"""The admin's assessment-teams tab and the assessment overview in chromium, at 1280 and
390 px: an admin adds assessors (a refused choice shows its Thai message at the field),
names the lead, and both pages fit the viewport, the overview's table scrolling inside its
own box. Screenshots in tests/_artifacts/assessment-*.png."""
import pytest
from playwright.sync_api import expect

from portal.admin import operations as admin_ops
from portal.assessment import teams
from portal.extensions import db
from portal.models.assessment import AssessmentState, Judgement
from tests.browser import sign_in
from tests.helpers import PASSWORD, make_agency, make_user
from tests.test_browser_layout import layout_problems

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_teams_tab_and_overview(app, live_server, browser, artifacts_dir, width):
    with app.app_context():
        cycle = admin_ops.create_cycle(2569, "pmqa-4.0")
        admin_ops.make_current(cycle)
        agencies = [make_agency(f"BA-{n:02d}", f"กรมทดสอบการประเมินที่มีชื่อยาวพอสมควร ลำดับ {n:02d}",
                                kind="province" if n % 3 == 0 else "department") for n in range(12)]
        lead = make_user("ba-lead", ("assessor", None))
        make_user("ba-second", ("assessor", None))
        make_user("ba-admin", ("admin", None))
        for agency in agencies[1:8]:
            teams.assign(agency, cycle, lead, lead=True)
        for code in ("1", "2", "3", "1.1", "1.2"):
            db.session.add(Judgement(cycle_id=cycle.id, agency_id=agencies[2].id, scope="category" if "." not in code
                                     else "sub_item", code=code, level="advance"))
        db.session.add(AssessmentState(cycle_id=cycle.id, agency_id=agencies[2].id,
                                       consensus_done_at=db.func.now()))
        db.session.commit()
        first_id = agencies[0].id
    base = live_server.url
    context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, base, "ba-admin", PASSWORD)

    page.goto(f"{base}/admin/assessment-teams")
    row = page.locator(f"#team-{first_id}")
    row.get_by_role("button", name="เพิ่ม", exact=True).click()  # nobody chosen: refused at the field
    row.locator(".field-error").wait_for()
    assert "กรุณาเลือกผู้ประเมิน" in row.locator(".field-error").inner_text()
    row = page.locator(f"#team-{first_id}")
    row.locator("select[name=assessor_id]").select_option(label="ผู้ใช้ ba-second (ba-second)")
    row.get_by_role("button", name="เพิ่ม", exact=True).click()
    page.locator(f"#team-{first_id} .team-list").wait_for()
    row = page.locator(f"#team-{first_id}")
    row.locator("select[name=assessor_id]").select_option(label="ผู้ใช้ ba-lead (ba-lead)")
    row.get_by_role("button", name="เพิ่ม", exact=True).click()
    page.locator(f"#team-{first_id} .team-list li:nth-child(2)").wait_for()
    page.locator(f"#team-{first_id}").get_by_role("button", name="ตั้งเป็นหัวหน้าทีม ผู้ใช้ ba-second").click()
    expect(page.locator(f"#team-{first_id} .alert-success")).to_contain_text("เป็นหัวหน้าทีมแล้ว")
    expect(page.locator(f"#team-{first_id} .team-list li").first).to_contain_text("ba-second")
    expect(page.locator(f"#team-{first_id} .team-list li").first.locator(".tag")).to_have_text("หัวหน้าทีม")
    page.screenshot(path=str(artifacts_dir / f"assessment-teams-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert layout_problems(page, "teams", width) == []

    page.get_by_label("ยังไม่มีทีม").check()
    expect(page.locator("#team-list")).not_to_contain_text("BA-01")  # (a string wait_for_function breaks the CSP)
    expect(page.locator("#team-list")).to_contain_text("BA-08")

    page.goto(f"{base}/assessment/overview")
    table = page.locator(".assessment-overview")
    assert table.locator("tbody tr").count() == 12
    page.screenshot(path=str(artifacts_dir / f"assessment-overview-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert layout_problems(page, "overview", width) == []
    if width == 390:  # the table is wider than the phone: it scrolls in its own box
        assert page.evaluate("(() => { const box = document.querySelector('#assessment-overview .table-scroll');"
                             " return box.scrollWidth > box.clientWidth; })()")
    page.get_by_label("สถานะ").select_option(label="ฉันทามติแล้ว")
    expect(page.locator(".assessment-overview tbody tr")).to_have_count(1)
    page.get_by_role("link", name="ให้ระดับแล้ว").click()
    page.locator("th[aria-sort=ascending]").wait_for()
    context.close()
