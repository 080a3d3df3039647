"""The evidence page previews its file: PDF pages drawn as images (every browser, phones
too), images inline, Office files as their text under page/sheet headings; the words a
search found are marked in the extracted text. Files made by reportlab and python-docx go
through the upload route and the worker, as an agency's file does."""
import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.models import Evidence
from tests.helpers import make_agency, make_user, signed_in
from tests.uploading import upload_and_process, uploading_editor


def two_page_pdf(path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    drawn = canvas.Canvas(str(path), pagesize=A4)
    for text in ("Strategic plan 2569", "Annual review of the strategic plan"):
        drawn.drawString(72, 720, text)
        drawn.showPage()
    drawn.save()
    return path


def test_a_pdf_is_previewed_as_page_images_and_the_search_words_are_marked(app, tmp_path):
    client = uploading_editor(app, "PREV-A", "prev-editor")
    evidence_id = upload_and_process(app, client, two_page_pdf(tmp_path / "plan.pdf"), "แผน.pdf")
    page = client.get(f"/evidence/{evidence_id}?q=review").get_data(as_text=True)
    assert "ตัวอย่างเอกสาร" in page and page.count('class="preview-page"') == 2
    assert f'src="/evidence/{evidence_id}/pages/2.png"' in page
    assert 'Annual <mark class="match">review</mark> of the strategic plan' in page

    image = client.get(f"/evidence/{evidence_id}/pages/1.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(image.data)) as drawn:
        assert max(drawn.size) == 1400  # bounded, whatever the page's size
    cached = list(Path(app.config["PREVIEW_CACHE_DIR"]).rglob("*.png"))
    assert len(cached) == 1  # drawn once, then served from the cache
    assert client.get(f"/evidence/{evidence_id}/pages/1.png").data == image.data

    missing = client.get(f"/evidence/{evidence_id}/pages/3.png")
    assert missing.status_code == 404 and "แสดงหน้า 3 ของไฟล์นี้ไม่ได้" in missing.get_data(as_text=True)
    assert client.get(f"/evidence/{evidence_id}/pages/0.png").status_code == 404

    # Another agency's user learns nothing of it.
    with app.app_context():
        make_user("prev-other", ("agency_editor", make_agency("PREV-B")))
        db.session.commit()
    other = signed_in(app, "prev-other")
    assert other.get(f"/evidence/{evidence_id}/pages/1.png").status_code == 404


def test_a_cache_that_cannot_be_written_only_costs_drawing_again(app, tmp_path, monkeypatch):
    client = uploading_editor(app, "PREV-C", "prev-cache")
    evidence_id = upload_and_process(app, client, two_page_pdf(tmp_path / "plan.pdf"), "แผน.pdf")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setitem(app.config, "PREVIEW_CACHE_DIR", str(blocked))
    assert client.get(f"/evidence/{evidence_id}/pages/2.png").status_code == 200


def test_an_office_file_is_previewed_as_its_text_under_its_headings(app, tmp_path):
    from docx import Document

    document = Document()
    document.add_paragraph("การทบทวนแผนยุทธศาสตร์ร่วมกับผู้มีส่วนได้ส่วนเสีย")
    document.save(tmp_path / "review.docx")
    client = uploading_editor(app, "PREV-D", "prev-docx")
    evidence_id = upload_and_process(app, client, tmp_path / "review.docx", "ทบทวน.docx")
    page = client.get(f"/evidence/{evidence_id}?q=ยุทธศาสตร์").get_data(as_text=True)
    assert "ตัวอย่างเอกสาร (ข้อความจากไฟล์)" in page and "<h3>ย่อหน้า 1–1</h3>" in page
    assert 'การทบทวนแผน<mark class="match">ยุทธศาสตร์</mark>ร่วมกับ' in page  # found inside a Thai run of words
    assert f"/evidence/{evidence_id}/pages/1.png" not in page
    with app.app_context():
        evidence = db.session.scalar(select(Evidence).where(Evidence.id == evidence_id))
        assert client.get(f"/evidence/{evidence.id}/pages/1.png").status_code == 404  # not a PDF
