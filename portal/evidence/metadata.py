"""A document's own title and date, read from its metadata (PDF info dictionary, Office
core properties, OpenDocument meta.xml) in the extraction process, under its limits. They
become the evidence's title and document date only where the person uploading gave none
(portal/evidence/pipeline.py); programs' placeholders ("Untitled", "Microsoft Word - x.docx")
and file names copied in by programs are not titles."""
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path, PurePath

MAX_TITLE = 300
MAX_XML_BYTES = 1_000_000  # a properties part is a few KB; a bigger one is not read
OOXML_CORE = "docProps/core.xml"
NAMESPACES = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}
PLACEHOLDER_TITLES = {"untitled", "untitled document", "document", "document1", "presentation", "slide 1",
                      "powerpoint presentation", "microsoft word document", "book1", "sheet1", "title",
                      "ไม่มีชื่อ", "เอกสาร1"}
PROGRAM_PREFIX = re.compile(r"^(microsoft (word|excel|powerpoint)|word|excel|powerpoint)\s*-\s*", re.I)
FILE_SUFFIX = re.compile(r"\.(docx?|xlsx?|pptx?|pdf|odt|ods|odp|rtf|txt)$", re.I)
EARLIEST = date(1990, 1, 1)


@dataclass(frozen=True)
class DocumentMetadata:
    title: str | None = None
    document_date: date | None = None


def title_from(name: str) -> str:
    """The title an upload gets from its file name until the document or a person names it."""
    return PurePath(name).stem[:MAX_TITLE] or name[:MAX_TITLE]


def clean_title(raw: str | None) -> str | None:
    """A title a person would recognise, or None for a program's placeholder."""
    if not raw:
        return None
    title = " ".join(str(raw).replace("\x00", "").split())
    title = FILE_SUFFIX.sub("", PROGRAM_PREFIX.sub("", title)).strip()
    if len(title) < 2 or title.casefold() in PLACEHOLDER_TITLES or not re.search(r"[^\W\d_]", title):
        return None
    # One Latin token ("scan", "IMG_0042", "report_v2") is a file's name that a program copied
    # in (Pillow titles every PDF after its file), not a title a person gave the document.
    if title.isascii() and not re.search(r"\s", title):
        return None
    return title[:MAX_TITLE]


def plausible_date(value: datetime | date | None, today: date | None = None) -> date | None:
    """A metadata date as a document date: not before 1990 nor after today."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = (value if value.tzinfo is None else value.astimezone(timezone.utc)).date()
    today = today or date.today()
    return value if EARLIEST <= value <= today else None


def _iso(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _xml_part(path: Path, name: str):
    from lxml import etree

    with zipfile.ZipFile(path) as archive:
        try:
            info = archive.getinfo(name)
        except KeyError:
            return None
        if info.file_size > MAX_XML_BYTES:
            return None
        content = archive.read(info)
    return etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))


def _first(root, *paths: str) -> str | None:
    for path in paths:
        found = root.findtext(path, namespaces=NAMESPACES)
        if found and found.strip():
            return found
    return None


PDF_DATE = re.compile(r"^D?:?(\d{4})(\d{2})?(\d{2})?")


def _pdf_date(raw) -> date | None:
    """'D:20261202185744Z' and its variants (LibreOffice writes "Z'", which pypdf refuses):
    the day is all a document date needs."""
    found = PDF_DATE.match(str(raw or "").strip())
    if not found:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2) or 1), int(found.group(3) or 1))
    except ValueError:
        return None


def _pdf(path: Path) -> DocumentMetadata:
    from pypdf import PdfReader

    info = PdfReader(str(path), strict=False).metadata
    if info is None:
        return DocumentMetadata()
    # The last change is the document as it is; the creation date of a reused template is not.
    moment = _pdf_date(info.get("/ModDate")) or _pdf_date(info.get("/CreationDate"))
    return DocumentMetadata(clean_title(info.title), plausible_date(moment))


def _ooxml(path: Path) -> DocumentMetadata:
    root = _xml_part(path, OOXML_CORE)
    if root is None:
        return DocumentMetadata()
    moment = _iso(_first(root, "dcterms:modified", "dcterms:created"))
    return DocumentMetadata(clean_title(_first(root, "dc:title")), plausible_date(moment))


def _odf(path: Path) -> DocumentMetadata:
    root = _xml_part(path, "meta.xml")
    if root is None:
        return DocumentMetadata()
    moment = _iso(_first(root, "office:meta/dc:date", "office:meta/meta:creation-date"))
    return DocumentMetadata(clean_title(_first(root, "office:meta/dc:title")), plausible_date(moment))


READERS = {"pdf": _pdf, "docx": _ooxml, "xlsx": _ooxml, "pptx": _ooxml, "odt": _odf, "ods": _odf}


def document_metadata(path: Path, kind: str) -> DocumentMetadata:
    """Never fails: metadata is a courtesy, and a file whose text was read must not fail
    because its properties are damaged."""
    reader = READERS.get(kind)
    if reader is None:
        return DocumentMetadata()
    try:
        return reader(Path(path))
    except (Exception, MemoryError):  # noqa: BLE001
        return DocumentMetadata()
