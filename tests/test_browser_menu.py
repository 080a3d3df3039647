"""The main menu in chromium: on a phone it folds behind "เมนู" (one header row, opened and
closed from the keyboard, Escape closes it), on a 1280 px desktop every entry of the
busiest role (an admin who also assesses) fits one row, and no label breaks inside a word."""
import pytest

from portal.admin import operations as admin_ops
from portal.extensions import db
from tests.browser import sign_in
from tests.helpers import PASSWORD, make_agency, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def busiest(app):
    with app.app_context():
        agency = make_agency("MENU-A", "กรมทดสอบเมนู")
        make_user("menu-admin", ("admin", None), ("assessor", None), ("reviewer", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()


def labels_unbroken(page) -> bool:
    """Each menu label on one line: its height is one line's."""
    return page.evaluate("""[...document.querySelectorAll('#main-nav a')].every(a => {
        const line = parseFloat(getComputedStyle(a).lineHeight) || 24;
        return a.getClientRects().length === 1 && a.getBoundingClientRect().height < line * 1.9; })""")


def test_the_menu_folds_on_a_phone_and_works_from_the_keyboard(live_server, browser, busiest, artifacts_dir):
    context = browser.new_context(locale="th-TH", viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server.url, "menu-admin", PASSWORD)
    toggle = page.get_by_role("button", name="เมนู")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#main-nav").is_visible()
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 110  # folded: no rows of links
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true" and page.locator("#main-nav").is_visible()
    assert page.get_by_role("link", name="ผู้ดูแลระบบ").is_visible() and labels_unbroken(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts_dir / "menu-open-390.png"))
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not page.locator("#main-nav").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
    context.close()


def test_every_entry_fits_one_row_on_a_desktop(live_server, browser, busiest, artifacts_dir):
    context = browser.new_context(locale="th-TH", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, live_server.url, "menu-admin", PASSWORD)
    assert not page.get_by_role("button", name="เมนู").is_visible()
    tops = page.evaluate("""[document.querySelector('.brand'), ...document.querySelectorAll('#main-nav a'),
                             document.querySelector('.user-menu button')].map(e => { const r = e.getBoundingClientRect(); return Math.round((r.top + r.bottom) / 2 / 20); })""")
    assert len(set(tops)) == 1, tops  # one row
    assert labels_unbroken(page) and page.locator("#main-nav a").count() == 9
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator(".site-header").screenshot(path=str(artifacts_dir / "menu-1280.png"))
    context.close()
