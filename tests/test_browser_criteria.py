"""A person opens a sub-item page in chromium, reads the checklist and filters it by level."""
import pytest

from tests.browser import sign_in
from tests.helpers import PASSWORD, make_agency, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in_page(app, live_server, page):
    with app.app_context():
        make_user("browser-viewer", ("agency_viewer", make_agency("BROWSER-A")))
    sign_in(page, live_server.url, "browser-viewer", PASSWORD)
    return page


def test_sub_item_page_shows_the_checklist_and_filters_in_place(live_server, signed_in_page, artifacts_dir):
    page = signed_in_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/criteria/")
    page.get_by_role("link", name="1.1 ระบบการนำองค์การที่สร้างความยั่งยืน").first.click()
    page.wait_for_url("**/criteria/1/1.1")
    assert page.locator("h1").inner_text().startswith("1.1")
    assert page.locator("#checklist .item").count() > 10
    assert page.locator("#item-B1 .item-text").inner_text().startswith("ผู้บริหาร")
    page.screenshot(path=str(artifacts_dir / "criteria-1.1.png"), full_page=True)

    # The filter swaps only the checklist (htmx) and puts the filter in the address bar.
    page.locator("h1").evaluate("el => el.dataset.marker = 'still-here'")
    page.get_by_role("link", name="Advance", exact=True).click()
    page.wait_for_url("**level=advance**")
    page.wait_for_selector("#item-B1", state="detached")
    assert page.locator("#item-A1").is_visible()
    assert page.locator("h1").get_attribute("data-marker") == "still-here"  # no reload
    page.screenshot(path=str(artifacts_dir / "criteria-1.1-advance.png"), full_page=True)

    page.go_back()
    page.wait_for_selector("#item-B1")
    assert errors == []


def test_category_7_page_renders_in_the_browser(live_server, signed_in_page, artifacts_dir):
    page = signed_in_page
    page.goto(f"{live_server.url}/criteria/7")
    assert page.locator(".dimension").count() == 6
    page.screenshot(path=str(artifacts_dir / "criteria-7.png"), full_page=True)
