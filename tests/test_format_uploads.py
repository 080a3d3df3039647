"""Every accepted format, made by the programs agencies' files come from, uploaded through
the page (CSRF on), stored under its SHA-256 without an extension, extracted by the real
worker job and found by search: the stored text is the document's text."""
import pytest

from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.models import Evidence
from tests import producers
from tests import thai_documents as make
from tests.uploading import upload_and_process, uploading_editor

LINES = producers.real_lines(12, 6)
TRUTH = "\n".join(LINES)


@pytest.fixture
def editor(app):
    return uploading_editor(app, "FMT-A", "format-editor")


def upload(app, client, path, name) -> Evidence:
    """Through the upload route and the worker's jobs (tests/uploading.py)."""
    evidence_id = upload_and_process(app, client, path, name)
    with app.app_context():
        evidence = db.session.get(Evidence, evidence_id)
        blob = BlobStore(app.config["UPLOAD_DIR"]).path_for(evidence.current_version.sha256)
        assert blob.is_file() and blob.suffix == ""  # what the worker opened: no extension
        evidence.pages  # loaded before the session closes
        return evidence


def stored_text(evidence: Evidence) -> str:
    return "\n".join(page.text for page in evidence.pages)


def found(client, query: str, title: str) -> bool:
    page = client.get("/search/", query_string={"q": query})
    assert page.status_code == 200
    return title in page.get_data(as_text=True)


def assert_extracted_exactly(app, client, path, name, truth=TRUTH):
    evidence = upload(app, client, path, name)
    assert producers.comparable(stored_text(evidence)) == producers.comparable(truth)
    title = evidence.title
    for phrase in (LINES[0].split(" ")[0], LINES[3].split(" ")[-1]):
        assert found(client, phrase, title), phrase
    return evidence


def test_pdf_from_reportlab(app, editor, tmp_path):
    assert_extracted_exactly(app, editor, make.pdf(tmp_path / "a.pdf", [TRUTH]), "รายงาน.pdf")


@pytest.mark.browser
def test_pdf_printed_by_chromium(app, editor, tmp_path, browser):
    path = producers.chromium_pdf(browser, tmp_path / "a.pdf", LINES)
    assert_extracted_exactly(app, editor, path, "หน้าเว็บ.pdf")


def test_docx_from_python_docx(app, editor, tmp_path):
    evidence = assert_extracted_exactly(app, editor, make.docx(tmp_path / "a.docx", LINES), "บันทึก.docx")
    assert all(page.original_text is None for page in evidence.pages)  # never repaired


def test_xlsx_from_openpyxl(app, editor, tmp_path):
    rows = [[line, number] for number, line in enumerate(LINES, start=1)]
    path = make.xlsx(tmp_path / "a.xlsx", {"ผลการดำเนินงาน": rows})
    truth = "\n".join(f"{line} {number}" for line, number in ((r[0], r[1]) for r in rows))
    evidence = assert_extracted_exactly(app, editor, path, "ข้อมูล.xlsx", truth)
    assert evidence.pages[0].label == "ชีต ผลการดำเนินงาน"


def test_pptx_from_python_pptx(app, editor, tmp_path):
    path = make.pptx(tmp_path / "a.pptx", ["\n".join(LINES[:3]), "\n".join(LINES[3:])])
    assert_extracted_exactly(app, editor, path, "นำเสนอ.pptx")


def test_odt_and_ods_from_odfpy(app, editor, tmp_path):
    assert_extracted_exactly(app, editor, make.odt(tmp_path / "a.odt", LINES), "เอกสาร.odt")
    rows = [[line] for line in LINES]
    assert_extracted_exactly(app, editor, make.ods(tmp_path / "a.ods", "ผลงาน", rows), "ตาราง.ods")


def test_txt_and_csv(app, editor, tmp_path):
    text = tmp_path / "a.txt"
    text.write_text(TRUTH, encoding="utf-8")
    assert_extracted_exactly(app, editor, text, "บันทึก.txt")
    table = tmp_path / "a.csv"
    table.write_bytes(TRUTH.replace(" ", ",").encode("cp874", errors="strict"))
    evidence = upload(app, editor, table, "ตาราง.csv")
    assert stored_text(evidence) == TRUTH.replace(" ", ",")


@pytest.mark.parametrize("target,source", [("pdf", "odt"), ("docx", "odt"), ("xlsx", "ods"), ("pptx", "pptx")])
def test_files_made_by_libreoffice(app, editor, tmp_path, target, source):
    made = {"odt": lambda: make.odt(tmp_path / "s.odt", LINES),
            "ods": lambda: make.ods(tmp_path / "s.ods", "ผลงาน", [[line] for line in LINES]),
            "pptx": lambda: make.pptx(tmp_path / "s.pptx", ["\n".join(LINES[:3]), "\n".join(LINES[3:])])}[source]()
    path = producers.libreoffice(made, target, tmp_path / "out")
    assert_extracted_exactly(app, editor, path, f"จากออฟฟิศ.{target}")
