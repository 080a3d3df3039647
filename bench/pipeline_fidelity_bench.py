"""Fidelity of the whole pipeline on Thai documents made by other producers: each document
is uploaded through the upload route, stored under its SHA-256, extracted by the worker's
job (child process, limits, the real readers and OCR), and its stored page text compared
with the text the producer was given.

    make bench-fidelity     (or: .venv/bin/python -m bench.pipeline_fidelity_bench [--pages 3]
                             [--ocr-settings])

Ground truth is text nobody here wrote: PyThaiNLP's Thai Wikipedia titles (names, places,
transliterations) with people's names from its name lists, percentages, Buddhist-era
years, dates and counts in Thai and Arabic digits (tests/producers.py). Character error
rate = Levenshtein distance / length of the truth, after tests.producers.comparable()
(NFC, whitespace runs as one space, no space between two Thai characters: Thai has no
word spaces, so a line wrapped or a space put between Thai words is not an error; every
letter, mark, digit and the spaces between Thai and other text count).
Targets (issue 12): CER 0 for born-digital formats, ≤ 2 % for 300 dpi scans.

--ocr-settings also prints the measurements behind the OCR settings in portal/evidence/ocr.py
(languages, page segmentation, Thai digit re-reading, resolution).
"""
import argparse
import io
import tempfile
import time
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from tests import producers
from tests import thai_documents as make

LINES_PER_PAGE = 18


def cer(text: str, truth: str) -> float:
    text, truth = producers.comparable(text), producers.comparable(truth)
    return Levenshtein.distance(text, truth) / max(len(truth), 1)


class Portal:
    """A throwaway portal (SQLite, its own upload folder) and a signed-in agency editor."""

    def __init__(self, folder: Path):
        from flask_migrate import upgrade
        from sqlalchemy import select

        from portal import create_app
        from portal.admin import operations as admin_ops
        from portal.criteria.loader import load_criteria
        from portal.criteria.store import sync_criteria
        from portal.extensions import db
        from portal.models import ChecklistItem, SubItem
        from tests.helpers import csrf_token, login, make_agency, make_user

        self.app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SEARCH_INDEX_DIR": str(folder / "index"),
                               "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
                               "UPLOAD_DIR": str(folder / "uploads")})
        with self.app.app_context():
            upgrade()
            sync_criteria(load_criteria(self.app.config["CRITERIA_DIR"], self.app.config["CRITERIA_VERSION"]))
            agency = make_agency("BENCH")
            make_user("bench-editor", ("agency_editor", agency))
            admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
            db.session.commit()
            item_id = db.session.scalar(select(ChecklistItem.id).join(SubItem).where(SubItem.code == "1.1"))
            self.url = f"/agencies/{agency.id}/items/{item_id}/files"
        self.client = self.app.test_client()
        login(self.client, "bench-editor")
        self.token = csrf_token(self.client, "/")

    def upload(self, path: Path, name: str) -> tuple[str, str]:
        """(stored text, the file's text before any repair) of one uploaded document."""
        from sqlalchemy import select

        from portal import tasks
        from portal.extensions import db
        from portal.models import Evidence

        response = self.client.post(self.url, data={"files": [(io.BytesIO(path.read_bytes()), name)]},
                                    headers={"HX-Request": "true", "X-CSRFToken": self.token},
                                    content_type="multipart/form-data")
        if response.status_code != 200:
            raise RuntimeError(f"upload of {name} answered {response.status_code}")
        with self.app.app_context():
            evidence_id = db.session.scalar(select(Evidence.id).order_by(Evidence.id.desc()))
            db.session.commit()  # the task runs in a session of its own
            tasks.extract_evidence_task.call_local(evidence_id)
            evidence = db.session.get(Evidence, evidence_id)
            if evidence.extraction_status != "done":
                raise RuntimeError(f"{name}: {evidence.extraction_error}")
            stored = "\n".join(p.text for p in evidence.pages)
            original = "\n".join(p.original_text or p.text for p in evidence.pages)
            return stored, original


def documents(folder: Path, pages: int, browser):
    """(format, producer, file, upload name, truth) for every producer; one page of
    LINES_PER_PAGE real lines per document page."""
    texts = [producers.real_lines(100 + n, LINES_PER_PAGE) for n in range(pages)]
    flat = [line for page in texts for line in page]
    truth = "\n".join(flat)
    odt = make.odt(folder / "s.odt", flat)
    ods = make.ods(folder / "s.ods", "ผลงาน", [[line] for line in flat])
    deck = make.pptx(folder / "s.pptx", ["\n".join(page) for page in texts])
    yield "pdf", "chromium (print to PDF)", producers.chromium_pdf(browser, folder / "c.pdf", flat), truth
    yield "pdf", "reportlab", make.pdf(folder / "r.pdf", ["\n".join(page) for page in texts]), truth
    yield "pdf", "LibreOffice", producers.libreoffice(odt, "pdf", folder / "lo"), truth
    yield "docx", "python-docx", make.docx(folder / "a.docx", flat), truth
    yield "docx", "LibreOffice", producers.libreoffice(odt, "docx", folder / "lo"), truth
    yield "xlsx", "openpyxl", make.xlsx(folder / "a.xlsx", {"ผลงาน": [[line] for line in flat]}), truth
    yield "xlsx", "LibreOffice", producers.libreoffice(ods, "xlsx", folder / "lo"), truth
    yield "pptx", "python-pptx", deck, truth
    yield "pptx", "LibreOffice", producers.libreoffice(deck, "pptx", folder / "lo2"), truth
    yield "odt", "odfpy", odt, truth
    yield "ods", "odfpy", ods, truth
    for dpi in (300, 150):
        for font in ("Laksaman", "Norasi"):
            wrapped = []
            scans = []
            for number, page in enumerate(texts):
                path = folder / f"scan-{dpi}-{font}-{number}.png"
                wrapped += producers.scan(path, page, dpi=dpi, font=font)
                scans.append(path)
            if len(scans) == 1:
                yield "png", f"scan {dpi} dpi ({font})", scans[0], "\n".join(wrapped)
            else:
                from PIL import Image

                pdf = folder / f"scan-{dpi}-{font}.pdf"
                images = [Image.open(p).convert("L") for p in scans]
                images[0].save(pdf, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
                yield "pdf", f"scan {dpi} dpi ({font}), image-only PDF", pdf, "\n".join(wrapped)


def fidelity(pages: int) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, chromium_path

    with tempfile.TemporaryDirectory() as name, sync_playwright() as playwright:
        folder = Path(name)
        portal = Portal(folder)
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        print(f"Pipeline fidelity: upload → storage → worker → stored page text ({pages} page(s) of "
              f"{LINES_PER_PAGE} real lines per document)\n")
        print(f"| {'format':<5} | {'producer':<38} | {'chars':>6} | {'CER stored':>10} | {'CER file text':>13} | {'s':>5} |")
        print(f"|{'-' * 7}|{'-' * 40}|{'-' * 8}|{'-' * 12}|{'-' * 15}|{'-' * 7}|")
        for kind, producer, path, truth in documents(folder, pages, browser):
            started = time.perf_counter()
            stored, original = portal.upload(path, f"เอกสาร.{'jpg' if kind == 'jpeg' else kind}")
            seconds = time.perf_counter() - started
            print(f"| {kind:<5} | {producer:<38} | {len(producers.comparable(truth)):>6} | "
                  f"{cer(stored, truth):>9.2%} | {cer(original, truth):>12.2%} | {seconds:>5.1f} |", flush=True)
        browser.close()
    print("\nCER stored: the text shown and indexed. CER file text: the extracted text before the Thai "
          "repair (the same for formats that are never repaired).")


def ocr_settings() -> None:
    """The OCR settings measured on the same scans, in-process (no upload): CER per setting."""
    from portal.evidence import ocr, thai_numbers

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        scans = []
        for dpi in (300, 150):
            for font in ("Laksaman", "Norasi", "Loma"):
                path = folder / f"{dpi}-{font}.png"
                scans.append((dpi, font, path, "\n".join(producers.scan(path, producers.real_lines(7, 20), dpi=dpi,
                                                                         font=font))))
        print("\nOCR settings (CER per scan of 20 real lines, scanned at 300 or 150 dpi in three fonts):\n")
        from portal.evidence.extract import tidy

        def measure(label, **settings):
            saved = {key: getattr(ocr, key) for key in settings}
            for key, value in settings.items():
                setattr(ocr, key, value)
            try:
                cells = []
                for dpi, font, path, truth in scans:
                    cells.append(f"{cer(tidy(ocr.ocr_image(path).text), truth):.2%}")
                print(f"| {label:<44} | " + " | ".join(f"{c:>7}" for c in cells) + " |", flush=True)
            finally:
                for key, value in saved.items():
                    setattr(ocr, key, value)

        print(f"| {'setting':<44} | " + " | ".join(f"{d}/{f[:5]:<5}"[:7].rjust(7) for d, f, _, _ in scans) + " |")
        measure(f"chosen: {ocr.LANGUAGES}, psm {ocr.PAGE_SEGMENTATION}, digits re-read")
        measure("tha only (no English letters)", LANGUAGES="tha")
        for mode, meaning in (("3", "automatic"), ("4", "one column"), ("6", "one block")):
            if mode != ocr.PAGE_SEGMENTATION:
                measure(f"psm {mode} ({meaning})", PAGE_SEGMENTATION=mode)
        measure("no enlarging of small images", MIN_WIDTH=0)
        measure("every page enlarged to 1.5× (450 dpi)", MIN_WIDTH=10_000, MAX_SCALE=1.5)
        reread = ocr._reread_thai_numbers
        ocr._reread_thai_numbers = lambda text, lines, image: text
        try:
            measure("no Thai digit re-reading")
        finally:
            ocr._reread_thai_numbers = reread
        print(f"\nThai fonts used as digit templates: {len(thai_numbers.thai_fonts())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2, help="pages per document")
    parser.add_argument("--ocr-settings", action="store_true", help="also measure the OCR settings")
    args = parser.parse_args()
    fidelity(args.pages)
    if args.ocr_settings:
        ocr_settings()


if __name__ == "__main__":
    main()
