"""Extraction throughput per file type and OCR, printed as a table.

    make bench        (or: .venv/bin/python -m bench.extract_bench)

Documents are generated on the spot (tests/thai_documents.py) from Thai sentences.
"""
import tempfile
import time
from pathlib import Path

from portal.evidence.extract import extract
from tests import thai_documents as make

LINE = " ".join(make.SENTENCES)


def corpus(folder: Path) -> list[tuple[str, str, Path]]:
    page = "\n".join([LINE] * 20)
    return [
        ("pdf (20 หน้า)", "pdf", make.pdf(folder / "a.pdf", [page] * 20)),
        ("docx (200 ย่อหน้า)", "docx", make.docx(folder / "a.docx", [LINE] * 200)),
        ("xlsx (5 ชีต × 200 แถว)", "xlsx", make.xlsx(folder / "a.xlsx", {f"ชีต{i}": [[LINE, i, 95.5]] * 200 for i in range(5)})),
        ("pptx (20 สไลด์)", "pptx", make.pptx(folder / "a.pptx", [LINE + "\n" + LINE] * 20)),
        ("odt (200 ย่อหน้า)", "odt", make.odt(folder / "a.odt", [LINE] * 200)),
        ("ods (200 แถว)", "ods", make.ods(folder / "a.ods", "ผลงาน", [[LINE, "95"]] * 200)),
        ("txt (60 KB)", "txt", _text(folder / "a.txt", (LINE + "\n") * 500)),
        ("png OCR (3 ภาพ)", "png", make.image(folder / "a.png", "\n".join(make.SENTENCES))),
        ("pdf OCR (สแกน 1 หน้า)", "pdf", make.scanned_pdf(folder / "scan.pdf", "\n".join(make.SENTENCES), folder)),
    ]


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for label, kind, path in corpus(Path(tmp)):
            repeats = 3 if kind == "png" else 1
            started = time.perf_counter()
            pages = 0
            for _ in range(repeats):
                pages += len(extract(path, kind))
            seconds = time.perf_counter() - started
            rows.append((label, repeats, pages, seconds, pages / seconds))
    print(f"{'type':<26}{'files':>6}{'pages':>7}{'seconds':>9}{'pages/s':>9}")
    for label, files, pages, seconds, rate in rows:
        print(f"{label:<26}{files:>6}{pages:>7}{seconds:>9.2f}{rate:>9.1f}")


if __name__ == "__main__":
    main()
