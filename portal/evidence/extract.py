"""Text extraction per page / sheet / slide, with OCR for scans, run in a child process
with time and memory limits so a hostile file cannot hang or exhaust the worker.

Extractors were chosen for Thai accuracy and licence: pypdf (BSD) keeps Thai marks in
place (pdfminer.six moves and drops them; PyMuPDF is AGPL); Tesseract with Thai data for
images and PDF pages without a text layer. Every page then goes through repair_thai.
"""
import multiprocessing
import queue
import re
import resource
import subprocess
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

MAX_PAGES = 2000
MAX_CHARS = 5_000_000
MAX_SHEET_CELLS = 200_000
PARAGRAPHS_PER_CHUNK = 40
TEXT_CHUNK_CHARS = 3000
OCR_MIN_CHARS = 20  # a PDF page with less text than this is treated as a scan


@dataclass
class ExtractedPage:
    number: int
    label: str
    text: str
    ocr: bool = False


class ExtractionError(Exception):
    """Extraction failed; the message (Thai) is shown to the agency with a retry button."""


def normalise(text: str) -> str:
    from portal.thai.repair import repair_thai

    text = unicodedata.normalize("NFC", text.replace("\x00", ""))
    text = repair_thai(text)
    text = re.sub(r"[ \u00a0]+", " ", text)  # tabs stay: they separate spreadsheet cells
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def ocr_image(path: Path) -> str:
    result = subprocess.run(["tesseract", str(path), "stdout", "-l", "tha+eng", "--psm", "3"],
                            capture_output=True, timeout=300)
    if result.returncode != 0:
        raise ExtractionError("อ่านข้อความจากภาพ (OCR) ไม่สำเร็จ: " + result.stderr.decode(errors="replace")[-200:])
    return result.stdout.decode("utf-8", errors="replace")


def _pdf(path: Path, progress) -> list[ExtractedPage]:
    from pypdf import PdfReader

    reader = PdfReader(str(path), strict=False)
    total = min(len(reader.pages), MAX_PAGES)
    pages = []
    for index in range(total):
        text = reader.pages[index].extract_text() or ""
        ocr = False
        if len(text.strip()) < OCR_MIN_CHARS:
            with tempfile.TemporaryDirectory() as folder:
                subprocess.run(["pdftoppm", "-r", "200", "-f", str(index + 1), "-l", str(index + 1),
                                "-png", str(path), f"{folder}/page"], check=True, capture_output=True, timeout=120)
                images = sorted(Path(folder).glob("page*.png"))
                if images:
                    text, ocr = ocr_image(images[0]), True
        pages.append(ExtractedPage(index + 1, f"หน้า {index + 1}", text, ocr))
        progress(index + 1, total)
    return pages


def _chunks(parts: list[str], size: int, unit: str) -> list[tuple[str, str]]:
    out = []
    for start in range(0, len(parts), size):
        block = parts[start:start + size]
        out.append((f"{unit} {start + 1}–{start + len(block)}", "\n".join(block)))
    return out


def _docx(path: Path) -> list[tuple[str, str]]:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text.strip() for cell in row.cells))
    return _chunks(parts, PARAGRAPHS_PER_CHUNK, "ย่อหน้า") or [("ย่อหน้า 1", "")]


def _xlsx(path: Path) -> list[tuple[str, str]]:
    import openpyxl

    workbook = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    out, cells = [], 0
    for sheet in workbook.worksheets:
        lines = []
        for row in sheet.iter_rows(values_only=True):
            cells += len(row)
            if cells > MAX_SHEET_CELLS:
                raise ExtractionError(f"ตารางมีข้อมูลเกิน {MAX_SHEET_CELLS:,} ช่อง")
            values = [str(v) for v in row if v is not None]
            if values:
                lines.append("\t".join(values))
        out.append((f"ชีต {sheet.title}", "\n".join(lines)))
    workbook.close()
    return out


def _pptx(path: Path) -> list[tuple[str, str]]:
    from pptx import Presentation

    out = []
    for number, slide in enumerate(Presentation(str(path)).slides, start=1):
        lines = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                lines.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    lines.append(" | ".join(cell.text for cell in row.cells))
        if slide.has_notes_slide:
            lines.append(slide.notes_slide.notes_text_frame.text)
        out.append((f"สไลด์ {number}", "\n".join(l for l in lines if l.strip())))
    return out


def _odf(path: Path, kind: str) -> list[tuple[str, str]]:
    from lxml import etree

    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("content.xml"), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    ns = {"text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
          "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0"}
    if kind == "ods":
        out = []
        for table in root.iter(f"{{{ns['table']}}}table"):
            lines = []
            for row in table.iter(f"{{{ns['table']}}}table-row"):
                cells = ["".join(c.itertext()) for c in row.iter(f"{{{ns['table']}}}table-cell")]
                if any(c.strip() for c in cells):
                    lines.append("\t".join(c for c in cells if c.strip()))
            name = table.get("{%s}name" % ns["table"])
            out.append((f"ชีต {name}", "\n".join(lines)))
        return out
    parts = ["".join(p.itertext()) for p in root.iter(f"{{{ns['text']}}}p", f"{{{ns['text']}}}h")]
    return _chunks([p for p in parts if p.strip()], PARAGRAPHS_PER_CHUNK, "ย่อหน้า") or [("ย่อหน้า 1", "")]


def _text(path: Path) -> list[tuple[str, str]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp874"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ExtractionError("อ่านรหัสอักขระของไฟล์ข้อความไม่ได้")
    out, current = [], ""
    for line in text.splitlines(keepends=True):
        if current and len(current) + len(line) > TEXT_CHUNK_CHARS:
            out.append(current)
            current = ""
        current += line
    out.append(current)
    return [(f"ส่วนที่ {i}", chunk) for i, chunk in enumerate(out, start=1)]


def extract(path: Path, kind: str, progress: Callable[[int, int], None] | None = None) -> list[ExtractedPage]:
    progress = progress or (lambda done, total: None)
    path = Path(path)
    if kind == "pdf":
        pages = _pdf(path, progress)
    elif kind in ("png", "jpeg"):
        progress(0, 1)
        pages = [ExtractedPage(1, "ภาพ", ocr_image(path), True)]
    else:
        readers = {"docx": _docx, "xlsx": _xlsx, "pptx": _pptx, "txt": _text, "csv": _text,
                   "odt": lambda p: _odf(p, "odt"), "ods": lambda p: _odf(p, "ods")}
        if kind not in readers:
            raise ExtractionError(f"ไม่รองรับการดึงข้อความจากไฟล์ชนิด {kind}")
        chunks = readers[kind](path)[:MAX_PAGES]
        pages = []
        for number, (label, text) in enumerate(chunks, start=1):
            pages.append(ExtractedPage(number, label, text))
            progress(number, len(chunks))
    total_chars = 0
    for page in pages:
        page.text = normalise(page.text)
        total_chars += len(page.text)
        if total_chars > MAX_CHARS:
            raise ExtractionError(f"ข้อความในไฟล์ยาวเกิน {MAX_CHARS:,} ตัวอักษร")
    return pages


def _child(path: str, kind: str, memory_mb: int, cpu_seconds: int, channel) -> None:
    """Runs in a separate process: limits first, then extraction."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    try:
        pages = extract(Path(path), kind, progress=lambda done, total: channel.put(("progress", done, total)))
        channel.put(("done", pages))
    except ExtractionError as error:
        channel.put(("error", str(error)))
    except MemoryError:
        channel.put(("error", f"ไฟล์ใช้หน่วยความจำเกิน {memory_mb} MB ระหว่างดึงข้อความ"))
    except Exception as error:  # a malformed file: report, never crash the worker
        channel.put(("error", f"ไฟล์เสียหายหรืออ่านไม่ได้ ({type(error).__name__})"))


def extract_with_limits(path: Path, kind: str, progress: Callable[[int, int], None] | None = None,
                        timeout_s: int = 300, memory_mb: int = 1024) -> list[ExtractedPage]:
    context = multiprocessing.get_context("spawn")
    channel = context.Queue()
    child = context.Process(target=_child, args=(str(path), kind, memory_mb, timeout_s, channel), daemon=True)
    child.start()
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ExtractionError(f"ใช้เวลาดึงข้อความเกิน {timeout_s} วินาที ระบบหยุดการดึงข้อความไฟล์นี้")
            try:
                message = channel.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                if not child.is_alive() and channel.empty():
                    raise ExtractionError("กระบวนการดึงข้อความหยุดทำงานกะทันหัน (ไฟล์อาจใช้หน่วยความจำเกินกำหนด)")
                continue
            if message[0] == "progress" and progress:
                progress(message[1], message[2])
            elif message[0] == "done":
                return message[1]
            elif message[0] == "error":
                raise ExtractionError(message[1])
    finally:
        if child.is_alive():
            child.kill()
        child.join(timeout=5)
