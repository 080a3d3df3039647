"""Decide what a file is from its bytes (libmagic + zip inspection), never from its name
or the browser's content type, and refuse what the portal does not keep."""
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

import magic

MAX_NAME_LENGTH = 255
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_TOTAL_BYTES = 500 * 1024 * 1024
MAX_ZIP_RATIO = 200
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


@dataclass(frozen=True)
class FileType:
    kind: str
    mime: str
    label: str


@dataclass
class FileTypeError(Exception):
    status: int  # 415 type not allowed / content ≠ extension, 422 empty or broken
    message: str

    def __str__(self) -> str:
        return self.message


KINDS = {
    "pdf": ("application/pdf", {".pdf"}, "PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {".docx"}, "เอกสาร Word"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}, "ตาราง Excel"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", {".pptx"}, "งานนำเสนอ PowerPoint"),
    "odt": ("application/vnd.oasis.opendocument.text", {".odt"}, "เอกสาร ODT"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", {".ods"}, "ตาราง ODS"),
    "png": ("image/png", {".png"}, "รูปภาพ PNG"),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}, "รูปภาพ JPEG"),
    "txt": ("text/plain", {".txt"}, "ข้อความ"),
    "csv": ("text/csv", {".csv"}, "ตาราง CSV"),
}
ALLOWED_TEXT = "PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), ODT, ODS, PNG, JPEG, TXT, CSV"


def safe_display_name(name: str) -> str:
    """The original name, kept for display and download only (never as a path)."""
    if "\x00" in name or any(unicodedata.category(ch) == "Cc" for ch in name):
        raise FileTypeError(422, "ชื่อไฟล์มีอักขระควบคุม กรุณาเปลี่ยนชื่อไฟล์")
    if BIDI_CONTROLS & set(name):
        raise FileTypeError(422, "ชื่อไฟล์มีอักขระกลับทิศทางข้อความ (อาจใช้ปลอมนามสกุล) กรุณาเปลี่ยนชื่อไฟล์")
    # NFC, not NFKC: NFKC turns ำ into ํา and breaks Thai words.
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1].strip()
    if not name or name in (".", ".."):
        raise FileTypeError(422, "ไม่มีชื่อไฟล์")
    if len(name) > MAX_NAME_LENGTH:
        raise FileTypeError(422, f"ชื่อไฟล์ยาวเกิน {MAX_NAME_LENGTH} ตัวอักษร กรุณาตั้งชื่อให้สั้นลง")
    return name


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise FileTypeError(422, "ไฟล์มีส่วนประกอบมากผิดปกติ (อาจเป็นไฟล์อันตราย)")
            total = sum(m.file_size for m in members)
            if total > MAX_ZIP_TOTAL_BYTES or any(
                    m.compress_size and m.file_size / m.compress_size > MAX_ZIP_RATIO for m in members):
                raise FileTypeError(422, "ไฟล์ขยายตัวเมื่อแตกไฟล์มากผิดปกติ (zip bomb) ระบบไม่รับไฟล์นี้")
            names = {m.filename for m in members}
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                for kind in ("odt", "ods"):
                    if declared == KINDS[kind][0]:
                        return kind
            if "[Content_Types].xml" in names:
                for kind, marker in (("docx", "word/document.xml"), ("xlsx", "xl/workbook.xml"),
                                     ("pptx", "ppt/presentation.xml")):
                    if marker in names:
                        return kind
    except zipfile.BadZipFile:
        raise FileTypeError(422, "ไฟล์เสียหายหรือไม่สมบูรณ์ (เปิดเป็นเอกสาร Office ไม่ได้)") from None
    raise FileTypeError(415, f"ระบบไม่รับไฟล์ ZIP ทั่วไป รับเฉพาะ {ALLOWED_TEXT}")


def _check_pdf(path: Path) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    with path.open("rb") as handle:
        handle.seek(max(path.stat().st_size - 2048, 0))
        if b"%%EOF" not in handle.read():
            raise FileTypeError(422, "ไฟล์ PDF ไม่สมบูรณ์ (ถูกตัดท้าย) กรุณาบันทึกไฟล์ใหม่แล้วอัปโหลดอีกครั้ง")
    try:
        if len(PdfReader(str(path), strict=False).pages) < 1:
            raise FileTypeError(422, "ไฟล์ PDF ไม่มีหน้าเอกสาร")
    except (PdfReadError, ValueError, KeyError, OSError):
        raise FileTypeError(422, "ไฟล์ PDF เสียหาย เปิดอ่านไม่ได้") from None


def _check_image(path: Path) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise FileTypeError(422, "ไฟล์รูปภาพเสียหายหรือไม่สมบูรณ์") from None


def _check_text(path: Path) -> None:
    data = path.read_bytes()[:1024 * 1024]
    if b"\x00" in data:
        raise FileTypeError(415, "ไฟล์นี้ไม่ใช่ไฟล์ข้อความ")
    for encoding in ("utf-8-sig", "cp874"):
        try:
            data.decode(encoding)
            return
        except UnicodeDecodeError:
            continue
    raise FileTypeError(422, "อ่านรหัสอักขระของไฟล์ข้อความไม่ได้ (รองรับ UTF-8 และ TIS-620)")


def detect(path: Path, original_name: str) -> FileType:
    path = Path(path)
    if path.stat().st_size == 0:
        raise FileTypeError(422, "ไฟล์ว่าง (ขนาด 0 ไบต์)")
    mime = magic.from_file(str(path), mime=True)
    if mime == "application/pdf":
        kind = "pdf"
    elif mime == "application/zip" or mime == "application/octet-stream" and zipfile.is_zipfile(path) or \
            mime.startswith(("application/vnd.openxmlformats", "application/vnd.oasis.opendocument")):
        kind = _zip_kind(path)
    elif mime == "image/png":
        kind = "png"
    elif mime == "image/jpeg":
        kind = "jpeg"
    elif mime in ("text/plain", "text/csv", "application/csv"):
        kind = "csv" if PurePath(original_name).suffix.lower() == ".csv" else "txt"
    else:
        raise FileTypeError(415, f"ระบบไม่รับไฟล์ชนิดนี้ ({mime}) รับเฉพาะ {ALLOWED_TEXT}")
    expected_mime, extensions, label = KINDS[kind]
    suffix = PurePath(original_name).suffix.lower()
    if suffix not in extensions:
        raise FileTypeError(415, f"เนื้อหาไฟล์เป็น {label} แต่นามสกุลเป็น “{suffix or 'ไม่มีนามสกุล'}” "
                                 "กรุณาตรวจสอบว่าเลือกไฟล์ถูกต้อง")
    if kind == "pdf":
        _check_pdf(path)
    elif kind in ("png", "jpeg"):
        _check_image(path)
    elif kind in ("txt", "csv"):
        _check_text(path)
    return FileType(kind=kind, mime=expected_mime, label=label)
