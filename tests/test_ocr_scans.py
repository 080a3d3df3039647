"""OCR through the upload path on a rendered scan of a Thai memo: Thai digits (which
Debian's Thai Tesseract model cannot write) come back, so the year and the percentage are
found by search; the person's name is kept; each page has its confidence, and a poor page
says so on the evidence page."""

import numpy as np
import pytest

from portal.evidence import ocr, thai_numbers
from portal.extensions import db
from portal.models import Evidence, EvidencePage
from tests import producers
from tests.uploading import upload_and_process, uploading_editor

MEMO = [
    "บันทึกข้อความ",
    "ส่วนราชการ กองยุทธศาสตร์และแผนงาน",
    "เรื่อง รายงานผลการสำรวจความพึงพอใจ ประจำปี ๒๕๗๐",
    "ผลการสำรวจในภาพรวมร้อยละ ๘๗.๔ สูงกว่าเป้าหมายร้อยละ ๘๐",
    "จึงเรียนมาเพื่อโปรดทราบ",
]


def memo_lines() -> list[str]:
    given = producers._corpus("person_names_female_th.txt")
    family = producers._corpus("family_names_th.txt")
    return MEMO + [f"ผู้รายงาน นางสาว{given[41]} {family[97]}"]


@pytest.fixture
def editor(app):
    return uploading_editor(app, "OCR-A", "ocr-editor")


def upload(app, client, path) -> int:
    return upload_and_process(app, client, path, f"บันทึก{path.suffix}")


def found(client, query: str) -> bool:
    return "บันทึก" in client.get("/search/", query_string={"q": query}).get_data(as_text=True)


@pytest.mark.parametrize("dpi,suffix", [(300, ".png"), (150, ".jpg"), (300, ".pdf")])
def test_a_scanned_memo_keeps_its_numbers_and_names(app, editor, tmp_path, dpi, suffix):
    lines = memo_lines()
    producers.scan(tmp_path / f"memo{suffix}", lines, dpi=dpi)
    evidence_id = upload(app, editor, tmp_path / f"memo{suffix}")
    with app.app_context():
        page = db.session.get(Evidence, evidence_id).pages[0]
        text = producers.comparable(page.text)
        assert page.ocr and page.ocr_confidence is not None and page.ocr_confidence > 80
    # At 150 dpi the hook that tells ๕ from ๔ is two pixels: the year may read ๒๔๗๐ there.
    for number in ("๒๕๗๐", "๘๗.๔", "๘๐") if dpi >= 300 else ("๘๗.๔", "๘๐"):
        assert number in text, (number, text)
    assert producers.comparable(lines[-1].split(" ", 1)[1]) in text  # the reporter's name
    assert "สำรวจความพึงพอใจ" in text and "\u0e4d" not in text  # ำ, not ํ + า
    for query in (("2570", "๒๕๗๐") if dpi >= 300 else ()) + ("87.4", "๘๗.๔", "สำรวจความพึงพอใจ"):  # Thai digits fold
        assert found(editor, query), query


def test_a_low_confidence_page_is_marked_on_the_evidence_page(app, editor, tmp_path):
    producers.scan(tmp_path / "memo.png", memo_lines(), dpi=300)
    evidence_id = upload(app, editor, tmp_path / "memo.png")
    html = editor.get(f"/evidence/{evidence_id}").get_data(as_text=True)
    assert "ความเชื่อมั่น 9" in html and "ความเชื่อมั่นของ OCR ต่ำ" not in html  # a clean scan: 90-odd %
    with app.app_context():  # what Tesseract gives a smeared fax (its words average 52 %)
        db.session.get(Evidence, evidence_id).pages[0].ocr_confidence = 52.0
        db.session.commit()
    html = editor.get(f"/evidence/{evidence_id}").get_data(as_text=True)
    assert "ความเชื่อมั่นของ OCR ต่ำ (52%)" in html and "โปรดตรวจกับไฟล์ต้นฉบับ" in html


def test_a_repaired_pdf_page_shows_the_files_own_text_beside_it(app, editor, tmp_path):
    from tests import thai_documents as make

    evidence_id = upload(app, editor, make.pdf(tmp_path / "a.pdf", ["ผูบ้รหิารก าหนดทศิทาง ขององค์การ"]))
    html = editor.get(f"/evidence/{evidence_id}").get_data(as_text=True)
    assert "ข้อความต้นฉบับจากไฟล์" in html and "ผูบ้รหิารก าหนดทศิทาง" in html and "ผู้บริหารกำหนดทิศทาง" in html
    with app.app_context():
        db.session.get(Evidence, evidence_id).pages[0].original_text = None
        db.session.commit()
    assert "ข้อความต้นฉบับจากไฟล์" not in editor.get(f"/evidence/{evidence_id}").get_data(as_text=True)


# --- the pieces, on their own -------------------------------------------------------------

@pytest.mark.parametrize("font", ["Laksaman", "Norasi", "Loma"])
def test_thai_digits_are_read_from_their_glyphs(font):
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    face = ImageFont.truetype(producers.font_file(font), 67)
    for number in ("๒๕๗๐", "๘๗.๔", "๒,๔๖๐", "๓๕๙๘"):
        canvas = Image.new("L", (420, 120), 245)
        ImageDraw.Draw(canvas).text((10, 10), number, fill=25, font=face)
        ink = np.asarray(canvas.filter(ImageFilter.GaussianBlur(0.7))) < 140
        assert thai_numbers.read_number(ink) == number, font


def test_words_that_are_not_numbers_are_left_to_tesseract():
    assert thai_numbers.looks_like_thai_number("๒๕อ๐") and thai_numbers.looks_like_thai_number("ส๕๓.๕")
    assert not thai_numbers.looks_like_thai_number("ร้อยละ") and not thai_numbers.looks_like_thai_number("2570")
    blank = np.zeros((60, 200), dtype=bool)
    blank[20:40, 20:180] = True  # a bar: no glyph of it is a digit
    assert thai_numbers.read_number(blank) is None


def test_confidence_is_the_length_weighted_mean_of_word_confidences():
    tsv = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
           "4\t1\t1\t1\t1\t0\t0\t0\t100\t30\t-1\t\n"
           "5\t1\t1\t1\t1\t1\t0\t0\t40\t30\t90\tกขค\n"
           "5\t1\t1\t1\t1\t2\t50\t0\t10\t30\t30\tก\n")
    words = [w for line in ocr._lines(tsv) for w in line.words]
    assert [(w.text, w.confidence) for w in words] == [("กขค", 90.0), ("ก", 30.0)]
    assert ocr.mean_confidence(words) == 75.0 and ocr.mean_confidence([]) is None
    assert ocr._otsu(np.array([[20] * 10 + [240] * 30], dtype=np.uint8)) in range(21, 241)
    assert EvidencePage(ocr=True, ocr_confidence=60.0).ocr_unreliable
    assert not EvidencePage(ocr=True, ocr_confidence=90.0).ocr_unreliable
