"""The whole path in chromium: an editor answers a question and cites an evidence, the
agency's signer reviews the summary, certifies and submits, gets the receipt with its
hash, the editor's next save is refused in Thai, and the report opens. At 1280 and 390 px."""
import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from portal.admin import operations as admin_ops
from portal.extensions import db
from tests.browser import sign_in
from tests.helpers import PASSWORD, checklist_item, extracted_text_evidence, make_agency, make_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_answer_cite_submit_and_open_the_report(app, live_server, browser, artifacts_dir, width):
    with app.app_context():
        agency = make_agency("BROWSER-SUB", "กรมทดสอบการส่งรายงาน")
        editor = make_user("sub-b-editor", ("agency_editor", agency))
        make_user("sub-b-signer", ("agency_signer", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        extracted_text_evidence(agency, checklist_item("1.1", "B1"), editor, "แผนยุทธศาสตร์กรม",
                                "แผนยุทธศาสตร์กรม พ.ศ. 2566-2570")
        question_id = checklist_item("1.1", "B1").sub_item.questions[1].id  # 1.1.2, one blank
        agency_id = agency.id
    base = live_server.url
    workspace = f"{base}/agencies/{agency_id}/criteria/1/1.1"

    editor_context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900})
    editor_page = editor_context.new_page()
    sign_in(editor_page, base, "sub-b-editor", PASSWORD)
    editor_page.goto(workspace)
    card = editor_page.locator(f"#question-{question_id}")
    card.locator("textarea.answer-part").fill("ทิศทางขององค์การคือ บริการประชาชนด้วยข้อมูลที่ถูกต้อง")
    card.locator(".answer-status .saved").wait_for(timeout=10_000)
    card.get_by_label("อ้างอิงหลักฐาน").select_option(label="แผนยุทธศาสตร์กรม (1.1-B1)")
    card.get_by_role("button", name="อ้างอิง", exact=True).click()
    card.locator(".citation-list a").wait_for()

    signer_context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 900},
                                         accept_downloads=True)
    signer = signer_context.new_page()
    sign_in(signer, base, "sub-b-signer", PASSWORD)
    signer.goto(f"{base}/agencies/{agency_id}/submission")
    signer.screenshot(path=str(artifacts_dir / f"submission-1-summary-{width}.png"), full_page=True)
    assert signer.evaluate("document.documentElement.scrollWidth") <= width
    signer.get_by_label("ข้าพเจ้าได้ตรวจสอบและรับรองความถูกต้องของรายงานการประเมินตนเอง").check()
    signer.get_by_role("button", name="ส่งรายงาน").click()
    signer.locator("code.manifest").wait_for()
    manifest = signer.locator("code.manifest").inner_text()
    assert len(manifest) == 64
    signer.screenshot(path=str(artifacts_dir / f"submission-2-receipt-{width}.png"), full_page=True)
    assert signer.evaluate("document.documentElement.scrollWidth") <= width

    # The editor's open page: the next autosave is refused in Thai, nothing changes.
    card.locator("textarea.answer-part").fill("แก้หลังส่ง")
    expect(card.locator(".answer-status")).to_contain_text("ส่งรายงานการประเมินแล้ว", timeout=10_000)
    card.screenshot(path=str(artifacts_dir / f"submission-3-refused-{width}.png"))

    # Reloaded, the workspace shows the work read-only: the saved answer as text, no upload
    # form or answer box, and the banner that says why.
    editor_page.goto(workspace)
    expect(editor_page.locator("#submitted-lock")).to_be_visible()
    expect(card.locator(".answer-text")).to_contain_text("บริการประชาชนด้วยข้อมูลที่ถูกต้อง")
    assert editor_page.locator("textarea.answer-part").count() == 0
    assert editor_page.locator("form.upload-form, form.link-form, form.cite-form").count() == 0
    editor_page.screenshot(path=str(artifacts_dir / f"submission-3b-read-only-{width}.png"))
    card.screenshot(path=str(artifacts_dir / f"submission-3c-read-only-answer-{width}.png"))
    editor_page.locator("article.item").first.screenshot(path=str(artifacts_dir / f"submission-3d-read-only-item-{width}.png"))
    assert editor_page.evaluate("document.documentElement.scrollWidth") <= width

    # The report as sent opens from the receipt, in the portal and as PDF: the answer and the
    # citation are in both, and the citation opens the evidence at the version that was sent.
    receipt_url = signer.url
    signer.get_by_role("link", name="อ่านรายงานที่ส่ง").click()
    report = signer.locator("article.report")
    expect(report).to_contain_text("บริการประชาชนด้วยข้อมูลที่ถูกต้อง")
    cite = report.locator(".cite a", has_text="หลักฐาน 1.1-B1")
    assert "version=1" in cite.get_attribute("href")
    signer.screenshot(path=str(artifacts_dir / f"submission-4-report-{width}.png"))
    assert signer.evaluate("document.documentElement.scrollWidth") <= width
    signer.goto(receipt_url)
    with signer.expect_download() as download:
        signer.get_by_role("link", name="รายงาน PDF").click()
    assert download.value.suggested_filename.endswith("-submission-1.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(open(download.value.path(), "rb").read())).pages)
    assert "บริการประชาชนด้วยข้อมูลที่ถูกต้อง" in text and "หลักฐาน 1.1-B1" in text and manifest in text.replace("\n", "")
    editor_context.close()
    signer_context.close()
