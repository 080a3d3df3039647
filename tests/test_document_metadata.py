"""A document's own title and date become the evidence's, where the uploader gave none:
files made by python-docx, openpyxl, reportlab and LibreOffice (Word document → PDF),
through the upload route and the worker's extraction, as an agency's file goes."""
import io
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from portal import tasks
from portal.evidence.metadata import clean_title, document_metadata, plausible_date
from portal.extensions import db
from portal.models import Evidence
from tests.producers import libreoffice
from tests.uploading import upload_and_process, uploading_editor

TITLE = "แผนปฏิบัติราชการ ประจำปีงบประมาณ พ.ศ. 2569"
MODIFIED = datetime(2026, 1, 15, 9, 30, tzinfo=timezone.utc)


def docx_with_properties(path, title=TITLE, modified=MODIFIED):
    from docx import Document

    document = Document()
    document.add_paragraph("การทบทวนแผนปฏิบัติราชการร่วมกับผู้มีส่วนได้ส่วนเสีย")
    document.core_properties.title = title
    document.core_properties.modified = modified
    document.save(path)
    return path


@pytest.mark.parametrize("raw,expected", [
    ("Microsoft Word - แผนยุทธศาสตร์ 2569.docx", "แผนยุทธศาสตร์ 2569"),
    ("untitled", None), ("Untitled Document", None), ("  ", None), ("2569", None), (None, None),
    ("scan", None), ("IMG_0042", None), ("Annual report 2026", "Annual report 2026"),
    ("รายงาน\x00ผล   การดำเนินงาน", "รายงานผล การดำเนินงาน"),
])
def test_program_placeholders_are_not_titles(raw, expected):
    assert clean_title(raw) == expected


def test_only_plausible_dates_count():
    today = date(2026, 12, 2)
    assert plausible_date(datetime(2026, 1, 15, 23, 0, tzinfo=timezone.utc), today) == date(2026, 1, 15)
    assert plausible_date(date(1980, 1, 1), today) is None  # a program's epoch, not the document's day
    assert plausible_date(date(2027, 1, 1), today) is None


def test_metadata_of_files_other_programs_made(tmp_path):
    from openpyxl import Workbook
    from reportlab.pdfgen import canvas

    made = document_metadata(docx_with_properties(tmp_path / "a.docx"), "docx")
    assert made.title == TITLE and made.document_date == date(2026, 1, 15)

    book = Workbook()
    book.properties.title = "ผลการดำเนินงานตามตัวชี้วัด"
    book.active["A1"] = "ตัวชี้วัด"
    book.save(tmp_path / "b.xlsx")
    sheet = document_metadata(tmp_path / "b.xlsx", "xlsx")
    assert sheet.title == "ผลการดำเนินงานตามตัวชี้วัด" and sheet.document_date == date.today()

    drawn = canvas.Canvas(str(tmp_path / "c.pdf"))  # reportlab names every PDF "untitled"
    drawn.drawString(72, 720, "report")
    drawn.save()
    assert document_metadata(tmp_path / "c.pdf", "pdf").title is None

    # A Word document exported to PDF by LibreOffice keeps its title in the PDF's info.
    exported = document_metadata(libreoffice(tmp_path / "a.docx", "pdf", tmp_path / "lo"), "pdf")
    assert exported.title == TITLE and exported.document_date == date.today()

    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    assert document_metadata(broken, "docx").title is None  # never fails the extraction


def test_the_uploaded_documents_title_and_date_are_taken_unless_the_uploader_gave_them(app, tmp_path):
    client = uploading_editor(app, "META-A", "meta-editor")
    evidence_id = upload_and_process(app, client, docx_with_properties(tmp_path / "f.docx"), "ไฟล์จากเครื่อง.docx")
    with app.app_context():
        evidence = db.session.get(Evidence, evidence_id)
        assert evidence.title == TITLE and evidence.document_date == date(2026, 1, 15)

    # Typed in the upload form: the person's title and date stay.
    path = docx_with_properties(tmp_path / "g.docx", title="ชื่อในคุณสมบัติไฟล์")
    response = client.post(client.upload_url, data={"files": [(io.BytesIO(path.read_bytes()), "g.docx")],
                                                   "title": "คำสั่งแต่งตั้งคณะทำงาน", "document_date": "1/10/2568"},
                           headers={"HX-Request": "true", "X-CSRFToken": client.token},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    with app.app_context():
        typed_id = db.session.scalar(select(Evidence.id).order_by(Evidence.id.desc()))
        db.session.commit()  # the task runs in a session of its own
        tasks.extract_evidence_task.call_local(typed_id)
        typed = db.session.get(Evidence, typed_id)
        assert typed.extraction_status == "done"
        assert typed.title == "คำสั่งแต่งตั้งคณะทำงาน" and typed.document_date == date(2025, 10, 1)

    # A bad date is refused in Thai, and nothing is stored.
    bad = client.post(client.upload_url, data={"files": [(io.BytesIO(b"x" * 20), "h.txt")], "document_date": "31/2/2569"},
                      headers={"HX-Request": "true", "X-CSRFToken": client.token}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "วันที่ของเอกสาร: ไม่มีวันที่นี้ในปฏิทิน" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Evidence.id))) == 2
