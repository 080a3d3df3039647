"""The feedback path in chromium: the lead publishes the preview; the agency's editor finds
the card on the dashboard, reads the levels, strengths and OFIs, and adds an improvement
plan entry with a Buddhist-era due date, then sees it on the plan page. At 1280 and 390 px."""
import pytest
from playwright.sync_api import expect

from tests.browser import sign_in
from tests.feedback_helpers import OFI, SECRET, STRENGTH, assessed_world
from tests.helpers import PASSWORD
from tests.test_browser_layout import layout_problems

pytestmark = pytest.mark.browser


def _fits(page, width: int) -> None:
    """No sideways scrolling, nothing sticking out, tap targets big enough on the phone,
    with every <details> (the forms) open, as tests/test_browser_layout.py measures."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.evaluate("document.querySelectorAll('details:not([open])').forEach(d => { d.open = true; d.dataset.shut = 1; })")
    assert layout_problems(page, page.url, width) == []
    page.evaluate("document.querySelectorAll('details[data-shut]').forEach(d => { d.open = false; delete d.dataset.shut; })")


@pytest.mark.parametrize("width", [1280, 390])
def test_lead_publishes_and_the_agency_plans(app, live_server, browser, artifacts_dir, width):
    with app.app_context():
        world = assessed_world("fbb")
    base, agency_id = live_server.url, world["agency"]

    lead_context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900})
    lead = lead_context.new_page()
    sign_in(lead, base, "fbb-lead", PASSWORD)
    lead.goto(f"{base}/agencies/{agency_id}/feedback")
    expect(lead.locator("#unpublished-note")).to_contain_text("ยังไม่เผยแพร่")
    lead.screenshot(path=str(artifacts_dir / f"feedback-1-preview-{width}.png"), full_page=True)
    _fits(lead, width)
    lead.get_by_role("button", name="เผยแพร่ผลการประเมินให้ส่วนราชการ").click()
    expect(lead.locator("#messages")).to_contain_text("เผยแพร่ผลการประเมินแล้ว")
    assert lead.locator("#unpublished-note").count() == 0

    context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900})
    editor = context.new_page()
    sign_in(editor, base, "fbb-editor", PASSWORD)
    editor.goto(f"{base}/agencies/{agency_id}")
    card = editor.locator("#feedback-card")
    expect(card).to_contain_text("ผลการประเมินและข้อเสนอแนะ")
    card.screenshot(path=str(artifacts_dir / f"feedback-2-dashboard-card-{width}.png"))
    _fits(editor, width)
    card.get_by_role("link", name="อ่านผลการประเมิน").click()
    sub_item = editor.locator("#sub-item-1\\.1")
    expect(sub_item).to_contain_text("ก้าวหน้า (Advance)")
    expect(sub_item).to_contain_text(STRENGTH)
    expect(sub_item).to_contain_text(OFI)
    assert SECRET not in editor.content()
    editor.screenshot(path=str(artifacts_dir / f"feedback-3-page-{width}.png"), full_page=True)
    _fits(editor, width)

    sub_item.get_by_text("เพิ่มแผนปรับปรุงสำหรับข้อนี้").click()
    form = sub_item.locator("form.plan-form")
    form.get_by_label("สิ่งที่จะดำเนินการ").fill("ทบทวนตัวชี้วัดร่วมกับทุกกองทุกไตรมาส")
    form.get_by_label("ผู้รับผิดชอบ / หน่วยงานที่รับผิดชอบ").fill("กองยุทธศาสตร์และแผนงาน")
    form.get_by_label("กำหนดเสร็จ (พ.ศ.)").fill("31 ก.พ. 2570")  # no such day: refused at the field
    form.get_by_role("button", name="บันทึกแผนปรับปรุง").click()
    refused = editor.locator("#sub-item-1\\.1 form.plan-form")
    expect(refused.locator(".field-error")).to_contain_text("ไม่มีวันที่นี้ในปฏิทิน")
    expect(refused.get_by_label("สิ่งที่จะดำเนินการ")).to_have_value("ทบทวนตัวชี้วัดร่วมกับทุกกองทุกไตรมาส")
    refused.screenshot(path=str(artifacts_dir / f"feedback-4-plan-refused-{width}.png"))
    _fits(editor, width)
    refused.get_by_label("กำหนดเสร็จ (พ.ศ.)").fill("30 ก.ย. 2570")
    refused.get_by_role("button", name="บันทึกแผนปรับปรุง").click()
    expect(editor.locator("#messages")).to_contain_text("เพิ่มแผนปรับปรุงแล้ว")
    expect(editor.locator("#sub-item-1\\.1 .plan-entries")).to_contain_text("กำหนดเสร็จ 30 ก.ย. 2570")

    editor.goto(f"{base}/agencies/{agency_id}/improvement-plan")
    row = editor.locator(".plan-row").first
    expect(row).to_contain_text("ทบทวนตัวชี้วัดร่วมกับทุกกองทุกไตรมาส")
    row.get_by_role("button", name="แก้ไข / เปลี่ยนสถานะ").click()
    editor.locator(".plan-row.editing").get_by_label("สถานะ").select_option("in_progress")
    editor.locator(".plan-row.editing").get_by_role("button", name="บันทึก", exact=True).click()
    expect(editor.locator(".plan-row").first).to_contain_text("กำลังดำเนินการ")
    editor.screenshot(path=str(artifacts_dir / f"feedback-5-plan-{width}.png"), full_page=True)
    _fits(editor, width)


@pytest.mark.parametrize("width", [1280, 390])
def test_good_practice_from_proposal_to_the_library(app, live_server, browser, artifacts_dir, width):
    from tests.feedback_helpers import ANSWER, publish_now
    from tests.helpers import make_agency, make_user

    with app.app_context():
        world = assessed_world("gpb")
        publish_now(world)
        make_user("gpb-elsewhere", ("agency_viewer", make_agency("GPB-C", "กรมที่มาเรียนรู้")))
    base, agency_id = live_server.url, world["agency"]

    lead = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900}).new_page()
    sign_in(lead, base, "gpb-lead", PASSWORD)
    lead.goto(f"{base}/agencies/{agency_id}/feedback#sub-item-1.1")
    box = lead.locator("#good-practice-1-1")
    box.get_by_text("เสนอหัวข้อ 1.1 เป็นแนวปฏิบัติที่ดี").click()
    box.get_by_label("เหตุผล").fill("วางแผนอย่างมีส่วนร่วมกับผู้มีส่วนได้ส่วนเสียครบทุกกลุ่ม")
    box.get_by_role("button", name="เสนอเป็นแนวปฏิบัติที่ดี").click()
    expect(lead.locator("#messages")).to_contain_text("รอส่วนราชการตอบรับ")

    signer = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900}).new_page()
    sign_in(signer, base, "gpb-signer", PASSWORD)
    signer.goto(f"{base}/agencies/{agency_id}/feedback#sub-item-1.1")
    box = signer.locator("#good-practice-1-1")
    box.screenshot(path=str(artifacts_dir / f"practice-1-proposal-{width}.png"))
    box.get_by_role("button", name="ยินยอมให้เผยแพร่").click()
    expect(signer.locator("#messages")).to_contain_text("ยินยอมให้เผยแพร่เป็นแนวปฏิบัติที่ดีแล้ว")

    reader = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900}).new_page()
    sign_in(reader, base, "gpb-elsewhere", PASSWORD)
    reader.goto(base + "/")
    if width < 1100:  # the menu is folded behind its button on narrow screens
        reader.get_by_role("button", name="เมนู").click()
    reader.get_by_role("link", name="แนวปฏิบัติที่ดี").click()
    reader.get_by_label("ค้นหา").fill("ยุทธศาสตร์")
    reader.get_by_role("button", name="ค้นหา").click()
    expect(reader.locator(".practice-row")).to_have_count(1)
    reader.screenshot(path=str(artifacts_dir / f"practice-2-library-{width}.png"), full_page=True)
    _fits(reader, width)
    reader.locator(".practice-row h2 a").click()
    expect(reader.locator("article.report")).to_contain_text(ANSWER)
    reader.screenshot(path=str(artifacts_dir / f"practice-3-page-{width}.png"), full_page=True)
    _fits(reader, width)
