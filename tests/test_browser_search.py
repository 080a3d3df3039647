"""A person types a Thai query and sees highlighted results update as they type."""
import pytest

from portal.admin import operations as admin_ops
from portal.evidence import operations as ops
from portal.extensions import db
from portal.models import EvidencePage
from portal.search.index import rebuild
from portal.search.backend import index_folder
from tests.browser import sign_in
from tests.helpers import PASSWORD, make_agency, make_user

pytestmark = pytest.mark.browser


def test_results_update_as_you_type(app, live_server, page, artifacts_dir):
    with app.app_context():
        agency = make_agency("BROWSER-S", "กรมทดสอบการค้นหา")
        make_user("searcher", ("assessor", None))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        for title, text in (("แผนยุทธศาสตร์ 2569", "แผนยุทธศาสตร์ของกรมที่ตอบสนองพันธกิจ"),
                            ("รายงานตัวชี้วัด", "ผลการดำเนินงานตามตัวชี้วัด KPI ร้อยละ 95")):
            evidence = ops.add_link(agency, None, "https://example.go.th/", title, None)
            evidence.pages.append(EvidencePage(number=1, label="หน้า 1", text=text))
        db.session.commit()
        rebuild(index_folder())
    sign_in(page, live_server.url, "searcher", PASSWORD)
    page.goto(f"{live_server.url}/search/")
    page.locator("h1").evaluate("el => el.dataset.marker = 'same-page'")
    page.locator("#q").press_sequentially("ยุทธศาสตร์", delay=30)
    page.wait_for_selector("#results .hit mark")
    assert "แผนยุทธศาสตร์ 2569" in page.locator("#results").inner_text()
    assert "รายงานตัวชี้วัด" not in page.locator("#results").inner_text()
    page.screenshot(path=str(artifacts_dir / "search-thai.png"))

    page.locator("#q").fill("")
    page.locator("#q").press_sequentially("KPI", delay=30)
    page.locator("#results .hit", has_text="รายงานตัวชี้วัด").wait_for()
    assert page.locator("#results mark").first.inner_text().lower() == "kpi"
    assert page.locator("h1").get_attribute("data-marker") == "same-page"
    assert "q=KPI" in page.url

    # a facet is a filter: the page reloads with it chosen in the form
    page.locator(".facets a", has_text="ลิงก์ (1)").click()
    page.wait_for_url("**kind=link**")
    assert page.locator("#kind").input_value() == "link"
    assert page.locator("#results .hit", has_text="รายงานตัวชี้วัด").count() == 1
    page.screenshot(path=str(artifacts_dir / "search-facet.png"))
