"""A person types a Thai query and sees highlighted results update as they type."""
import pytest

from portal.admin import operations as admin_ops
from portal.evidence import operations as ops
from portal.extensions import db
from portal.models import EvidencePage
from portal.search.index import rebuild
from portal.search.backend import index_folder
from tests.browser import page_at, sign_in
from tests.conftest import ARTIFACTS
from tests.test_browser_layout import layout_problems
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


def _two_agencies_with_plans(app):
    with app.app_context():
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        make_user("searcher", ("assessor", None))
        for code, name in (("PHONE-A", "กรมทดสอบโทรศัพท์"), ("PHONE-B", "กรมทดสอบจอกว้าง")):
            agency = make_agency(code, name)
            evidence = ops.add_link(agency, None, "https://example.go.th/", f"แผนยุทธศาสตร์ {name}", None)
            evidence.pages.append(EvidencePage(number=1, label="หน้า 1", text=f"แผนยุทธศาสตร์ของ{name}"))
        db.session.commit()
        rebuild(index_folder())


NO_SIDEWAYS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
BREAK_ALL = """() => [...document.querySelectorAll('#search-form, #search-form *')]
  .filter(el => getComputedStyle(el).wordBreak === 'break-all').length"""


def test_on_a_phone_the_results_come_first_and_the_filters_fold(app, live_server, browser):
    _two_agencies_with_plans(app)
    shots = ARTIFACTS / "search"
    shots.mkdir(parents=True, exist_ok=True)
    with page_at(browser, 390) as page:
        sign_in(page, live_server.url, "searcher", PASSWORD)
        page.goto(f"{live_server.url}/search/?q=ยุทธศาสตร์")
        page.screenshot(path=str(shots / "phone-folded.png"))
        panel = page.locator("details#search-filters")
        assert panel.get_attribute("open") is None
        assert page.locator("#agency").is_hidden()
        assert page.locator("#q").is_visible() and page.get_by_role("button", name="ค้นหา").is_visible()
        first_hit = page.locator("#results .hit").first.bounding_box()
        assert first_hit["y"] < 844, first_hit
        assert page.evaluate(NO_SIDEWAYS) and page.evaluate(BREAK_ALL) == 0
        assert not layout_problems(page, "folded", 390)
        assert page.locator("#search-filters > summary").inner_text().strip().endswith("ตัวกรอง")

        page.locator("h1").evaluate("el => el.dataset.marker = 'same-page'")
        page.locator("#search-filters > summary").click()
        for field in ("#agency", "#category", "#sub_item", "#item", "#level", "#kind", "#cycle",
                      "#date_field", "#date_from", "#date_to", "#sort"):
            assert page.locator(field).is_visible(), field
        assert not layout_problems(page, "open", 390)
        page.screenshot(path=str(shots / "phone-open.png"))

        page.locator("#agency").select_option(label="PHONE-A กรมทดสอบโทรศัพท์")
        page.locator("#results .hit").nth(1).wait_for(state="detached")
        assert "กรมทดสอบโทรศัพท์" in page.locator("#results .hit").inner_text()
        assert page.locator("h1").get_attribute("data-marker") == "same-page"  # only #results swapped
        assert panel.get_attribute("open") is not None  # still open after the search
        assert "ตัวกรอง (1)" in page.locator("#search-filters > summary").inner_text()
        chip = page.locator("#active-filters .chip")
        assert chip.count() == 1 and "กรมทดสอบโทรศัพท์" in chip.inner_text()
        page.screenshot(path=str(shots / "phone-filtered.png"))

        # folded again, the panel still says the results are filtered, and by what
        page.locator("#search-filters > summary").click()
        assert panel.get_attribute("open") is None
        assert chip.is_visible() and "ตัวกรอง (1)" in page.locator("#search-filters > summary").inner_text()
        assert page.locator("#results .hit").first.bounding_box()["y"] < 844
        assert not layout_problems(page, "folded, filtered", 390)
        page.screenshot(path=str(shots / "phone-filtered-folded.png"))

        # the page as the server renders it says the same
        made_here = chip.inner_text()
        page.reload()
        assert chip.inner_text() == made_here and panel.get_attribute("open") is None

        # the chip's × takes the filter off
        chip.click()
        page.locator("#results .hit").nth(1).wait_for()
        assert page.locator("#agency").input_value() == ""
        assert page.locator("#active-filters .chip").count() == 0
        assert page.locator("#search-filters > summary").inner_text().strip().endswith("ตัวกรอง")
        assert "PHONE-A" not in page.locator("#agency").evaluate("el => el.selectedOptions[0].text")

        # a page loaded with a filter says so before any script has run
        page.goto(f"{live_server.url}/search/?q=ยุทธศาสตร์&kind=link")
        assert "ตัวกรอง (1)" in page.locator("#search-filters > summary").inner_text()
        assert panel.get_attribute("open") is None
        assert page.locator("#results .hit").first.bounding_box()["y"] < 844


def test_without_javascript_the_panel_still_folds_counts_and_clears(app, live_server, browser):
    _two_agencies_with_plans(app)
    with page_at(browser, 390, java_script_enabled=False) as page:
        sign_in(page, live_server.url, "searcher", PASSWORD)
        page.goto(f"{live_server.url}/search/?q=ยุทธศาสตร์&kind=link&category=2")
        summary = page.locator("#search-filters > summary")
        assert "ตัวกรอง (2)" in summary.inner_text() and page.locator("#kind").is_hidden()
        chips = [" ".join(text.split()) for text in page.locator("#active-filters .chip").all_inner_texts()]
        assert chips == ["ลบตัวกรอง หมวด: หมวด 2 ×", "ลบตัวกรอง ชนิด: ลิงก์ ×"]
        summary.click()
        assert page.locator("#kind").input_value() == "link"
        page.locator("#active-filters .chip", has_text="หมวด").click()
        page.wait_for_url("**category=&**")
        assert "ตัวกรอง (1)" in summary.inner_text() and "kind=link" in page.url
        assert page.locator("#results .hit").count() == 2


def test_on_a_wide_screen_the_filters_show_as_before(app, live_server, browser):
    _two_agencies_with_plans(app)
    shots = ARTIFACTS / "search"
    shots.mkdir(parents=True, exist_ok=True)
    with page_at(browser, 1366) as page:
        sign_in(page, live_server.url, "searcher", PASSWORD)
        page.goto(f"{live_server.url}/search/?q=ยุทธศาสตร์")
        for field in ("#agency", "#category", "#sub_item", "#item", "#level", "#kind", "#cycle",
                      "#date_field", "#date_from", "#date_to", "#sort"):
            assert page.locator(field).is_visible(), field
        assert page.locator("#results .hit").first.bounding_box()["y"] < 768
        page.screenshot(path=str(shots / "desktop.png"))
        page.locator("#kind").select_option("pdf")
        page.locator("#results .no-results").wait_for()
        assert "ตัวกรอง (1)" in page.locator("#search-filters > summary").inner_text()
        assert page.get_by_label("ชนิด").input_value() == "pdf"
        page.locator("#kind").select_option("")
        page.locator("#results .hit").nth(1).wait_for()
        assert page.evaluate(NO_SIDEWAYS)
        page.screenshot(path=str(shots / "desktop-after.png"))


@pytest.mark.parametrize("width", [390, 1366])
def test_a_document_is_one_hit_whose_pages_open_it_at_the_matched_words(app, live_server, browser, width):
    from portal.models import AssessmentCycle, ItemReview
    from sqlalchemy import select

    from tests.helpers import checklist_item, stored_text_evidence

    with app.app_context():
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        agency = make_agency("DOC-BROWSER", "กรมทดสอบการค้นหาแบบเอกสาร")
        editor = make_user("doc-searcher", ("agency_editor", agency))
        item = checklist_item("1.1", "B1")
        pages = ["บทนำของรายงาน", "แผนยุทธศาสตร์ด้านการบริการประชาชน", "งบประมาณประจำปี",
                 "การทบทวนแผนยุทธศาสตร์ร่วมกับผู้มีส่วนได้ส่วนเสีย"]
        for title in ("รายงานประจำปี 2569", "รายงานประจำปี 2569 (สำเนา)"):  # the same bytes twice
            evidence = stored_text_evidence(agency, item, editor, title, "รายงานประจำปีฉบับเดียวกัน")
            for number, text in enumerate(pages, 1):
                evidence.pages.append(EvidencePage(number=number, label=f"หน้า {number}", text=text))
        cycle = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current))
        db.session.add(ItemReview(agency_id=agency.id, cycle_id=cycle.id, checklist_item_id=item.id, status="accepted"))
        db.session.commit()
        rebuild(index_folder())
    with page_at(browser, width) as page:
        sign_in(page, live_server.url, "doc-searcher", PASSWORD)
        page.goto(f"{live_server.url}/search/?q=ยุทธศาสตร์")
        hits = page.locator("#results .hit")
        assert hits.count() == 1
        hit = hits.first
        assert "พบใน 2 หน้า" in hit.inner_text() and "มีสำเนาไฟล์เดียวกันอีก 1 รายการ" in hit.inner_text()
        assert hit.locator(".review-badge").inner_text() == "ผ่านการพิจารณา"
        assert layout_problems(page, f"search {width}", width) == []
        page.screenshot(path=str(ARTIFACTS / "search" / f"document-hit-{width}.png"), full_page=True)
        hit.locator(".hit-pages a", has_text="หน้า 4").click()
        page.wait_for_url("**page=4**")
        opened = page.locator("#page-4")
        assert opened.is_visible() and opened.locator("mark").count() >= 1  # a text file's pages are its preview
        assert "ยุทธศาสตร์" in opened.locator("mark").first.inner_text()
        assert opened.locator("mark").first.is_visible()
        page.screenshot(path=str(ARTIFACTS / "search" / f"document-opened-{width}.png"))
        page.go_back()
        hit = page.locator("#results .hit").first
        hit.locator(".hit-items a", has_text="1.1-B1").click()
        page.wait_for_url("**/criteria/1/1.1**")
        assert page.url.endswith(f"#item-{item.id}") and page.locator(f"#item-{item.id}").is_visible()
