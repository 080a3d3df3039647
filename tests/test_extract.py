"""Every accepted type, made as a real Thai document, comes back as the right Thai text;
every refused type or broken file gets its status and Thai reason."""
import io
import time
import zipfile

import pytest

from portal.evidence import filetypes
from portal.evidence.extract import ExtractionError, extract, extract_with_limits
from tests import thai_documents as make

S1, S2, S3 = make.SENTENCES


def check(path, name, kind):
    assert filetypes.detect(path, name).kind == kind
    return extract(path, kind)


def test_pdf_text_per_page(tmp_path):
    pages = check(make.pdf(tmp_path / "a.pdf", [S1, S2 + "\n" + S3]), "แผน.pdf", "pdf")
    assert [p.label for p in pages] == ["หน้า 1", "หน้า 2"]
    assert S1 in pages[0].text and S2 in pages[1].text and "KPI" in pages[1].text
    assert not pages[0].ocr


def test_docx_paragraphs_and_tables(tmp_path):
    path = make.docx(tmp_path / "a.docx", [S1, S2], table=[["ตัวชี้วัด", "ผล"], ["KPI", "ร้อยละ 95"]])
    pages = check(path, "รายงาน.docx", "docx")
    text = "\n".join(p.text for p in pages)
    assert S1 in text and S2 in text and "KPI | ร้อยละ 95" in text


def test_xlsx_per_sheet(tmp_path):
    path = make.xlsx(tmp_path / "a.xlsx", {"งบประมาณ": [["รายการ", "จำนวน"], ["ผู้บริหาร", 3]], "สรุป": [[S3]]})
    pages = check(path, "ข้อมูล.xlsx", "xlsx")
    assert [p.label for p in pages] == ["ชีต งบประมาณ", "ชีต สรุป"]
    assert "ผู้บริหาร\t3" in pages[0].text and S3 in pages[1].text


def test_pptx_per_slide(tmp_path):
    pages = check(make.pptx(tmp_path / "a.pptx", [S1 + "\n" + S2, S3]), "นำเสนอ.pptx", "pptx")
    assert [p.label for p in pages] == ["สไลด์ 1", "สไลด์ 2"] and S2 in pages[0].text and S3 in pages[1].text


def test_odt_and_ods(tmp_path):
    assert S2 in check(make.odt(tmp_path / "a.odt", [S1, S2]), "เอกสาร.odt", "odt")[0].text
    sheet = check(make.ods(tmp_path / "a.ods", "ผลงาน", [["ตัวชี้วัด", "KPI"]]), "ตาราง.ods", "ods")[0]
    assert sheet.label == "ชีต ผลงาน" and "ตัวชี้วัด\tKPI" in sheet.text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874"])
def test_text_and_csv_in_thai_encodings(tmp_path, encoding):
    path = tmp_path / "a.txt"
    path.write_bytes(f"{S1}\n{S2}\n".encode(encoding))
    assert S2 in check(path, "บันทึก.txt", "txt")[0].text
    csv = tmp_path / "a.csv"
    csv.write_bytes("ตัวชี้วัด,ค่า\nKPI,95\n".encode(encoding))
    assert "KPI,95" in check(csv, "ตาราง.csv", "csv")[0].text


def test_ocr_of_a_scanned_image(tmp_path):
    pages = check(make.image(tmp_path / "scan.png", S2 + "\n" + "ตัวชี้วัด KPI ร้อยละ 95"), "สแกน.png", "png")
    assert pages[0].ocr
    text = pages[0].text.replace(" ", "")
    # OCR tolerates some noise: the key words must be there.
    assert "บริหาร" in text and "ยุทธศาสตร์" in text and "KPI" in text and "95" in text


def test_ocr_of_a_pdf_page_without_text_layer(tmp_path):
    path = make.scanned_pdf(tmp_path / "scan.pdf", "ยุทธศาสตร์ขององค์การ", tmp_path)
    pages = check(path, "สแกน.pdf", "pdf")
    assert pages[0].ocr and "ยุทธศาสตร์" in pages[0].text.replace(" ", "")


def test_damaged_thai_from_a_pdf_is_repaired(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("ผูบ้รหิารก าหนดทศิทาง", encoding="utf-8")
    assert extract(path, "txt")[0].text == "ผู้บริหารกำหนดทิศทาง"


def bomb(path, members=1, size=50 * 1024 * 1024):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for i in range(members):
            archive.writestr(f"word/document{i or ''}.xml", b"\x00" * size if i == 0 else b"x")
    return path


@pytest.mark.parametrize("name,content,status,words", [
    ("empty.pdf", b"", 422, "ไฟล์ว่าง"),
    ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 415, "ไม่รับไฟล์ชนิดนี้"),
    ("x.html", b"<!DOCTYPE html><html><body>x</body></html>", 415, "ไม่รับไฟล์ชนิดนี้"),
    ("x.exe", b"MZ\x90\x00\x03" + b"\x00" * 300, 415, "ไม่รับไฟล์ชนิดนี้"),
    ("x.elf", b"\x7fELF\x02\x01\x01" + b"\x00" * 300, 415, "ไม่รับไฟล์ชนิดนี้"),
    ("x.zip", None, 422, "เสียหาย"),
])
def test_refused_files(tmp_path, name, content, status, words):
    path = tmp_path / "upload"
    path.write_bytes(content if content is not None else b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(filetypes.FileTypeError) as caught:
        filetypes.detect(path, name)
    assert caught.value.status == status and words in caught.value.message


def test_pdf_named_docx_is_415(tmp_path):
    path = make.pdf(tmp_path / "a.pdf", [S1])
    with pytest.raises(filetypes.FileTypeError) as caught:
        filetypes.detect(path, "แผน.docx")
    assert caught.value.status == 415 and "นามสกุลเป็น “.docx”" in caught.value.message


def test_truncated_pdf_is_422(tmp_path):
    whole = make.pdf(tmp_path / "a.pdf", [S1, S2]).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(filetypes.FileTypeError) as caught:
        filetypes.detect(cut, "cut.pdf")
    assert caught.value.status == 422


def test_zip_bombs_are_refused_before_reading(tmp_path):
    for path in (bomb(tmp_path / "ratio.docx"), bomb(tmp_path / "many.docx", members=10_050, size=10)):
        with pytest.raises(filetypes.FileTypeError) as caught:
            filetypes.detect(path, path.name)
        assert caught.value.status == 422


@pytest.mark.parametrize("raw,expected", [
    ("แผนยุทธศาสตร์ประจำปี.pdf", "แผนยุทธศาสตร์ประจำปี.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\เอกสาร\\แผน.pdf", "แผน.pdf"),
    ("  รายงาน.docx  ", "รายงาน.docx"),
])
def test_display_names_keep_thai(raw, expected):
    assert filetypes.safe_display_name(raw) == expected
    assert "ำ" in filetypes.safe_display_name("กำหนด.pdf")


@pytest.mark.parametrize("raw", ["a\x00b.pdf", "a\r\nb.pdf", "ชื่อ\u202egnp.exe", "x" * 300 + ".pdf", "", "../"])
def test_bad_display_names(raw):
    with pytest.raises(filetypes.FileTypeError) as caught:
        filetypes.safe_display_name(raw)
    assert caught.value.status == 422


def test_limits_stop_a_slow_extraction_quickly(tmp_path):
    path = make.image(tmp_path / "big.png", "\n".join([S1] * 12))
    started = time.monotonic()
    with pytest.raises(ExtractionError) as caught:
        extract_with_limits(path, "png", timeout_s=1)
    assert "เกิน 1 วินาที" in str(caught.value) and time.monotonic() - started < 10


def test_limits_report_progress_in_order(tmp_path):
    seen = []
    pages = extract_with_limits(make.pdf(tmp_path / "a.pdf", [S1, S2, S3]), "pdf",
                                progress=lambda done, total: seen.append((done, total)))
    assert len(pages) == 3 and seen == [(1, 3), (2, 3), (3, 3)]


def test_a_broken_file_fails_with_a_reason_not_a_crash(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04not really")
    with pytest.raises(ExtractionError) as caught:
        extract_with_limits(path, "xlsx", timeout_s=30)
    assert "เสียหาย" in str(caught.value)
