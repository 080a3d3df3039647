"""Extraction throughput per file type and for OCR, printed as a table, plus the PDF
engine comparison on Thai that chose pdftotext over pypdf.

    make bench        (or: .venv/bin/python -m bench.extract_bench)

Documents are generated on the spot (tests/thai_documents.py) from Thai sentences.
"""
import subprocess
import tempfile
import time
from pathlib import Path

from portal.evidence.extract import extract, normalise
from portal.evidence.pool import extract_with_limits
from tests import thai_documents as make

LINE = " ".join(make.SENTENCES)


class Lines:
    """Distinct Thai lines from PyThaiNLP's word list (seeded), so repair_thai's cache
    does not make repeated text look fast."""

    def __init__(self, seed: int = 2569):
        import random

        from pythainlp.corpus import thai_words

        self.rng = random.Random(seed)
        self.words = sorted(w for w in thai_words() if 2 <= len(w) <= 12)

    def __call__(self, count: int) -> list[str]:
        return ["".join(self.rng.choices(self.words, k=self.rng.randint(6, 10)))
                + f" KPI ร้อยละ {self.rng.randint(1, 100)}" for _ in range(count)]


def corpus(folder: Path) -> list[tuple[str, str, list[Path]]]:
    lines = Lines()
    text = folder / "a.txt"
    text.write_text("\n".join(lines(1500)), encoding="utf-8")
    scans = ["\n".join((make.SENTENCES[i:] + make.SENTENCES[:i]) * 7) for i in range(3)]  # 21 lines: a page
    return [
        ("pdf (20 หน้า × 25 บรรทัด)", "pdf", [make.pdf(folder / "a.pdf", ["\n".join(lines(25)) for _ in range(20)])]),
        ("docx (200 ย่อหน้า + ตาราง)", "docx", [make.docx(
            folder / "a.docx", lines(200), table=[["ตัวชี้วัด", "ผล"]] + [[t, "95"] for t in lines(50)])]),
        ("xlsx (5 ชีต × 300 แถว)", "xlsx", [make.xlsx(folder / "a.xlsx", {
            f"ชีต{i}": [[t, i, 95.5] for t in lines(300)] for i in range(1, 6)})]),
        ("pptx (20 สไลด์ + บันทึก)", "pptx", [make.pptx(folder / "a.pptx", ["\n".join(lines(4)) for _ in range(20)],
                                                       notes=lines(20))]),
        ("odt (200 ย่อหน้า)", "odt", [make.odt(folder / "a.odt", lines(200))]),
        ("ods (3 ชีต × 300 แถว)", "ods", [make.ods(folder / "a.ods", "ผลงาน", [[t, 95] for t in lines(300)],
                                                 sheets={f"ชีต{i}": [[t, i] for t in lines(300)] for i in (2, 3)})]),
        ("txt (1,500 บรรทัด)", "txt", [text]),
        ("png OCR (5 ภาพ A4 21 บรรทัด)", "png", [make.image(folder / f"scan{i}.png", scans[i % 3], rotate=i * 0.3)
                                    for i in range(5)]),
        ("pdf OCR (สแกน 3 หน้า)", "pdf", [make.scanned_pdf(folder / "scan.pdf", scans, folder)]),
    ]


def pdf_engines(folder: Path) -> list[str]:
    """pypdf vs pdftotext -raw on Thai: exact text after repair, and seconds for 100 pages."""
    from pypdf import PdfReader

    samples = {
        "reportlab": (make.pdf(folder / "e1.pdf", ["\n".join(make.SENTENCES)]), "\n".join(make.SENTENCES)),
        "ActualText (LibreOffice/Word)": (make.pdf_with_actual_text(
            folder / "e2.pdf", "ร", "ู", "้", "อยละ 95 ประจำปี"), "ร้อยละ 95 ประจำปี"),
    }
    engines = {
        "pypdf": lambda path: "\n".join(p.extract_text() for p in PdfReader(str(path)).pages),
        "pdftotext -raw": lambda path: subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
                                                      capture_output=True, check=True).stdout.decode(),
    }
    long_pdf = make.pdf(folder / "e3.pdf", ["\n".join([LINE] * 30)] * 100)
    rows = []
    for engine, read in engines.items():
        results = [f"{name}: {'exact' if normalise(read(path)) == want else repr(normalise(read(path)))}"
                   for name, (path, want) in samples.items()]
        started = time.perf_counter()
        read(long_pdf)
        rows.append(f"{engine:<16}{time.perf_counter() - started:>6.2f} s per 100 pages   " + "; ".join(results))
    return rows


def main() -> None:
    started = time.perf_counter()
    normalise("ผู้บริหาร")  # load PyThaiNLP's dictionary once, outside the timings
    warm_up = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows, ocr_pages, ocr_seconds = [], 0, 0.0
        for label, kind, paths in corpus(folder):
            started = time.perf_counter()
            pages = [page for path in paths for page in extract(path, kind)]
            seconds = time.perf_counter() - started
            scanned = sum(page.ocr for page in pages)
            ocr_pages += scanned
            ocr_seconds += seconds if scanned else 0
            rows.append((label, len(paths), len(pages), scanned, sum(len(p.text) for p in pages), seconds))
        started = time.perf_counter()
        extract_with_limits(make.docx(folder / "small.docx", [LINE]), "docx")
        child_seconds = time.perf_counter() - started
        engines = pdf_engines(folder)
    print(f"{'type':<30}{'files':>6}{'pages':>7}{'OCR':>5}{'chars':>9}{'seconds':>9}{'pages/s':>9}{'chars/s':>9}")
    for label, files, pages, scanned, chars, seconds in rows:
        print(f"{label:<30}{files:>6}{pages:>7}{scanned:>5}{chars:>9,}{seconds:>9.2f}{pages / seconds:>9.1f}"
              f"{chars / seconds:>9,.0f}")
    print(f"\nOCR only: {ocr_pages} pages in {ocr_seconds:.1f} s = {ocr_pages / ocr_seconds:.2f} OCR pages/s "
          "(Tesseract tha+eng, one thread, 200 dpi for PDF scans)")
    print(f"PyThaiNLP dictionary load (once per process): {warm_up:.2f} s; "
          f"extract_with_limits on a 1-paragraph DOCX, starting its pool worker: {child_seconds:.2f} s")
    print("\nPDF engines on Thai (after repair_thai + NFC):")
    print("\n".join(engines))


if __name__ == "__main__":
    main()
