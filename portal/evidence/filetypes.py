"""Decide what a file is from its bytes (libmagic + zip inspection), never from its name
or the browser's content type, and refuse what the portal does not keep."""
import codecs
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePath

import magic

MAX_NAME_LENGTH = 255  # characters; the common file-system limit (300+ is refused)
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_TOTAL_BYTES = 500 * 1024 * 1024
MAX_ZIP_RATIO = 200
RATIO_CHECK_FROM_BYTES = 1024 * 1024  # tiny members compress far beyond 200× legitimately
MAX_IMAGE_PIXELS = 150_000_000
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
TEXT_MIMES = {"text/plain", "text/csv", "application/csv"}
OLD_OFFICE_MIMES = {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
                    "application/x-ole-storage", "application/cdfv2", "application/encrypted"}
OOXML_MAIN = {  # main part content type in [Content_Types].xml → kind
    "wordprocessingml.document.main+xml": "docx",
    "spreadsheetml.sheet.main+xml": "xlsx",
    "presentationml.presentation.main+xml": "pptx",
}


@dataclass(frozen=True)
class FileType:
    """What the bytes are: kind ('pdf', 'docx', …), canonical MIME type, the name's
    extension (lower case, checked against the content) and a Thai label."""

    kind: str
    mime: str
    extension: str
    label: str


class FileTypeError(Exception):
    """A refused file: status 415 (type not allowed, content ≠ extension) or 422 (empty,
    malformed, bomb, bad name), with the Thai message shown to the user."""

    def __init__(self, status: int, message_th: str):
        super().__init__(status, message_th)
        self.status, self.message_th = status, message_th

    @property
    def message(self) -> str:
        return self.message_th

    def __str__(self) -> str:
        return self.message_th


KINDS = {
    "pdf": ("application/pdf", (".pdf",), "PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), "เอกสาร Word"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "ตาราง Excel"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",),
             "งานนำเสนอ PowerPoint"),
    "odt": ("application/vnd.oasis.opendocument.text", (".odt",), "เอกสาร ODT"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (".ods",), "ตาราง ODS"),
    "png": ("image/png", (".png",), "รูปภาพ PNG"),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg"), "รูปภาพ JPEG"),
    "txt": ("text/plain", (".txt",), "ข้อความ"),
    "csv": ("text/csv", (".csv",), "ตาราง CSV"),
}
ALLOWED_TEXT = "PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), ODT, ODS, PNG, JPEG, TXT, CSV"
MALFORMED_ZIP = "ไฟล์เสียหายหรือไม่สมบูรณ์ (เปิดเป็นเอกสาร Office ไม่ได้) กรุณาบันทึกไฟล์ใหม่แล้วอัปโหลดอีกครั้ง"


def _not_allowed(what: str, hint: str = "") -> FileTypeError:
    return FileTypeError(415, f"ระบบไม่รับไฟล์ชนิดนี้ ({what}) " + (hint or f"รับเฉพาะ {ALLOWED_TEXT}"))


def safe_display_name(name: str) -> str:
    """The original name, kept for display and download only (never as a path)."""
    if any(unicodedata.category(ch) == "Cc" for ch in name):  # NUL, CR, LF, TAB, ESC, DEL…
        raise FileTypeError(422, "ชื่อไฟล์มีอักขระควบคุม (เช่น ขึ้นบรรทัดใหม่) กรุณาเปลี่ยนชื่อไฟล์")
    if BIDI_CONTROLS & set(name):
        raise FileTypeError(422, "ชื่อไฟล์มีอักขระกลับทิศทางข้อความ (อาจใช้ปลอมนามสกุล) กรุณาเปลี่ยนชื่อไฟล์")
    # NFC, not NFKC: NFKC turns ำ into ํา and breaks Thai words.
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1].strip()
    if not name or name in (".", ".."):
        raise FileTypeError(422, "ไม่มีชื่อไฟล์ กรุณาตั้งชื่อไฟล์ก่อนอัปโหลด")
    if len(name) > MAX_NAME_LENGTH:
        raise FileTypeError(422, f"ชื่อไฟล์ยาวเกิน {MAX_NAME_LENGTH} ตัวอักษร กรุณาตั้งชื่อให้สั้นลง")
    return name


def text_encoding(path: Path) -> str:
    """The codec of a text file: UTF-16 by BOM, else UTF-8 (BOM optional) when every byte
    decodes, else Thai Windows (cp874, a superset of TIS-620). Raises ValueError."""
    with Path(path).open("rb") as handle:
        head = handle.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        for encoding in ("utf-8-sig", "cp874"):
            handle.seek(0)
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                while block := handle.read(1024 * 1024):
                    if b"\x00" in block:
                        raise ValueError("NUL byte: not a text file")
                    decoder.decode(block)  # a character split across blocks is carried over
                decoder.decode(b"", final=True)
                return encoding
            except UnicodeDecodeError:
                continue
    raise ValueError("neither UTF-8 nor cp874")


def _zip_kind(path: Path, max_members: int, max_total_bytes: int, max_ratio: float) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()  # the central directory only: nothing is inflated yet
            if len(members) > max_members:
                raise FileTypeError(422, f"ไฟล์มีส่วนประกอบมากผิดปกติ (เกิน {max_members:,} ส่วน) "
                                         "อาจเป็นไฟล์อันตราย ระบบไม่รับไฟล์นี้")
            if sum(m.file_size for m in members) > max_total_bytes or any(
                    m.file_size > RATIO_CHECK_FROM_BYTES and m.file_size > max_ratio * max(m.compress_size, 1)
                    for m in members):
                raise FileTypeError(422, "ไฟล์ขยายตัวเมื่อแตกไฟล์มากผิดปกติ (zip bomb) ระบบไม่รับไฟล์นี้")
            names = {m.filename for m in members}
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 200:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                for kind in ("odt", "ods"):
                    if declared == KINDS[kind][0]:
                        if "content.xml" not in names:
                            raise FileTypeError(422, MALFORMED_ZIP)
                        return kind
            if "[Content_Types].xml" in names and archive.getinfo("[Content_Types].xml").file_size <= 1024 * 1024:
                if any(name.lower().endswith("vbaproject.bin") for name in names):
                    raise _not_allowed("เอกสารที่มีมาโคร VBA", "กรุณาบันทึกเป็นเอกสารแบบไม่มีมาโครแล้วอัปโหลดใหม่")
                types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
                for marker, kind in OOXML_MAIN.items():
                    if marker in types:
                        return kind
    except FileTypeError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError,
            NotImplementedError, KeyError, zlib.error):  # broken directory or member, encrypted, unknown method
        raise FileTypeError(422, MALFORMED_ZIP) from None
    raise _not_allowed("ZIP หรือเอกสารชนิดอื่นที่บรรจุใน ZIP")


def _check_pdf(path: Path) -> None:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    with path.open("rb") as handle:
        handle.seek(max(path.stat().st_size - 8192, 0))
        if b"%%EOF" not in handle.read():
            raise FileTypeError(422, "ไฟล์ PDF ไม่สมบูรณ์ (ถูกตัดท้าย) กรุณาบันทึกไฟล์ใหม่แล้วอัปโหลดอีกครั้ง")
    try:
        if len(PdfReader(str(path), strict=False).pages) < 1:
            raise FileTypeError(422, "ไฟล์ PDF ไม่มีหน้าเอกสาร")
    except FileNotDecryptedError:
        raise FileTypeError(422, "ไฟล์ PDF ตั้งรหัสผ่านเปิดเอกสาร กรุณาอัปโหลดฉบับที่ไม่ตั้งรหัสผ่าน") from None
    except FileTypeError:
        raise
    except Exception:  # pypdf raises many kinds on a broken file; none may become a 500
        raise FileTypeError(422, "ไฟล์ PDF เสียหาย เปิดอ่านไม่ได้") from None


def _check_image(path: Path, max_pixels: int) -> None:
    from PIL import Image

    broken = FileTypeError(422, "ไฟล์รูปภาพเสียหายหรือไม่สมบูรณ์")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.width * image.height > max_pixels:
                    raise FileTypeError(422, f"รูปภาพใหญ่ผิดปกติ ({image.width:,}×{image.height:,} จุด) "
                                             "ระบบไม่รับไฟล์นี้")
                if image.format == "JPEG":  # decoded at 1/8 scale: cheap, and a cut file still fails
                    image.draft("L", (max(image.width // 8, 1), max(image.height // 8, 1)))
                    image.load()
                else:
                    image.verify()  # PNG: every chunk's CRC, without decoding the pixels
    except FileTypeError:
        raise
    except Image.DecompressionBombError:
        raise FileTypeError(422, "รูปภาพใหญ่ผิดปกติ ระบบไม่รับไฟล์นี้") from None
    except Exception:
        raise broken from None


def _check_text(path: Path) -> None:
    try:
        text_encoding(path)
    except ValueError:
        raise FileTypeError(422, "อ่านรหัสอักขระของไฟล์ข้อความไม่ได้ "
                                 "(รองรับ UTF-8 และภาษาไทย TIS-620/Windows-874)") from None


def _kind_by_content(path: Path, mime: str, suffix: str, zip_caps: tuple) -> str:
    if mime == "application/pdf":
        return "pdf"
    if mime in ("image/png", "image/jpeg"):
        return mime.split("/")[1]
    if mime in TEXT_MIMES:
        return "csv" if suffix == ".csv" else "txt"
    if mime.lower() in OLD_OFFICE_MIMES:
        raise _not_allowed("เอกสาร Office รุ่นเก่า .doc .xls .ppt หรือเอกสารที่ตั้งรหัสผ่าน",
                           "กรุณาบันทึกเป็น .docx .xlsx .pptx หรือ PDF แล้วอัปโหลดใหม่")
    if mime in ("image/svg+xml", "text/html", "application/xhtml+xml"):
        raise _not_allowed("SVG หรือ HTML ซึ่งอาจมีสคริปต์")
    if mime.startswith(("application/x-dosexec", "application/x-executable", "application/x-sharedlib",
                        "application/x-pie-executable", "application/x-mach-binary", "application/x-msi")):
        raise _not_allowed("ไฟล์โปรแกรม")
    if mime == "application/zip" or mime.startswith(
            ("application/vnd.openxmlformats", "application/vnd.oasis.opendocument")) or (
            mime == "application/octet-stream" and zipfile.is_zipfile(path)):
        return _zip_kind(path, *zip_caps)
    raise _not_allowed(mime)


def detect(path: Path, original_name: str, *, max_members: int = MAX_ZIP_MEMBERS,
           max_total_bytes: int = MAX_ZIP_TOTAL_BYTES, max_ratio: float = MAX_ZIP_RATIO,
           max_image_pixels: int = MAX_IMAGE_PIXELS) -> FileType:
    """The file's type by content; FileTypeError when refused. Zip caps are checked on the
    central directory before any member is inflated."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise FileTypeError(422, "ไฟล์ว่าง (ขนาด 0 ไบต์) กรุณาตรวจสอบไฟล์แล้วอัปโหลดใหม่")
    suffix = PurePath(original_name.replace("\\", "/")).suffix.lower()
    mime = magic.from_file(str(path), mime=True)
    kind = _kind_by_content(path, mime, suffix, (max_members, max_total_bytes, max_ratio))
    expected_mime, extensions, label = KINDS[kind]
    if suffix not in extensions:
        raise FileTypeError(415, f"เนื้อหาไฟล์ไม่ตรงกับนามสกุล: เนื้อหาเป็น {label} แต่นามสกุลเป็น "
                                 f"“{suffix or 'ไม่มีนามสกุล'}” กรุณาตรวจสอบว่าเลือกไฟล์ถูกต้อง")
    if kind == "pdf":
        _check_pdf(path)
    elif kind in ("png", "jpeg"):
        _check_image(path, max_image_pixels)
    elif kind in ("txt", "csv"):
        _check_text(path)
    return FileType(kind=kind, mime=expected_mime, extension=suffix, label=label)
