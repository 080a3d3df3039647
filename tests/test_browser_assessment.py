"""The whole assessment in chromium, on a submitted report: two assessors each judge
sub-item 1.1 through the page (different levels, autosaved as they type), the lead opens
the consensus, sees the difference marked, takes a member's finding, sets the level and,
once every code has a consensus level, confirms the consensus and publishes the feedback;
the agency's editor reads it from the dashboard and adds an improvement plan entry.
At 1280 and 390 px, without horizontal overflow."""
import pytest
from playwright.sync_api import expect

from portal import cycles
from portal.admin import operations as admin_ops
from portal.assessment import judging
from portal.extensions import db
from portal.models import AssessmentAssignment, Judgement
from portal.submissions import operations as submission_ops
from tests.browser import sign_in
from tests.helpers import PASSWORD, checklist_item, make_agency, make_user, stored_text_evidence

pytestmark = pytest.mark.browser


def no_overflow(page, width):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width


@pytest.mark.parametrize("width", [1280, 390])
def test_two_assessors_judge_and_the_lead_agrees_the_consensus(app, live_server, browser, artifacts_dir, width):
    with app.app_context():
        agency = make_agency("BROWSER-JUD", "กรมทดสอบการประเมิน")
        editor = make_user("jud-b-editor", ("agency_editor", agency))
        signer = make_user("jud-b-signer", ("agency_signer", agency))
        lead = make_user("jud-b-lead", ("assessor", None))
        member = make_user("jud-b-member", ("assessor", None))
        cycle = admin_ops.create_cycle(2569, "pmqa-4.0")
        admin_ops.make_current(cycle)
        db.session.commit()
        stored_text_evidence(agency, checklist_item("1.1", "B1"), editor, "แผนยุทธศาสตร์กรม")
        for user, is_lead in ((lead, True), (member, False)):
            db.session.add(AssessmentAssignment(cycle_id=cycle.id, agency_id=agency.id, assessor_id=user.id,
                                                is_lead=is_lead))
        db.session.commit()
        submission_ops.submit(agency, signer, confirmed=True)  # the team judges what was sent
        db.session.commit()
        agency_id = agency.id
    base = live_server.url
    judge_url = f"{base}/assessment/agencies/{agency_id}/judge/1.1"

    def judge(username, level, strength, shot):
        context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in(page, base, username, PASSWORD)
        page.goto(f"{base}/assessment/")
        page.get_by_role("link", name="กรมทดสอบการประเมิน").click()
        expect(page.locator("#main")).to_contain_text("ประเมินจากรายงานที่ส่ง ครั้งที่ 1")
        page.screenshot(path=str(artifacts_dir / f"assessment-1-workspace-{width}.png"), full_page=True)
        no_overflow(page, width)
        page.goto(judge_url)
        expect(page.locator("#judged-level")).to_have_value("")  # the suggestion is not preselected
        page.locator("#judged-level").select_option(level)
        expect(page.locator(".saved-at")).to_contain_text("บันทึกแล้ว", timeout=10_000)
        row = page.locator(".findings-strength .finding-row").last
        row.locator("textarea").fill(strength)
        expect(row.locator('input[name$="-id"]')).not_to_have_value("", timeout=10_000)
        page.locator("#private-note").fill("บันทึกส่วนตัวของ " + username)
        page.wait_for_timeout(1500)  # the autosave's delay
        page.screenshot(path=str(artifacts_dir / f"assessment-{shot}-judge-{width}.png"), full_page=True)
        no_overflow(page, width)
        context.close()

    judge("jud-b-member", "basic", "มีแผนยุทธศาสตร์ที่ชัดเจน", "2")
    judge("jud-b-lead", "advance", "มีการสื่อสารแผนทั่วองค์กร", "3")
    with app.app_context():
        saved = {j.assessor.username: j for j in db.session.query(Judgement).all()}
        assert saved["jud-b-member"].level == "basic" and saved["jud-b-lead"].level == "advance"
        assert saved["jud-b-member"].private_note == "บันทึกส่วนตัวของ jud-b-member"
        # every other code gets a consensus level here, so the page confirms 1.1 last
        current = cycles.current_cycle()
        for scope in judging.scopes(cycles.criteria_edition(current)):
            if scope.code != "1.1":
                db.session.add(Judgement(cycle_id=current.id, agency_id=agency_id, scope=scope.kind,
                                         code=scope.code, assessor_id=None, level="basic", private_note=""))
        db.session.commit()

    context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, base, "jud-b-lead", PASSWORD)
    page.goto(f"{base}/assessment/agencies/{agency_id}/consensus")
    expect(page.locator("tr.levels-differ")).to_have_count(1)
    expect(page.locator("tr.levels-differ .diff-marker").first).to_contain_text("ระดับต่างกัน")
    page.screenshot(path=str(artifacts_dir / f"assessment-4-consensus-{width}.png"), full_page=True)
    no_overflow(page, width)
    page.locator("tr.levels-differ a").click()
    expect(page.locator("#levels-differ")).to_be_visible()
    assert "บันทึกส่วนตัวของ jud-b-member" not in page.content()
    member_column = page.locator(".opinion", has_text="ผู้ใช้ jud-b-member")
    member_column.get_by_role("button", name="นำเข้าฉันทามติ").click()
    expect(page.locator("#messages")).to_contain_text("นำข้อค้นพบเข้าฉันทามติแล้ว")
    expect(page.locator("#judgement-form textarea").first).to_have_value("มีแผนยุทธศาสตร์ที่ชัดเจน")
    page.get_by_label("โอกาสในการปรับปรุง (ข้อใหม่)").fill("ควรสื่อสารแผนยุทธศาสตร์ให้ถึงบุคลากรทุกระดับ")
    page.locator("#judged-level").select_option("basic")
    expect(page.locator(".saved-at")).to_contain_text("บันทึกแล้ว", timeout=10_000)
    page.screenshot(path=str(artifacts_dir / f"assessment-5-consensus-code-{width}.png"), full_page=True)
    no_overflow(page, width)
    page.goto(f"{base}/assessment/agencies/{agency_id}/consensus")
    page.get_by_role("button", name="ยืนยันฉันทามติ").click()
    expect(page.locator("#messages")).to_contain_text("ยืนยันฉันทามติแล้ว")
    expect(page.get_by_role("button", name="เปิดแก้ไขฉันทามติ")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / f"assessment-6-done-{width}.png"), full_page=True)
    no_overflow(page, width)
    with app.app_context():
        agreed = db.session.query(Judgement).filter(Judgement.assessor_id.is_(None), Judgement.code == "1.1").one()
        strengths = [f for f in agreed.findings if f.kind == "strength"]
        assert agreed.level == "basic" and strengths[0].source_finding_id is not None  # taken from the member
        assert [f.text for f in agreed.findings if f.kind == "ofi"] == ["ควรสื่อสารแผนยุทธศาสตร์ให้ถึงบุคลากรทุกระดับ"]

    # The lead publishes; the agency's editor reads the feedback and plans an improvement.
    page.goto(f"{base}/agencies/{agency_id}/feedback")
    page.get_by_role("button", name="เผยแพร่ผลการประเมินให้ส่วนราชการ").click()
    expect(page.locator("#messages")).to_contain_text("เผยแพร่ผลการประเมินแล้ว")
    context.close()

    context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, base, "jud-b-editor", PASSWORD)
    page.goto(f"{base}/agencies/{agency_id}")
    page.locator("#feedback-card").get_by_role("link", name="อ่านผลการประเมิน").click()
    sub_item = page.locator("#sub-item-1\\.1")
    expect(sub_item).to_contain_text("มีแผนยุทธศาสตร์ที่ชัดเจน")  # the consensus strength taken from the member
    expect(sub_item).to_contain_text("ควรสื่อสารแผนยุทธศาสตร์ให้ถึงบุคลากรทุกระดับ")
    assert "บันทึกส่วนตัว" not in page.content()
    page.screenshot(path=str(artifacts_dir / f"assessment-7-feedback-{width}.png"), full_page=True)
    no_overflow(page, width)
    sub_item.get_by_text("เพิ่มแผนปรับปรุงสำหรับข้อนี้").click()
    form = sub_item.locator("form.plan-form")
    form.get_by_label("สิ่งที่จะดำเนินการ").fill("สื่อสารแผนยุทธศาสตร์ให้ทุกกองรับทราบทุกไตรมาส")
    form.get_by_label("ผู้รับผิดชอบ / หน่วยงานที่รับผิดชอบ").fill("กองยุทธศาสตร์และแผนงาน")
    form.get_by_label("กำหนดเสร็จ (พ.ศ.)").fill("31 มี.ค. 2570")
    form.get_by_role("button", name="บันทึกแผนปรับปรุง").click()
    expect(page.locator("#messages")).to_contain_text("เพิ่มแผนปรับปรุงแล้ว")
    expect(sub_item.locator(".plan-entries")).to_contain_text("กำหนดเสร็จ 31 มี.ค. 2570")
    no_overflow(page, width)
    context.close()
