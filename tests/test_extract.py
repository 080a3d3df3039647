"""Every accepted type, made as a real Thai document, comes back as the right Thai text;
every refused type or broken file gets its status and Thai reason; a hostile file is
stopped by the child process's limits."""
import os
import pickle
import time
import zipfile
from pathlib import Path

import pytest

from portal.evidence import extract as extraction
from portal.evidence import readers
from portal.evidence import filetypes
from portal.evidence.extract import ExtractedPage, ExtractionError, extract
from portal.evidence.pool import extract_with_limits
from tests import thai_documents as make

S1, S2, S3 = make.SENTENCES


def check(path, name, kind):
    found = filetypes.detect(path, name)
    assert found.kind == kind and found.extension == Path(name).suffix.lower()
    return extract(path, kind)


def squeezed(pages) -> str:
    """OCR text without spaces: Tesseract puts spaces where Thai has none."""
    return "".join(p.text for p in pages).replace(" ", "").replace("\n", "")


# --- text per type -------------------------------------------------------------------

def test_pdf_text_per_page(tmp_path):
    pages = check(make.pdf(tmp_path / "a.pdf", [S1, S2 + "\n" + S3]), "แผน.pdf", "pdf")
    assert [p.label for p in pages] == ["หน้า 1", "หน้า 2"]
    assert pages[0].text == S1 and pages[1].text == S2 + "\n" + S3
    assert not any(p.ocr for p in pages)


def test_pdf_text_follows_actual_text_as_office_writes_thai(tmp_path):
    # LibreOffice and Word draw some Thai marks with variant glyphs and put the real
    # character in /ActualText; pypdf ignores it and returned "รูอยละ" here.
    path = make.pdf_with_actual_text(tmp_path / "a.pdf", "ร", "ู", "้", "อยละ 95 ของแผนยุทธศาสตร์ประจำปี")
    assert check(path, "รายงาน.pdf", "pdf")[0].text == "ร้อยละ 95 ของแผนยุทธศาสตร์ประจำปี"


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    import docx

    path = make.docx(tmp_path / "a.docx", [S1, S2], table=[["ตัวชี้วัด", "ผล"], ["KPI", "ร้อยละ 95"]])
    document = docx.Document(str(path))
    merged = document.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "ผู้บริหาร"
    merged.cell(0, 2).add_table(rows=1, cols=1).cell(0, 0).text = "ตารางซ้อน"
    document.add_paragraph(S3)
    document.save(str(path))
    text = "\n".join(p.text for p in check(path, "รายงาน.docx", "docx"))
    assert text.splitlines() == [S1, S2, "ตัวชี้วัด | ผล", "KPI | ร้อยละ 95", "ผู้บริหาร | ตารางซ้อน", S3]


def test_docx_text_boxes_are_read_once(tmp_path):
    import docx
    from docx.oxml import parse_xml

    path = make.docx(tmp_path / "a.docx", [S1])
    document = docx.Document(str(path))
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    box = lambda: f'<w:txbxContent {w}><w:p><w:r><w:t>ผังยุทธศาสตร์ในกล่องข้อความ</w:t></w:r></w:p></w:txbxContent>'
    run = parse_xml(f'<w:r {w} {mc}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>{box()}</w:drawing>'
                    f'</mc:Choice><mc:Fallback><w:pict>{box()}</w:pict></mc:Fallback></mc:AlternateContent></w:r>')
    document.add_paragraph("ก่อนกล่อง")._p.append(run)
    document.save(str(path))
    text = check(path, "ผัง.docx", "docx")[0].text
    assert text.count("ผังยุทธศาสตร์ในกล่องข้อความ") == 1 and "ก่อนกล่อง" in text


def test_docx_long_documents_are_split_into_located_chunks(tmp_path):
    paragraphs = [f"ย่อหน้าที่ {i} ยุทธศาสตร์" for i in range(1, 101)]
    pages = check(make.docx(tmp_path / "a.docx", paragraphs), "ยาว.docx", "docx")
    assert [p.label for p in pages] == ["ย่อหน้า 1–40", "ย่อหน้า 41–80", "ย่อหน้า 81–100"]
    assert pages[2].text.splitlines()[0] == "ย่อหน้าที่ 81 ยุทธศาสตร์"


def test_xlsx_per_sheet_with_numbers_and_dates(tmp_path):
    import datetime

    path = make.xlsx(tmp_path / "a.xlsx", {
        "งบประมาณ": [["รายการ", "จำนวน", "วันที่"], ["ผู้บริหาร", 3, datetime.datetime(2025, 10, 1)], ["KPI", 95.5]],
        "สรุป": [[S3]],
    })
    pages = check(path, "ข้อมูล.xlsx", "xlsx")
    assert [p.label for p in pages] == ["ชีต งบประมาณ", "ชีต สรุป"]
    assert pages[0].text == "รายการ\tจำนวน\tวันที่\nผู้บริหาร\t3\t2025-10-01\nKPI\t95.5"
    assert pages[1].text == S3


def test_xlsx_with_a_bogus_dimension_and_long_sheets(tmp_path, monkeypatch):
    import openpyxl

    path = make.xlsx(tmp_path / "a.xlsx", {"ข้อมูล": [[f"แถว {i}", i] for i in range(1, 6)]})
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b'<dimension ref="A1:B5"/>', b'<dimension ref="A1:XFD1048576"/>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert openpyxl.load_workbook(path, read_only=True).active.max_column == 16384
    monkeypatch.setattr(readers, "ROWS_PER_PAGE", 2)
    pages = extract(path, "xlsx")
    assert [p.label for p in pages] == ["ชีต ข้อมูล ส่วนที่ 1", "ชีต ข้อมูล ส่วนที่ 2", "ชีต ข้อมูล ส่วนที่ 3"]
    assert pages[2].text == "แถว 5\t5"


def test_pptx_per_slide_with_table_group_and_notes(tmp_path):
    from pptx import Presentation
    from pptx.util import Inches

    path = make.pptx(tmp_path / "a.pptx", [S1 + "\n" + S2, S3], notes=["บันทึกผู้บรรยาย ยุทธศาสตร์"])
    deck = Presentation(str(path))
    slide = deck.slides[1]
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(4), Inches(4), Inches(1)).table
    for r, row in enumerate([["ตัวชี้วัด", "ผล"], ["KPI", "ร้อยละ 95"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    group = slide.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(6), Inches(3), Inches(1)).text_frame.text = "กล่องในกลุ่ม"
    deck.save(str(path))
    pages = check(path, "นำเสนอ.pptx", "pptx")
    assert [p.label for p in pages] == ["สไลด์ 1", "สไลด์ 2"]
    assert pages[0].text.splitlines() == [S1, S2, "บันทึกผู้บรรยาย ยุทธศาสตร์"]
    assert "KPI | ร้อยละ 95" in pages[1].text and "กล่องในกลุ่ม" in pages[1].text and S3 in pages[1].text


def test_odt_paragraphs_spaces_and_tables(tmp_path):
    path = make.odt(tmp_path / "a.odt", [S1, "ผู้บริหาร    กำหนด\tทิศทาง", S3],
                    table=[["ตัวชี้วัด", "ผล"], ["KPI", "ร้อยละ 95"]])
    pages = check(path, "เอกสาร.odt", "odt")
    # <text:s/> and <text:tab/> keep words apart; runs of spaces collapse to one.
    assert pages[0].text.splitlines() == [S1, "ผู้บริหาร กำหนด\tทิศทาง", S3, "ตัวชี้วัด | ผล", "KPI | ร้อยละ 95"]


def test_ods_per_sheet(tmp_path):
    path = make.ods(tmp_path / "a.ods", "ผลงาน", [["ตัวชี้วัด", "KPI"], ["ผู้บริหาร", 3], ["ร้อยละ", 95.5]],
                    sheets={"สรุป": [[S2]]})
    pages = check(path, "ตาราง.ods", "ods")
    assert [p.label for p in pages] == ["ชีต ผลงาน", "ชีต สรุป"]
    assert pages[0].text == "ตัวชี้วัด\tKPI\nผู้บริหาร\t3\nร้อยละ\t95.5" and pages[1].text == S2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874", "tis-620", "utf-16"])
def test_text_and_csv_in_thai_encodings(tmp_path, encoding):
    path = tmp_path / "a.txt"
    path.write_bytes(f"{S1}\r\n{S2}\r\n".encode(encoding))
    pages = check(path, "บันทึก.txt", "txt")
    assert pages[0].text == f"{S1}\n{S2}" and pages[0].label == "บรรทัด 1–2"
    csv = tmp_path / "a.csv"
    csv.write_bytes("ตัวชี้วัด,ค่า\nKPI,95\nผู้บริหาร,3\n".encode(encoding))
    assert check(csv, "ตาราง.csv", "csv")[0].text == "ตัวชี้วัด,ค่า\nKPI,95\nผู้บริหาร,3"


def test_long_text_is_cut_at_line_ends(tmp_path):
    path = tmp_path / "a.txt"
    lines = [f"บรรทัดที่ {i} {S2}" for i in range(1, 301)]
    path.write_text("\n".join(lines) + "\n" + "ก" * 7000, encoding="utf-8")
    pages = extract(path, "txt")
    assert all(len(p.text) <= readers.TEXT_CHUNK_CHARS for p in pages)
    assert "\n".join(p.text for p in pages) == "\n".join(lines + ["ก" * 3000, "ก" * 3000, "ก" * 1000])
    assert pages[0].label.startswith("บรรทัด 1–") and pages[-1].label == "บรรทัด 301–301"


def test_text_files_keep_the_authors_characters_and_are_only_tidied(tmp_path):
    # What looks like PDF damage in a text file is what its author typed: only NFC,
    # invisible characters and whitespace change.
    path = tmp_path / "a.txt"
    path.write_text("ผูบ้รหิารก าหนดทศิทาง\u200b  ของ\u00a0องค์การ\x0c\n\n\n\nKPI", encoding="utf-8")
    page = extract(path, "txt")[0]
    assert page.text == "ผูบ้รหิารก าหนดทศิทาง ของ องค์การ\n\nKPI" and page.original is None


def test_a_damaged_pdf_text_layer_is_repaired_and_its_original_kept(tmp_path):
    path = make.pdf(tmp_path / "a.pdf", ["ผูบ้รหิารก าหนดทศิทาง ขององค์การ"])
    page = check(path, "แผน.pdf", "pdf")[0]
    assert page.text == "ผู้บริหารกำหนดทิศทาง ขององค์การ"
    assert page.original == "ผูบ้รหิารก าหนดทศิทาง ขององค์การ"
    assert check(make.pdf(tmp_path / "b.pdf", [S2]), "แผน.pdf", "pdf")[0].original is None


def test_only_pdf_text_layers_are_repaired():
    assert extraction.needs_repair("pdf", False) and not extraction.needs_repair("pdf", True)
    assert not any(extraction.needs_repair(kind, ocr) for kind in ("png", "jpeg", "docx", "xlsx", "pptx", "odt", "ods", "txt", "csv") for ocr in (False, True))


# --- OCR -------------------------------------------------------------------------------

def test_ocr_of_a_scanned_image(tmp_path):
    pages = check(make.image(tmp_path / "scan.png", S2 + "\n" + S3, rotate=1.0), "สแกน.png", "png")
    assert pages[0].ocr and pages[0].label == "ภาพ"
    text = squeezed(pages)
    # OCR tolerates some noise: the key words must be there.
    for word in ("บริหาร", "ยุทธศาสตร์", "องค์การ", "KPI", "95"):
        assert word in text


def test_ocr_of_a_sideways_phone_photo_and_a_transparent_screenshot(tmp_path):
    photo = make.sideways_photo(tmp_path / "photo.jpg", S2 + "\nการบริหารจัดการภาครัฐ")
    assert "ยุทธศาสตร์" in squeezed(check(photo, "ภาพถ่าย.JPG", "jpeg"))
    screenshot = make.image(tmp_path / "shot.png", S2 + "\nKPI 95", transparent=True)
    assert "ยุทธศาสตร์" in squeezed(check(screenshot, "หน้าจอ.png", "png"))


def test_ocr_of_pdf_pages_without_text_layer(tmp_path):
    path = make.scanned_pdf(tmp_path / "scan.pdf", ["ยุทธศาสตร์ขององค์การ", "ผู้บริหาร KPI 95"], tmp_path)
    pages = check(path, "สแกน.pdf", "pdf")
    assert [p.ocr for p in pages] == [True, True]
    assert "ยุทธศาสตร์" in squeezed(pages[:1]) and "KPI" in squeezed(pages[1:])


# --- refused files ---------------------------------------------------------------------

def refused(path, name, **caps) -> filetypes.FileTypeError:
    with pytest.raises(filetypes.FileTypeError) as caught:
        filetypes.detect(path, name, **caps)
    assert caught.value.message_th == caught.value.message == str(caught.value)
    return caught.value


@pytest.mark.parametrize("name,content,status,words", [
    ("empty.pdf", b"", 422, "ไฟล์ว่าง"),
    ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 415, "SVG หรือ HTML"),
    ("x.html", b"<!DOCTYPE html><html><body>x</body></html>", 415, "SVG หรือ HTML"),
    ("x.exe", b"MZ\x90\x00\x03" + b"\x00" * 300, 415, "ไฟล์โปรแกรม"),
    ("x.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 300, 415, "ไม่รับไฟล์ชนิดนี้"),
    ("x.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000, 415, "Office รุ่นเก่า"),
    ("x.json", '{"ตัวชี้วัด": 1}'.encode(), 415, "ไม่รับไฟล์ชนิดนี้"),
    ("x.docx", b"PK\x03\x04" + b"\x00" * 100, 422, "เสียหาย"),
    ("x.txt", "caf\xe9 \xff".encode("latin-1"), 422, "รหัสอักขระ"),
])
def test_refused_files(tmp_path, name, content, status, words):
    path = tmp_path / "upload"
    path.write_bytes(content)
    error = refused(path, name)
    assert error.status == status and words in error.message_th


def test_pdf_named_docx_is_415_content_not_extension(tmp_path):
    error = refused(make.pdf(tmp_path / "a.pdf", [S1]), "แผน.docx")
    assert error.status == 415 and "ไม่ตรงกับนามสกุล" in error.message_th and "“.docx”" in error.message_th


def test_truncated_pdf_and_images_are_422(tmp_path):
    whole = make.pdf(tmp_path / "a.pdf", [S1, S2]).read_bytes()
    picture = make.image(tmp_path / "a.png", S1).read_bytes()
    from PIL import Image

    Image.open(tmp_path / "a.png").convert("RGB").save(tmp_path / "a.jpg", quality=80)
    for name, data in (("cut.pdf", whole[: len(whole) // 2]), ("cut.png", picture[: len(picture) // 2]),
                       ("cut.jpg", (tmp_path / "a.jpg").read_bytes()[: (tmp_path / "a.jpg").stat().st_size // 2])):
        (tmp_path / name).write_bytes(data)
        error = refused(tmp_path / name, name)
        assert error.status == 422 and ("ไม่สมบูรณ์" in error.message_th or "เสียหาย" in error.message_th)


def test_password_protected_pdf_is_422_but_owner_only_protection_is_fine(tmp_path):
    from pypdf import PdfReader, PdfWriter

    for user, accepted in (("ลับ", False), ("", True)):
        writer = PdfWriter(clone_from=PdfReader(make.pdf(tmp_path / "a.pdf", [S1])))
        writer.encrypt(user_password=user, owner_password="owner", algorithm="AES-256")
        path = tmp_path / f"locked-{accepted}.pdf"
        writer.write(path)
        if accepted:
            assert check(path, "แผน.pdf", "pdf")[0].text == S1
        else:
            assert "รหัสผ่าน" in refused(path, "แผน.pdf").message_th


def test_office_zip_with_broken_central_directory_is_422(tmp_path):
    data = make.docx(tmp_path / "a.docx", [S1]).read_bytes()
    end = data.rfind(b"PK\x05\x06")
    broken = bytearray(data)
    broken[end + 16:end + 20] = b"\xff\xff\xff\x7f"  # central directory offset past the end
    for name, content in (("cd.docx", bytes(broken)), ("cut.docx", data[: len(data) // 2])):
        (tmp_path / name).write_bytes(content)
        error = refused(tmp_path / name, name)
        assert error.status == 422 and "เสียหาย" in error.message_th


def office_zip(path: Path, members: int = 1, zeros: int = 0) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<Types><Override ContentType="application/vnd.openxmlformats-'
                                                 'officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("word/document.xml", b"\x00" * zeros or b"<w:document/>")
        for i in range(members - 1):
            archive.writestr(f"word/media/part{i}.xml", b"x")
    return path


def test_zip_bombs_are_refused_from_the_directory_before_reading(tmp_path, monkeypatch):
    ratio = office_zip(tmp_path / "ratio.docx", zeros=50 * 1024 * 1024)  # 50 MB of zeros: ~1000×
    many = office_zip(tmp_path / "many.docx", members=10_050)
    total = office_zip(tmp_path / "total.docx", zeros=2 * 1024 * 1024)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a member was inflated"))
    error = refused(ratio, "ratio.docx")
    assert error.status == 422 and "zip bomb" in error.message_th
    error = refused(many, "many.docx")
    assert error.status == 422 and "10,000" in error.message_th
    error = refused(total, "total.docx", max_total_bytes=1024 * 1024, max_ratio=10_000)
    assert error.status == 422 and "zip bomb" in error.message_th


def test_caps_are_parameters_and_real_documents_pass_them(tmp_path):
    path = office_zip(tmp_path / "ok.docx", members=20, zeros=100_000)  # tiny parts compress 1000×
    assert filetypes.detect(path, "ok.docx").kind == "docx"
    assert refused(path, "ok.docx", max_members=10).status == 422
    assert refused(path, "ok.docx", max_total_bytes=50_000).status == 422


def test_macro_documents_and_plain_zips_are_415(tmp_path):
    path = make.docx(tmp_path / "a.docx", [S1])
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    assert "มาโคร" in refused(path, "a.docx").message_th
    plain = tmp_path / "a.zip"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("แผน.txt", S1)
    assert refused(plain, "แผน.docx").status == 415


def test_every_accepted_type_has_mime_extension_and_thai_label(tmp_path):
    found = filetypes.detect(make.xlsx(tmp_path / "a.xlsx", {"ก": [[1]]}), "ข้อมูล.XLSX")
    assert found == filetypes.FileType("xlsx", filetypes.KINDS["xlsx"][0], ".xlsx", "ตาราง Excel")
    error = pickle.loads(pickle.dumps(filetypes.FileTypeError(415, "ไม่รับ")))
    assert (error.status, error.message_th) == (415, "ไม่รับ")


# --- display names ---------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("แผนยุทธศาสตร์ประจำปี.pdf", "แผนยุทธศาสตร์ประจำปี.pdf"),
    ("กำหนดการ น้ำท่วม.docx", "กำหนดการ น้ำท่วม.docx"),
    ("ก\u0e4d\u0e32หนด.pdf", "ก\u0e4d\u0e32หนด.pdf"),  # NFC leaves Thai alone (NFKC would change ำ)
    ("../../etc/passwd", "passwd"),
    ("C:\\x\\แผน.pdf", "แผน.pdf"),
    ("C:\\เอกสาร\\ปี 2569/รายงาน.xlsx", "รายงาน.xlsx"),
    ("  รายงาน.docx  ", "รายงาน.docx"),
    ("e\u0301.pdf", "\u00e9.pdf"),
    ("ก" * 251 + ".pdf", "ก" * 251 + ".pdf"),
])
def test_display_names_keep_thai(raw, expected):
    assert filetypes.safe_display_name(raw) == expected
    assert filetypes.safe_display_name("กำหนด.pdf") == "กำหนด.pdf" and "\u0e33" in filetypes.safe_display_name("ทำ.pdf")


@pytest.mark.parametrize("raw,words", [
    ("a\x00b.pdf", "อักขระควบคุม"), ("a\r\nb.pdf", "อักขระควบคุม"), ("a\tb.pdf", "อักขระควบคุม"),
    ("ชื่อ\u202egnp.exe", "กลับทิศทาง"), ("รายงาน\u2066.pdf", "กลับทิศทาง"),
    ("x" * 300 + ".pdf", "255"), ("ก" * 252 + ".pdf", "255"), ("", "ไม่มีชื่อไฟล์"), ("../", "ไม่มีชื่อไฟล์"),
    ("C:\\เอกสาร\\", "ไม่มีชื่อไฟล์"), ("   ", "ไม่มีชื่อไฟล์"),
])
def test_bad_display_names(raw, words):
    with pytest.raises(filetypes.FileTypeError) as caught:
        filetypes.safe_display_name(raw)
    assert caught.value.status == 422 and words in caught.value.message_th


# --- limits ----------------------------------------------------------------------------
# Extractors for the extraction process: module-level so the spawned process can import them.

def sleepy_extractor(path, kind, progress):
    progress(1, 2)
    time.sleep(60)


def hungry_extractor(path, kind, progress):
    hoard = bytearray(4 * 1024 ** 3)
    return hoard


def crashing_extractor(path, kind, progress):
    os.abort()


def forking_extractor(path, kind, progress):
    import subprocess

    helper = subprocess.Popen(["sleep", "120"])
    Path(path).write_text(str(helper.pid))
    time.sleep(60)


def warm_worker(tmp_path) -> None:
    """A ready pool worker, so the clock below measures the job, not a worker starting."""
    (tmp_path / "warm.txt").write_text(S1, encoding="utf-8")
    assert extract_with_limits(tmp_path / "warm.txt", "txt", timeout_s=120).pages[0].text == S1


def test_limits_stop_a_slow_extraction_quickly(tmp_path):
    path = make.image(tmp_path / "big.png", "\n".join([S1] * 60))  # OCR takes many seconds, even in a warm worker
    warm_worker(tmp_path)
    started = time.monotonic()
    with pytest.raises(ExtractionError) as caught:
        extract_with_limits(path, "png", timeout_s=1)
    assert "เกิน 1 วินาที" in str(caught.value) and time.monotonic() - started < 10


def test_timeout_reports_progress_first_and_kills_helper_programs(tmp_path):
    seen = []
    warm_worker(tmp_path)
    started = time.monotonic()
    with pytest.raises(ExtractionError, match="เกิน 4 วินาที"):
        extract_with_limits(tmp_path / "pid", "pdf", progress=lambda *a: seen.append(a), timeout_s=4,
                            extractor=forking_extractor)
    assert time.monotonic() - started < 10
    pid = int((tmp_path / "pid").read_text())
    for _ in range(50):  # the helper dies with the child's process group
        stat = Path(f"/proc/{pid}/stat")
        if not stat.exists() or stat.read_text().split(") ")[1][0] in "ZX":
            break
        time.sleep(0.1)
    else:
        pytest.fail("sleep helper outlived the extraction process")
    seen.clear()
    with pytest.raises(ExtractionError):
        extract_with_limits(tmp_path / "x", "pdf", progress=lambda *a: seen.append(a), timeout_s=4,
                            extractor=sleepy_extractor)
    assert seen == [(1, 2)]


def test_memory_limit_and_crash_become_thai_reasons(tmp_path):
    with pytest.raises(ExtractionError, match="หน่วยความจำเกิน 300 MB"):
        extract_with_limits(tmp_path / "x", "pdf", memory_mb=300, timeout_s=30, extractor=hungry_extractor)
    with pytest.raises(ExtractionError, match="หยุดทำงานกะทันหัน"):
        extract_with_limits(tmp_path / "x", "pdf", timeout_s=30, extractor=crashing_extractor)


def test_limits_report_progress_in_order(tmp_path):
    seen = []
    pages = extract_with_limits(make.pdf(tmp_path / "a.pdf", [S1, S2, S3]), "pdf",
                                progress=lambda done, total: seen.append((done, total))).pages
    assert [p.text for p in pages] == [S1, S2, S3] and isinstance(pages[0], ExtractedPage)
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_a_broken_file_fails_with_a_reason_not_a_crash(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04not really")
    with pytest.raises(ExtractionError) as caught:
        extract_with_limits(path, "xlsx", timeout_s=30)
    assert "เสียหาย" in str(caught.value)


def test_page_and_character_caps(tmp_path, monkeypatch):
    monkeypatch.setattr(extraction, "MAX_PAGES", 2)
    seen = []
    pages = extract(make.pdf(tmp_path / "a.pdf", [S1, S2, S3]), "pdf", progress=lambda *a: seen.append(a))
    assert len(pages) == 2 and seen == [(1, 2), (2, 2)]
    monkeypatch.setattr(extraction, "MAX_CHARS", 50)
    pages = extract(make.docx(tmp_path / "a.docx", [S1] * 200), "docx")
    assert sum(len(p.text) for p in pages) == 50


def test_missing_ocr_program_is_reported_as_such(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ExtractionError, match="ยังไม่ได้ติดตั้งโปรแกรม tesseract"):
        extract(make.image(tmp_path / "a.png", S1), "png")
