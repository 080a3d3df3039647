"""Text extraction per page / sheet / slide, with OCR for scans, run in a child process
with time and memory limits so a hostile file cannot hang or exhaust the worker.

Extractors were chosen by measured Thai accuracy and licence. PDF text comes from
poppler's `pdftotext -raw` (run as a program): it honours /ActualText, which LibreOffice
and Word use for Thai clusters, where pypdf (BSD, kept for page count and as fallback)
returns wrong marks ("ร้อยละ" → "รูอยละ", "ประจำ" → "ประจำา"); pdfminer.six moves marks
and PyMuPDF is AGPL. Tesseract (Thai + English) reads images and PDF pages without a text
layer. Every page then goes through repair_thai, NFC and whitespace clean-up.
"""
import datetime
import multiprocessing
import os
import re
import resource
import signal
import subprocess
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

MAX_PAGES = 2000
MAX_CHARS = 5_000_000  # per file; text past either cap is not indexed
MAX_CELLS = 500_000  # non-empty spreadsheet cells per file
MAX_ROWS_SCANNED = 1_000_000  # spreadsheet rows read per file, empty or not
ROWS_PER_PAGE = 2000  # a longer sheet is split into parts
PARAGRAPHS_PER_CHUNK = 40
TEXT_CHUNK_CHARS = 3000
OCR_MIN_CHARS = 20  # a PDF page with less text than this is treated as a scan
OCR_DPI = 200
OCR_MAX_PIXELS = 40_000_000  # larger images and pages are scaled down before OCR
PDF_BATCH = 20  # pages per pdftotext call, so progress moves on long PDFs
ONE_THREAD = {"OMP_THREAD_LIMIT": "1"}  # Tesseract with OpenMP threads: 7.6 s for an A4 page, not 1.1 s, on 2 cores

Progress = Callable[[int, int], None]
DOCX_NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
           "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"}
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"  # ODF namespaces, lxml style
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
SKIPPED = (TEXT + "note", OFFICE + "annotation", TEXT + "tracked-changes")  # notes, comments, deleted text


@dataclass
class ExtractedPage:
    number: int  # 1-based
    label: str  # Thai: "หน้า 3", "ชีต งบประมาณ", "สไลด์ 2", "ย่อหน้า 1–40"
    text: str
    ocr: bool = False


class ExtractionError(Exception):
    """Extraction failed; the message (Thai) is shown to the agency with a retry button."""


INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff]")
SPACES = re.compile("[ \u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalise(text: str) -> str:
    """Repair Thai extraction damage, NFC, and collapse spaces (tabs stay: they separate
    spreadsheet cells; single blank lines stay: they separate paragraphs)."""
    from portal.thai.repair import repair_thai

    text = INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n"))
    text = unicodedata.normalize("NFC", repair_thai(unicodedata.normalize("NFC", text)))
    text = re.sub(r" *\n *", "\n", SPACES.sub(" ", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def run_tool(command: list[str], timeout: int = 300) -> bytes:
    """Run poppler or Tesseract; a missing program is the administrator's problem, not the file's."""
    try:
        result = subprocess.run(command, capture_output=True, timeout=timeout, env={**os.environ, **ONE_THREAD},
                                stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise ExtractionError(f"ระบบยังไม่ได้ติดตั้งโปรแกรม {command[0]} กรุณาแจ้งผู้ดูแลระบบ") from None
    except subprocess.TimeoutExpired:
        raise ExtractionError(f"โปรแกรม {command[0]} ใช้เวลานานเกิน {timeout} วินาที") from None
    if result.returncode != 0:
        raise ExtractionError(f"โปรแกรม {command[0]} อ่านไฟล์ไม่สำเร็จ: "
                              + result.stderr.decode("utf-8", "replace").strip()[-200:])
    return result.stdout


def ocr_image(path: Path, prepared: bool = False) -> str:
    """Tesseract on one image. Photos are first turned upright (EXIF), put on white
    (transparent screenshots read as black), made grey and scaled to at most 40 MP."""
    with tempfile.TemporaryDirectory() as folder:
        if not prepared:
            from PIL import Image, ImageOps

            with Image.open(path) as original:
                if original.width * original.height > OCR_MAX_PIXELS:
                    original.draft("RGB", (original.width // 2, original.height // 2))
                image = ImageOps.exif_transpose(original)
                if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                    rgba = image.convert("RGBA")
                    image = Image.new("RGBA", rgba.size, "white")
                    image.alpha_composite(rgba)
                image = image.convert("L")
                if image.width * image.height > OCR_MAX_PIXELS:
                    scale = (OCR_MAX_PIXELS / (image.width * image.height)) ** 0.5
                    image = image.resize((int(image.width * scale), int(image.height * scale)), Image.LANCZOS)
                path = Path(folder) / "ocr.png"
                image.save(path)
        output = run_tool(["tesseract", str(path), "stdout", "-l", "tha+eng", "--psm", "3"])
    return output.decode("utf-8", "replace")


def _ocr_pdf_page(path: Path, number: int, width_pt: float, height_pt: float) -> str:
    dpi = OCR_DPI
    pixels = (width_pt / 72 * dpi) * (height_pt / 72 * dpi)
    if pixels > OCR_MAX_PIXELS:  # a poster-sized page would need gigabytes at 200 dpi
        dpi = max(int(dpi * (OCR_MAX_PIXELS / pixels) ** 0.5), 10)
    with tempfile.TemporaryDirectory() as folder:
        run_tool(["pdftoppm", "-r", str(dpi), "-gray", "-f", str(number), "-l", str(number),
                  str(path), f"{folder}/page"], timeout=120)
        images = sorted(Path(folder).glob("page*"))
        return ocr_image(images[0], prepared=True) if images else ""


def _pdftotext(path: Path, first: int, last: int) -> list[str] | None:
    """Pages first..last in content-stream order (-raw: layout mode moves Thai marks to
    other lines); None when poppler cannot read them, so pypdf is tried instead."""
    try:
        output = run_tool(["pdftotext", "-raw", "-enc", "UTF-8", "-f", str(first), "-l", str(last),
                           str(path), "-"], timeout=120)
    except ExtractionError:
        return None
    pages = output.decode("utf-8", "replace").split("\f")
    return pages[: last - first + 1] if len(pages) >= last - first + 1 else None


def _pdf(path: Path) -> tuple[int, Iterable[tuple[str, str, bool]]]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    reader = PdfReader(str(path), strict=False)
    try:
        total = min(len(reader.pages), MAX_PAGES)
    except FileNotDecryptedError:
        raise ExtractionError("ไฟล์ PDF ตั้งรหัสผ่าน ระบบดึงข้อความไม่ได้") from None

    def pages():
        for first in range(1, total + 1, PDF_BATCH):
            last = min(first + PDF_BATCH - 1, total)
            texts = _pdftotext(path, first, last)
            for number in range(first, last + 1):
                page = reader.pages[number - 1]
                if texts is not None:
                    text = texts[number - first]
                else:
                    try:
                        text = page.extract_text() or ""
                    except Exception:  # one broken content stream: read the page by OCR
                        text = ""
                ocr = False
                if len(text.strip()) < OCR_MIN_CHARS:
                    box = page.mediabox
                    scanned = _ocr_pdf_page(path, number, float(box.width), float(box.height))
                    if len(scanned.strip()) > 2 * len(text.strip()):  # a few words of text layer stay
                        text, ocr = scanned, True
                yield f"หน้า {number}", text, ocr
    return total, pages()


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

    return _chunks(list(_docx_blocks(docx.Document(str(path)))), PARAGRAPHS_PER_CHUNK, "ย่อหน้า")


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

    workbook = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    sheets = _Sheets()
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
    for number, slide in enumerate(Presentation(str(path)).slides, start=1):
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


def extract(path: Path, kind: str, progress: Progress | None = None) -> list[ExtractedPage]:
    """Pages of text, repaired and normalised; progress(done, total) after each page."""
    path = Path(path)
    if kind == "pdf":
        total, items = _pdf(path)
    elif kind in ("png", "jpeg"):
        total, items = 1, (("ภาพ", ocr_image(path), True) for _ in range(1))
    elif kind in READERS:
        chunks = READERS[kind](path)
        total, items = len(chunks), ((label, text, False) for label, text in chunks)
    else:
        raise ExtractionError(f"ไม่รองรับการดึงข้อความจากไฟล์ชนิด {kind}")
    total = min(total, MAX_PAGES)
    pages: list[ExtractedPage] = []
    chars = 0
    for number, (label, text, ocr) in enumerate(items, start=1):
        if number > MAX_PAGES:
            break
        text = normalise(text)[: MAX_CHARS - chars]
        chars += len(text)
        pages.append(ExtractedPage(number, label, text, ocr))
        if progress:
            progress(number, total)
        if chars >= MAX_CHARS:
            break
    return pages


def _child(path: str, kind: str, memory_mb: int, cpu_seconds: int, channel, extractor) -> None:
    """Runs in a separate process: own process group (so OCR programs die with it), limits, then extraction."""
    os.setpgrp()
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crashing parser leaves no core file
    try:
        pages = extractor(Path(path), kind, progress=lambda done, total: channel.send(("progress", done, total)))
        channel.send(("done", pages))
    except ExtractionError as error:
        channel.send(("error", str(error)))
    except MemoryError:
        channel.send(("error", f"ไฟล์ใช้หน่วยความจำเกิน {memory_mb} MB ระหว่างดึงข้อความ ระบบหยุดการดึงข้อความไฟล์นี้"))
    except Exception as error:  # a malformed file: report, never crash the worker
        channel.send(("error", f"ไฟล์เสียหายหรืออ่านไม่ได้ ({type(error).__name__})"))


def _death_reason(exitcode: int | None, timeout_s: int, memory_mb: int) -> str:
    if exitcode == -signal.SIGXCPU:
        return f"ใช้เวลาประมวลผลเกิน {timeout_s} วินาที ระบบหยุดการดึงข้อความไฟล์นี้"
    return (f"กระบวนการดึงข้อความหยุดทำงานกะทันหัน (รหัส {exitcode}) ไฟล์อาจใช้หน่วยความจำเกิน "
            f"{memory_mb} MB หรือทำให้โปรแกรมอ่านไฟล์ขัดข้อง")


def extract_with_limits(path: Path, kind: str, progress: Progress | None = None, *, timeout_s: int = 300,
                        memory_mb: int = 1024, extractor: Callable = extract) -> list[ExtractedPage]:
    """extract() in a spawned child with RLIMIT_AS/RLIMIT_CPU and a wall-clock timeout;
    any failure becomes ExtractionError with a Thai reason. `extractor` must be importable."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(str(path), kind, memory_mb, timeout_s, sender, extractor),
                            daemon=True)
    child.start()
    sender.close()  # only the child writes: its death shows here as end of file
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not receiver.poll(remaining):
                raise ExtractionError(f"ใช้เวลาดึงข้อความเกิน {timeout_s} วินาที ระบบหยุดการดึงข้อความไฟล์นี้")
            try:
                message = receiver.recv()
            except EOFError:
                child.join(timeout=5)
                raise ExtractionError(_death_reason(child.exitcode, timeout_s, memory_mb)) from None
            if message[0] == "progress":
                if progress:
                    progress(message[1], message[2])
            elif message[0] == "done":
                return message[1]
            else:
                raise ExtractionError(message[1])
    finally:
        receiver.close()
        try:
            os.killpg(child.pid, signal.SIGKILL)  # the child and any pdftoppm/tesseract it started
        except (ProcessLookupError, PermissionError):
            pass
        if child.is_alive():
            child.kill()
        child.join(timeout=5)
