"""Readers for Office, OpenDocument and text files: each returns (label, text) pages —
paragraph chunks, sheets (split when long) or slides — within per-file caps, so a search
hit can be located and a crafted file cannot make the worker read without end."""
import datetime
import zipfile
from pathlib import Path
from typing import Iterable

MAX_CELLS = 500_000  # non-empty spreadsheet cells per file
MAX_ROWS_SCANNED = 1_000_000  # spreadsheet rows read per file, empty or not
ROWS_PER_PAGE = 2000  # a longer sheet is split into parts
PARAGRAPHS_PER_CHUNK = 40
TEXT_CHUNK_CHARS = 3000
DOCX_NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
           "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"}
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"  # ODF namespaces, lxml style
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
SKIPPED = (TEXT + "note", OFFICE + "annotation", TEXT + "tracked-changes")  # notes, comments, deleted text


class ExtractionError(Exception):
    """Extraction failed; the message (Thai) is shown to the agency with a retry button."""


def _chunks(parts: list[str], size: int, unit: str) -> list[tuple[str, str]]:
    """Consecutive paragraphs as one "page" ("ย่อหน้า 41–80"), so a search hit can be located."""
    return [(f"{unit} {start + 1}–{start + len(parts[start:start + size])}", "\n".join(parts[start:start + size]))
            for start in range(0, len(parts), size)] or [(f"{unit} 1", "")]


def _docx_blocks(container) -> Iterable[str]:
    """Paragraphs (with their text boxes) and table rows, in document order."""
    from docx.table import Table
    from lxml import etree

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if cell._tc in seen:  # a merged cell is returned once per grid column
                        continue
                    seen.add(cell._tc)
                    cells.append(" ".join(_docx_blocks(cell)).strip())
                if any(cells):
                    yield " | ".join(cells)
        else:
            boxes = etree._Element.xpath(block._p, ".//w:txbxContent[not(ancestor::mc:Fallback)]/w:p",
                                         namespaces=DOCX_NS)
            text = "\n".join([block.text] + ["".join(etree._Element.xpath(p, ".//w:t/text()", namespaces=DOCX_NS))
                                             for p in boxes])
            if text.strip():
                yield text


def _docx(path: Path) -> list[tuple[str, str]]:
    import docx

    with path.open("rb") as handle:  # readers get open files: stored names have no extension
        document = docx.Document(handle)
    return _chunks(list(_docx_blocks(document)), PARAGRAPHS_PER_CHUNK, "ย่อหน้า")


class _Sheets:
    """Rows of several sheets with the per-file caps; a long sheet becomes several pages."""

    def __init__(self):
        self.pages: list[tuple[str, str]] = []
        self.cells = self.rows = 0

    def add(self, title: str, rows: Iterable[list[str]]) -> bool:
        lines, parts = [], []
        for values in rows:
            self.rows += 1
            values = [v for v in values if v.strip()]
            self.cells += len(values)
            if values:
                lines.append("\t".join(values))
            if len(lines) == ROWS_PER_PAGE:
                parts.append(lines)
                lines = []
            if self.cells > MAX_CELLS or self.rows > MAX_ROWS_SCANNED:
                break
        parts = [p for p in parts + [lines] if p] or [[]]
        for number, lines in enumerate(parts, start=1):
            label = f"ชีต {title}" if len(parts) == 1 else f"ชีต {title} ส่วนที่ {number}"
            self.pages.append((label, "\n".join(lines)))
        return self.cells <= MAX_CELLS and self.rows <= MAX_ROWS_SCANNED


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    return "" if value is None else str(value)


def _xlsx(path: Path) -> list[tuple[str, str]]:
    import openpyxl

    sheets = _Sheets()
    # An open file, not the path: openpyxl refuses a name without .xlsx, and stored files
    # are named by their SHA-256 only.
    with path.open("rb") as handle:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        try:
            for sheet in workbook.worksheets:
                sheet.reset_dimensions()  # a bogus <dimension ref="A1:XFD1048576"> would pad every row
                if not sheets.add(sheet.title, ([_cell(v) for v in row] for row in sheet.iter_rows(values_only=True))):
                    break
        finally:
            workbook.close()
    return sheets.pages


def _pptx_lines(shapes) -> Iterable[str]:
    from pptx.shapes.group import GroupShape

    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _pptx_lines(shape.shapes)
        elif shape.has_text_frame:
            yield shape.text_frame.text
        elif getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                yield " | ".join(cell.text for cell in row.cells)


def _pptx(path: Path) -> list[tuple[str, str]]:
    from pptx import Presentation

    out = []
    with path.open("rb") as handle:
        deck = Presentation(handle)
    for number, slide in enumerate(deck.slides, start=1):
        lines = list(_pptx_lines(slide.shapes))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            lines.append(slide.notes_slide.notes_text_frame.text)
        out.append((f"สไลด์ {number}", "\n".join(line for line in lines if line.strip())))
    return out


def _odf_inline(element) -> str:
    """A paragraph's text with <text:s/>, tabs and line breaks; notes and comments left out."""
    out = [element.text or ""]
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):  # an XML comment or processing instruction
            pass
        elif tag == TEXT + "s":
            out.append(" " * min(int(child.get(TEXT + "c", "1") or 1), 100))
        elif tag == TEXT + "tab":
            out.append("\t")
        elif tag == TEXT + "line-break":
            out.append("\n")
        elif tag in (TEXT + "p", TEXT + "h"):  # a text box's paragraph inside this one
            out.append("\n" + _odf_inline(child) + "\n")
        elif tag not in SKIPPED:
            out.append(_odf_inline(child))
        out.append(child.tail or "")
    return "".join(out)


def _odt_blocks(element) -> Iterable[str]:
    for child in element:
        if child.tag in (TEXT + "p", TEXT + "h"):
            text = _odf_inline(child)
            if text.strip():
                yield text
        elif child.tag == TABLE + "table":
            for row in child.iter(TABLE + "table-row"):
                if next(row.iterancestors(TABLE + "table")) is not child:
                    continue  # a nested table's row: read with its cell
                cells = [" ".join(_odt_blocks(cell)).strip() for cell in row if cell.tag == TABLE + "table-cell"]
                if any(cells):
                    yield " | ".join(cells)
        elif child.tag not in SKIPPED:
            yield from _odt_blocks(child)


def _ods_rows(table) -> Iterable[list[str]]:
    for row in table.iter(TABLE + "table-row"):
        values = []
        for cell in row:
            if cell.tag not in (TABLE + "table-cell", TABLE + "covered-table-cell"):
                continue
            text = "\n".join(_odf_inline(p) for p in cell.findall(TEXT + "p")) or cell.get(OFFICE + "value", "")
            if text.strip():
                values += [text] * min(int(cell.get(TABLE + "number-columns-repeated", "1") or 1), 100)
        for _ in range(min(int(row.get(TABLE + "number-rows-repeated", "1") or 1), 100) if values else 1):
            yield values


def _odf(path: Path, kind: str) -> list[tuple[str, str]]:
    from lxml import etree

    with zipfile.ZipFile(path) as archive:
        content = archive.read("content.xml")
    root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    body = root.find(OFFICE + "body")
    if body is None:
        raise ExtractionError("ไฟล์ OpenDocument เสียหาย (ไม่มีเนื้อหา)")
    if kind == "ods":
        sheets = _Sheets()
        for table in body.iter(TABLE + "table"):
            if not sheets.add(table.get(TABLE + "name", ""), _ods_rows(table)):
                break
        return sheets.pages
    return _chunks(list(_odt_blocks(body)), PARAGRAPHS_PER_CHUNK, "ย่อหน้า")


def _text(path: Path) -> list[tuple[str, str]]:
    """TXT/CSV in UTF-8, UTF-16 or Thai cp874, as pages of about 3,000 characters cut at
    line ends and labelled by line numbers."""
    from portal.evidence.filetypes import text_encoding

    try:
        text = path.read_text(encoding=text_encoding(path))
    except ValueError:
        raise ExtractionError("อ่านรหัสอักขระของไฟล์ข้อความไม่ได้ (รองรับ UTF-8 และ TIS-620)") from None
    out, current, size, first, last = [], [], 0, 1, 1
    for number, line in enumerate(text.splitlines(), start=1):
        while True:  # a very long line is cut, at a space where there is one
            cut = len(line) if len(line) <= TEXT_CHUNK_CHARS else (
                line.rfind(" ", 0, TEXT_CHUNK_CHARS) + 1 or TEXT_CHUNK_CHARS)
            if current and size + cut > TEXT_CHUNK_CHARS:
                out.append((f"บรรทัด {first}–{last}", "\n".join(current)))
                current, size, first = [], 0, number
            current.append(line[:cut])
            size, last, line = size + cut + 1, number, line[cut:]
            if not line:
                break
    out.append((f"บรรทัด {first}–{last}", "\n".join(current)))
    return out


READERS = {"docx": _docx, "xlsx": _xlsx, "pptx": _pptx, "txt": _text, "csv": _text,
           "odt": lambda path: _odf(path, "odt"), "ods": lambda path: _odf(path, "ods")}
