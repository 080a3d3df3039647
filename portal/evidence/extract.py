"""Text extraction per page / sheet / slide, with OCR for scans, run in a separate worker
process (pool.py) with time and memory limits so a hostile file cannot hang or exhaust
the background worker.

Extractors were chosen by measured Thai accuracy and licence. PDF text comes from
poppler's `pdftotext -raw` (run as a program): it honours /ActualText, which LibreOffice
and Word use for Thai clusters, where pypdf (BSD, kept for page count and as fallback)
returns wrong marks ("ร้อยละ" → "รูอยละ", "ประจำ" → "ประจำา"); pdfminer.six moves marks
and PyMuPDF is AGPL. Tesseract (Thai + English, see ocr.py) reads images and PDF pages
without a text layer.

Every page is NFC-normalised and its whitespace tidied. Only PDF text layers, whose fonts
can map Thai marks to the wrong places, go through repair_thai; Office, OpenDocument and
text files hold the author's own characters and are never changed. OCR text has its own
clean-up (ocr.py): the repair, made for shifted PDF marks, took OCR's character error rate
from 2.8 % to 5.3 % on real Thai lines (bench/pipeline_fidelity_bench.py).
"""
import ctypes
import re
import signal
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from portal.evidence.metadata import DocumentMetadata
from portal.evidence.ocr import OcrText, ocr_image, ocr_pdf_page
from portal.evidence.programs import run_tool
from portal.evidence.readers import READERS, ExtractionError  # noqa: F401  (ExtractionError is part of this API)

MAX_PAGES = 2000
MAX_CHARS = 5_000_000  # per file; text past either cap is not indexed
OCR_MIN_CHARS = 20  # a PDF page with less text than this is treated as a scan
PDF_BATCH = 100  # pages per pdftotext call: progress moves on long PDFs, and each call
# (a process, the document parsed again) costs about as much as 10 pages of text
PR_SET_PDEATHSIG = 1  # linux/prctl.h

Progress = Callable[[int, int], None]


@dataclass
class ExtractedPage:
    number: int  # 1-based
    label: str  # Thai: "หน้า 3", "ชีต งบประมาณ", "สไลด์ 2", "ย่อหน้า 1–40"
    text: str
    ocr: bool = False
    original: str | None = None  # the text as the file gave it, when the repair changed it
    ocr_confidence: float | None = None  # mean word confidence 0–100, OCR pages only


@dataclass
class Extracted:
    pages: list[ExtractedPage]
    metadata: DocumentMetadata


INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff]")
SPACES = re.compile("[ \u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def needs_repair(kind: str, ocr: bool) -> bool:
    """Whether PDF-font damage can arise in a page: only in a PDF's text layer."""
    return kind == "pdf" and not ocr


def tidy(text: str) -> str:
    """NFC and whitespace: spaces collapse (tabs stay: they separate spreadsheet cells;
    single blank lines stay: they separate paragraphs); invisible characters go."""
    text = INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n"))
    text = re.sub(r" *\n *", "\n", SPACES.sub(" ", unicodedata.normalize("NFC", text)))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def repaired(original: str, tidied: bool = False) -> tuple[str, str | None]:
    """(text to show and index, original text or None when the repair left it as it was).
    `tidied`: `original` is tidy()'s output, so a page the repair leaves as it was (most)
    is not tidied a second time."""
    from portal.thai.repair import repair_thai

    fixed = repair_thai(original)
    text = original if tidied and fixed == original else tidy(fixed)
    return text, (original if text != original else None)


def normalise(text: str, repair: bool = True) -> str:
    """A page's final text: tidied, and repaired where damage can arise."""
    return repaired(tidy(text), tidied=True)[0] if repair else tidy(text)


def _pdftotext(path: Path, first: int, last: int) -> list[str] | None:
    """Pages first..last in content-stream order (-raw: layout mode moves Thai marks to
    other lines), fewer when the document ends before `last`; None when poppler cannot
    read them, so pypdf is tried instead."""
    try:
        output = run_tool(["pdftotext", "-raw", "-enc", "UTF-8", "-f", str(first), "-l", str(last),
                           str(path), "-"], timeout=120)
    except ExtractionError:
        return None
    return output.decode("utf-8", "replace").split("\f")[:-1]  # every page ends with a form feed


def _pdf(path: Path) -> tuple[int, Iterable[tuple[str, str, OcrText | None]]]:
    """The text of each page from poppler, PDF_BATCH pages a call. A document that poppler
    reads whole in the first call (most: up to PDF_BATCH pages) is counted by that call;
    pypdf, whose page count walks the whole page tree (4 ms at 40 pages, a fifth of the
    call itself), is opened only for a longer document, for a page poppler could not read,
    and for the size of a page that needs OCR."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    opened: list[PdfReader] = []

    def reader() -> PdfReader:
        if not opened:
            opened.append(PdfReader(str(path), strict=False))
        return opened[0]

    batch = _pdftotext(path, 1, PDF_BATCH)
    if batch is not None and len(batch) < PDF_BATCH:
        total = min(len(batch), MAX_PAGES)
    else:
        try:
            total = min(len(reader().pages), MAX_PAGES)
        except FileNotDecryptedError:
            raise ExtractionError("ไฟล์ PDF ตั้งรหัสผ่าน ระบบดึงข้อความไม่ได้") from None

    def pages():
        texts = batch
        for first in range(1, total + 1, PDF_BATCH):
            last = min(first + PDF_BATCH - 1, total)
            if first > 1:
                texts = _pdftotext(path, first, last)
            if texts is not None and len(texts) < last - first + 1:
                texts = None  # poppler saw fewer pages than pypdf: read this batch with pypdf
            for number in range(first, last + 1):
                if texts is not None:
                    text = texts[number - first]
                else:
                    try:
                        text = reader().pages[number - 1].extract_text() or ""
                    except Exception:  # one broken content stream: read the page by OCR
                        text = ""
                scanned = None
                if len(text.strip()) < OCR_MIN_CHARS:
                    box = reader().pages[number - 1].mediabox
                    scanned = ocr_pdf_page(path, number, float(box.width), float(box.height))
                    if len(scanned.text.strip()) <= 2 * len(text.strip()):  # a few words of text layer stay
                        scanned = None
                yield f"หน้า {number}", text, scanned
    return total, pages()


def extract(path: Path, kind: str, progress: Progress | None = None) -> list[ExtractedPage]:
    """Pages of text, tidied and (where damage can arise) repaired; progress(done, total)
    after each page."""
    path = Path(path)
    if kind == "pdf":
        total, items = _pdf(path)
    elif kind in ("png", "jpeg"):
        total, items = 1, (("ภาพ", "", ocr_image(path)) for _ in range(1))
    elif kind in READERS:  # Office, OpenDocument and text files: see readers.py
        chunks = READERS[kind](path)
        total, items = len(chunks), ((label, text, None) for label, text in chunks)
    else:
        raise ExtractionError(f"ไม่รองรับการดึงข้อความจากไฟล์ชนิด {kind}")
    total = min(total, MAX_PAGES)
    pages: list[ExtractedPage] = []
    chars = 0
    for number, (label, text, scanned) in enumerate(items, start=1):
        if number > MAX_PAGES:
            break
        ocr = scanned is not None
        tidied = tidy(scanned.text if ocr else text)
        original = tidied[: MAX_CHARS - chars]
        text, changed = (repaired(original, tidied=len(original) == len(tidied)) if needs_repair(kind, ocr)
                         else (original, None))
        text = text[: MAX_CHARS - chars]
        chars += len(text)
        pages.append(ExtractedPage(number, label, text, ocr, changed, scanned.confidence if ocr else None))
        if progress:
            progress(number, total)
        if chars >= MAX_CHARS:
            break
    return pages


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when the background worker that started it dies (a
    killed worker's job runs again elsewhere; its OCR must not go on beside the new one)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _death_reason(exitcode: int | None, timeout_s: int, memory_mb: int) -> str:
    if exitcode == -signal.SIGXCPU:
        return f"ใช้เวลาประมวลผลเกิน {timeout_s} วินาที ระบบหยุดการดึงข้อความไฟล์นี้"
    return (f"กระบวนการดึงข้อความหยุดทำงานกะทันหัน (รหัส {exitcode}) ไฟล์อาจใช้หน่วยความจำเกิน "
            f"{memory_mb} MB หรือทำให้โปรแกรมอ่านไฟล์ขัดข้อง")
