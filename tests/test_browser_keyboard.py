"""The agency workspace from the keyboard alone (Tab, Shift+Tab, Enter, Space, Escape and
typing, through page.keyboard): the skip link comes first and puts focus in <main>; the
phone menu opens with Enter and Escape closes it back onto its button; an editor searches
the evidence picker and attaches an existing evidence; a reviewer fills in and submits the
review form; after each htmx swap focus stays where the work happened. Wherever focus
lands on a control it shows a focus ring."""
import pytest
from playwright.sync_api import expect

from portal.admin import operations as admin_ops
from portal.extensions import db
from tests.browser import sign_in
from tests.helpers import PASSWORD, checklist_item, make_agency, make_user, stored_text_evidence

pytestmark = pytest.mark.browser
EVIDENCE = "แผนยุทธศาสตร์กรมทดสอบคีย์บอร์ด"
REASON = "กรุณาแนบรายงานการประชุมฉบับลงนาม"

# What has focus, and whether it shows it (a ring: outline or box-shadow, not none).
FOCUSED = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {tag: el.tagName.toLowerCase(), id: el.id, cls: el.className || '', type: el.type || '',
          text: (el.innerText || el.value || '').trim().slice(0, 60), inMain: !!el.closest('main'),
          inNav: !!el.closest('#main-nav'), ring: outline || style.boxShadow !== 'none'};
}"""


@pytest.fixture
def workspace(app, live_server):
    with app.app_context():
        agency = make_agency("KEYS-A", "กรมทดสอบคีย์บอร์ด")
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        editor = make_user("keys-editor", ("agency_editor", agency))
        make_user("keys-reviewer", ("reviewer", agency))
        # Attached elsewhere, so the picker of 1.1 B1 offers it.
        stored_text_evidence(agency, checklist_item("2.1", "B1"), editor, EVIDENCE, "แผนยุทธศาสตร์")
        db.session.commit()
        return {"url": f"{live_server.url}/agencies/{agency.id}/criteria/1/1.1", "item": checklist_item().id}


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, matches, what: str, key: str = "Tab", limit: int = 200) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches; each stop shows a ring."""
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if now["tag"] != "body":
            assert now["ring"], f"no visible focus indicator on {now}"
        if matches(now):
            return now
    raise AssertionError(f"{what} is not reachable with {key} ({limit} presses)")


def test_skip_link_and_phone_menu_from_the_keyboard(browser, live_server, workspace, artifacts_dir):
    context = browser.new_context(locale="th-TH", viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server.url, "keys-editor", PASSWORD)
    page.goto(workspace["url"])

    page.keyboard.press("Tab")
    first = focused(page)
    assert "skip-link" in first["cls"] and first["ring"], first
    assert page.locator(".skip-link").bounding_box()["x"] >= 0  # shown when focused
    page.screenshot(path=str(artifacts_dir / "keyboard-skip-link-390.png"))
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    after = tab_to(page, lambda f: f["tag"] != "body", "the first control after the skip link", limit=1)
    assert after["inMain"], after  # the header is skipped

    toggle = page.locator(".menu-toggle")
    tab_to(page, lambda f: "menu-toggle" in f["cls"], "the menu button", key="Shift+Tab", limit=60)
    assert toggle.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true" and page.locator("#main-nav").is_visible()
    entry = tab_to(page, lambda f: f["tag"] != "body", "the first menu entry", limit=1)
    assert entry["inNav"], entry
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not page.locator("#main-nav").is_visible()
    assert "menu-toggle" in focused(page)["cls"]
    page.locator(".site-header").screenshot(path=str(artifacts_dir / "keyboard-menu-button-focused-390.png"))
    page.keyboard.press("Space")  # a button: Space works as well as Enter
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    context.close()


def test_attach_evidence_from_the_picker_with_the_keyboard(browser, live_server, workspace):
    context = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "keys-editor", PASSWORD)
    page.goto(workspace["url"])
    item = page.locator(f"#item-{workspace['item']}")
    expect(item).not_to_contain_text(EVIDENCE)

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # skip the header
    tab_to(page, lambda f: f["tag"] == "summary" and f["text"] == "เพิ่มหลักฐาน", "the first item's เพิ่มหลักฐาน")
    page.keyboard.press("Enter")
    assert item.locator("details.add-evidence").get_attribute("open") is not None
    tab_to(page, lambda f: f["id"] == f"pick-{workspace['item']}", "the evidence picker's search box", limit=30)
    page.keyboard.type("คีย์บอร์ด")
    choice = item.locator(".picker-list button", has_text=EVIDENCE)
    expect(choice).to_be_visible()
    expect(item.locator(".picker-list button")).to_have_count(1)  # the search narrowed the list
    tab_to(page, lambda f: f["text"] == f"แนบ: {EVIDENCE}", "the picker's choice", limit=5)
    page.keyboard.press("Enter")
    expect(page.locator(f"#item-{workspace['item']} .evidence-list")).to_contain_text(EVIDENCE)
    # Focus stays in the item htmx replaced (its message), not back at the top of the page.
    focus_comes_back_inside(page, f"#item-{workspace['item']}")
    context.close()


def test_review_form_from_the_keyboard(browser, live_server, workspace, artifacts_dir):
    context = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "keys-reviewer", PASSWORD)
    page.goto(workspace["url"])
    review = page.locator(f"#item-review-{workspace['item']}")

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["tag"] == "summary" and f["text"] == "บันทึกผลการพิจารณา", "the first review form")
    page.keyboard.press("Enter")
    radios = review.locator("input[name=status]")
    tab_to(page, lambda f: f["type"] == "radio", "the status choices", limit=5)
    page.keyboard.press("Space")  # the first status
    for _ in range(radios.count()):  # arrows move through the group to "ต้องแก้ไข"
        if review.get_by_role("radio", name="ต้องแก้ไข").is_checked():
            break
        page.keyboard.press("ArrowDown")
    assert review.get_by_role("radio", name="ต้องแก้ไข").is_checked()
    tab_to(page, lambda f: f["tag"] == "textarea", "the reason", limit=3)
    page.keyboard.type(REASON)
    review.screenshot(path=str(artifacts_dir / "keyboard-review-form-1366.png"))
    tab_to(page, lambda f: f["text"] == "บันทึกสถานะ", "the submit button", limit=3)
    page.keyboard.press("Enter")
    expect(page.locator(f"#item-review-{workspace['item']}")).to_contain_text(REASON)
    expect(page.locator(f"#item-review-{workspace['item']}")).to_contain_text("ต้องแก้ไข")
    focus_comes_back_inside(page, f"#item-review-{workspace['item']}")
    context.close()


def focus_comes_back_inside(page, selector: str, seconds: float = 5.0) -> None:
    """Polled from Python: the portal's CSP forbids the eval that wait_for_function's
    string predicates need in the page."""
    import time

    deadline = time.monotonic() + seconds
    while not page.evaluate("(selector) => !!document.activeElement.closest(selector)", selector):
        assert time.monotonic() < deadline, f"focus did not come back inside {selector}"
        page.wait_for_timeout(50)

