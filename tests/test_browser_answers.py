"""An editor answers a question in chromium: types into the boxes at the question's blanks,
the answer saves itself (no button, no reload), the counter follows; a second editor's
stale save meets the conflict box and keeps her text; an evidence is cited and opened at
its page. At 1280 px and at a 390 px phone, with screenshots."""
import re

import pytest
from playwright.sync_api import expect

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import Answer
from tests.browser import sign_in
from tests.helpers import PASSWORD, checklist_item, extracted_text_evidence, make_agency, make_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_an_answer_saves_as_one_types_and_a_stale_one_is_refused(app, live_server, browser, artifacts_dir, width):
    with app.app_context():
        agency = make_agency("BROWSER-ANS", "กรมทดสอบคำตอบ")
        ana = make_user("ans-b-ana", ("agency_editor", agency))
        make_user("ans-b-bee", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        evidence = extracted_text_evidence(agency, checklist_item("1.1", "B1"), ana, "รายงานการประชุมผู้บริหาร",
                                        "การประชุมผู้บริหาร ครั้งที่ 1/2569")
        question = checklist_item("1.1", "B1").sub_item.questions[0]  # 1.1.1: four bullets with blanks
        question_id, evidence_title = question.id, evidence.title
        workspace = f"{live_server.url}/agencies/{agency.id}/criteria/1/1.1"

    contexts = [browser.new_context(locale="th-TH", viewport={"width": width, "height": 900}) for _ in range(2)]
    ana_page, bee_page = (context.new_page() for context in contexts)
    sign_in(ana_page, live_server.url, "ans-b-ana", PASSWORD)
    sign_in(bee_page, live_server.url, "ans-b-bee", PASSWORD)
    bee_page.goto(workspace)  # Bee opens the page before Ana writes anything
    ana_page.goto(workspace)
    ana_page.locator("h1").evaluate("el => el.dataset.marker = 'no-reload'")
    card = ana_page.locator(f"#question-{question_id}")
    boxes = card.locator("textarea.answer-part")
    assert boxes.count() == 4
    boxes.nth(0).fill("ส่งเสริมวิสาหกิจชุมชน 12 กลุ่ม\n- รายได้เพิ่มร้อยละ 8")
    card.locator(".answer-status .saved").wait_for(timeout=10_000)  # autosaved, no button pressed
    assert "ตอบบางส่วน" in card.locator(".answer-state").inner_text()
    assert card.locator(".counter").first.inner_text().startswith("52/")
    assert ana_page.locator("h1").get_attribute("data-marker") == "no-reload"

    # Ana cites the evidence at page 1; the link opens it there.
    card.get_by_label("อ้างอิงหลักฐาน").select_option(label=f"{evidence_title} (1.1-B1)")
    card.get_by_label("หน้า", exact=True).fill("1")
    card.get_by_role("button", name="อ้างอิง", exact=True).click()
    card.locator(".citation-list a").wait_for()
    assert card.locator(".citation-list a").inner_text() == "หลักฐาน 1.1-B1 หน้า 1"
    ana_page.screenshot(path=str(artifacts_dir / f"answers-1-saved-{width}.png"), full_page=False)
    assert ana_page.evaluate("document.documentElement.scrollWidth") <= width

    # Bee's page still shows the empty form: her autosave is refused with both texts shown.
    bee_card = bee_page.locator(f"#question-{question_id}")
    bee_card.locator("textarea.answer-part").nth(1).fill("โครงการสังคมสูงวัย")
    conflict = bee_card.locator(".answer-conflict")
    conflict.wait_for(timeout=10_000)
    text = conflict.inner_text()
    assert "มีผู้อื่นแก้ไขคำตอบข้อ 1.1.1" in text and "ส่งเสริมวิสาหกิจชุมชน" in text and "โครงการสังคมสูงวัย" in text
    bee_card.screenshot(path=str(artifacts_dir / f"answers-2-conflict-{width}.png"))
    with app.app_context():
        assert db.session.get(Answer, db.session.query(Answer.id).scalar()).parts[1] == ""  # nothing overwritten
    # She takes the saved text and adds hers to it.
    conflict.get_by_role("button", name="ใช้ข้อความที่บันทึกไว้ล่าสุด").click()
    expect(bee_page.locator(f"#part-{question_id}-0")).to_have_value(re.compile("^ส่งเสริมวิสาหกิจชุมชน"))
    bee_card = bee_page.locator(f"#question-{question_id}")
    bee_card.locator("textarea.answer-part").nth(1).fill("โครงการสังคมสูงวัย")
    bee_card.locator(".answer-status .saved").wait_for(timeout=10_000)
    with app.app_context():
        answer = db.session.query(Answer).one()
        assert answer.parts[:2] == ["ส่งเสริมวิสาหกิจชุมชน 12 กลุ่ม\n- รายได้เพิ่มร้อยละ 8", "โครงการสังคมสูงวัย"]
    # Ana claims a level for the sub-item, and marks an item as not applying, with its reason.
    ana_page.goto(workspace)
    claim = ana_page.locator("#level-claim")
    claim.get_by_label("ระดับ", exact=True).select_option("advance")
    claim.get_by_role("button", name="บันทึกระดับที่ขอ").click()
    ana_page.locator("#level-claim .alert-success").wait_for()
    assert "ระบบคำนวณได้" in claim.inner_text()
    ana_page.locator("#level-claim").screenshot(path=str(artifacts_dir / f"answers-3-claim-{width}.png"))
    with app.app_context():
        item_id = checklist_item("1.1", "RB3").id
    panel = ana_page.locator(f"#item-{item_id}")
    panel.locator("textarea[name=text]").fill("ส่วนราชการไม่มีภารกิจนี้ตามกฎหมายจัดตั้ง")
    panel.get_by_label("รายการนี้ไม่เกี่ยวข้องกับส่วนราชการ").check()
    panel.get_by_role("button", name="บันทึก", exact=True).click()
    ana_page.locator(f"#item-{item_id} .not-applicable").wait_for()
    ana_page.locator("#sub-item-summary", has_text="นับรวม 1 รายการ").wait_for()  # the level box followed
    ana_page.locator(f"#item-{item_id}").screenshot(path=str(artifacts_dir / f"answers-4-not-applicable-{width}.png"))
    assert ana_page.evaluate("document.documentElement.scrollWidth") <= width
    for context in contexts:
        context.close()


MESSAGE_500 = ('<div class="alert alert-error" role="alert"><strong>ระบบขัดข้อง</strong> — <span class="error-detail">'
               'เกิดข้อผิดพลาดภายในระบบ เจ้าหน้าที่ได้รับแจ้งแล้ว กรุณาลองใหม่ภายหลัง</span></div>')


@pytest.mark.parametrize("width", [1366, 390])
def test_a_failed_autosave_is_told_beside_the_box_until_a_save_succeeds(app, live_server, browser, artifacts_dir,
                                                                         width):
    """A lost connection, a 500 (answered in the message area, as portal.main.errors does), a
    409, a 403 and an ended session (401) each leave a Thai alert after the box being typed in;
    the text stays in it and the page stays."""
    from portal.answers import operations as answer_ops
    from portal.models import RoleGrant, User

    with app.app_context():
        agency = make_agency("BROWSER-ANS-F", "กรมทดสอบบันทึกไม่สำเร็จ")
        make_user("ans-f-ana", ("agency_editor", agency))
        make_user("ans-f-bee", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        question = checklist_item("1.1", "B1").sub_item.questions[0]  # 1.1.1: four boxes
        question_id, agency_id = question.id, agency.id
        workspace = f"{live_server.url}/agencies/{agency.id}/criteria/1/1.1"
    save_url = f"**/agencies/{agency_id}/questions/{question_id}"

    context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 844 if width < 480 else 768})
    page = context.new_page()
    sign_in(page, live_server.url, "ans-f-ana", PASSWORD)
    page.goto(workspace)
    card = page.locator(f"#question-{question_id}")
    box = page.locator(f"#part-{question_id}-1")
    alert = card.locator(".autosave-alert[role=alert]")

    def shot(name):
        alert.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts_dir / f"answers-autosave-{name}-{width}.png"))

    def beside_the_box():
        expect(alert).to_be_visible(timeout=10_000)
        box_at, alert_at = box.bounding_box(), alert.bounding_box()
        assert 0 <= alert_at["y"] - (box_at["y"] + box_at["height"]) < 80  # just under the box and its counter
        assert alert_at["x"] >= 0 and alert_at["x"] + alert_at["width"] <= width

    # The connection is lost: nothing answers at all.
    page.route(save_url, lambda route: route.abort("internetdisconnected"))
    box.fill("สังคมสูงวัย <ชุมชน> & “ครอบครัว”")
    beside_the_box()
    expect(alert).to_contain_text("ยังไม่ได้บันทึกคำตอบ: ติดต่อระบบไม่ได้")
    shot("network")
    # The server fails: its message goes to the message area, the alert by the box stays.
    page.unroute(save_url)
    page.route(save_url, lambda route: route.fulfill(
        status=500, body=MESSAGE_500, content_type="text/html; charset=utf-8",
        headers={"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"}))
    box.press("End")
    box.press_sequentially(" ก")
    expect(alert).to_contain_text("เกิดข้อผิดพลาดภายในระบบ", timeout=10_000)
    beside_the_box()
    shot("500")
    expect(box).to_have_value("สังคมสูงวัย <ชุมชน> & “ครอบครัว” ก")
    # The next save that goes through takes the alert away.
    page.unroute(save_url)
    box.press_sequentially("ข")
    card.locator(".answer-status .saved").wait_for(timeout=10_000)
    expect(alert).to_have_count(0)
    # Another editor saves meanwhile: this page's next autosave is refused (409), told by the box.
    with app.app_context():
        answer = db.session.query(Answer).one()
        bee = db.session.query(User).filter_by(username="ans-f-bee").one()
        answer_ops.save_answer(answer.agency, answer.question, ["บีเขียนก่อน", *answer.parts[1:]], bee, answer.version)
        db.session.commit()
    box.press_sequentially("ค")
    expect(alert).to_contain_text("มีผู้อื่นแก้ไขคำตอบข้อ 1.1.1", timeout=10_000)
    beside_the_box()
    expect(card.locator(".answer-conflict")).to_be_visible()
    expect(box).to_have_value("สังคมสูงวัย <ชุมชน> & “ครอบครัว” กขค")
    shot("409")
    # She is made a viewer meanwhile: no right to write (403, answered in the message area).
    with app.app_context():
        db.session.query(RoleGrant).filter(RoleGrant.user.has(username="ans-f-ana")).one().role = "agency_viewer"
        db.session.commit()
    box.press_sequentially("ง")
    expect(alert).to_contain_text("เท่านั้นที่เขียนคำตอบได้", timeout=10_000)
    beside_the_box()
    expect(box).to_have_value("สังคมสูงวัย <ชุมชน> & “ครอบครัว” กขคง")
    # Her session ends: the autosave's 401 would send the page to sign-in, and the text with it.
    context.clear_cookies()
    box.press_sequentially("จ")
    expect(alert).to_contain_text("หมดเวลาการเข้าสู่ระบบ", timeout=10_000)
    assert page.url == workspace
    expect(box).to_have_value("สังคมสูงวัย <ชุมชน> & “ครอบครัว” กขคงจ")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
