"""OCR of images and of PDF pages without a text layer, set up as a careful scanner
operator would (settings measured with bench/pipeline_fidelity_bench.py, see README):

- PDF pages are rendered at 300 dpi in grey; photos are turned upright (EXIF), put on
  white (transparent screenshots read as black), made grey; images whose text would be
  too small for Tesseract are enlarged, huge ones reduced to at most 40 MP; a page up to
  3° askew is turned level (Tesseract read "KPI" as "41" on a page 1° askew).
- Tesseract reads Thai + English ("tha+eng": Thai first, or Thai letters come out one
  per word; "tha" alone has no Latin letters) as one column of lines of any size
  (--psm 4: automatic segmentation, --psm 3, split and dropped lines of one-column pages,
  up to 18 % errors where --psm 4 made 4 %). Text and word table come from the same run;
  the word confidences give the page's mean confidence.
- Thai digits Tesseract's Thai model cannot write (๔ ๖ ๗ ๘ ๙) are read again from the
  image (thai_numbers.py), and its ํ + า (it has no ำ) becomes ำ. Nothing else is
  changed: repair_thai, made for shifted PDF marks, makes OCR text worse.
"""
import csv
import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from portal.evidence import thai_numbers
from portal.evidence.programs import run_tool

PDF_DPI = 300
MAX_PIXELS = 40_000_000  # larger images and pages are scaled down before OCR
MIN_WIDTH = 1600  # a narrower image (screenshot, cropped photo) is enlarged to this width,
MAX_SCALE = 2.0  # at most this many times
MAX_SKEW, DESKEW_STEP = 3.0, 0.25  # degrees: a page put on the scanner slightly askew
LANGUAGES = "tha+eng"
PAGE_SEGMENTATION = "4"
DOUBTED_LATIN = 80  # below this confidence an English word may be a Thai number misread
DECOMPOSED_SARA_AM = re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32")  # ํ (tone) า, as Tesseract writes ำ


@dataclass
class OcrText:
    text: str
    confidence: float | None  # mean word confidence 0–100, weighted by word length; None: no words


@dataclass
class _Word:
    text: str
    left: int
    right: int
    confidence: float


@dataclass
class _Line:
    top: int
    bottom: int
    words: list[_Word]


def prepare(path: Path):
    """The image as Tesseract should see it: upright, on white, grey, a workable size."""
    from PIL import Image, ImageOps

    with Image.open(path) as original:
        if original.width * original.height > MAX_PIXELS:
            original.draft("RGB", (original.width // 2, original.height // 2))
        image = ImageOps.exif_transpose(original)
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            image = Image.new("RGBA", rgba.size, "white")
            image.alpha_composite(rgba)
        image = image.convert("L")
    scale = 1.0
    if image.width < MIN_WIDTH:
        scale = min(MIN_WIDTH / image.width, MAX_SCALE)
    if image.width * image.height * scale * scale > MAX_PIXELS:
        scale = (MAX_PIXELS / (image.width * image.height)) ** 0.5
    if scale != 1.0:
        image = image.resize((max(int(image.width * scale), 1), max(int(image.height * scale), 1)), Image.LANCZOS)
    return level(image)


def level(image):
    """The page turned so its text lines are level."""
    from PIL import Image

    angle = skew_angle(image)
    if abs(angle) >= DESKEW_STEP:
        image = image.rotate(angle, resample=Image.BICUBIC, fillcolor=255, expand=True)
    return image


def skew_angle(image) -> float:
    """The rotation (degrees) that makes the text lines level: the one under which rows of
    a small binarised copy are most unequal (ink on lines, paper between)."""
    from PIL import Image

    small = image.resize((min(image.width, 800), max(int(image.height * min(image.width, 800) / image.width), 1)))
    pixels = np.asarray(small)
    ink = Image.fromarray(((pixels < _otsu(pixels)) * 255).astype(np.uint8))
    best, best_spread = 0.0, -1.0
    for step in range(-int(MAX_SKEW / DESKEW_STEP), int(MAX_SKEW / DESKEW_STEP) + 1):
        rows = np.asarray(ink.rotate(step * DESKEW_STEP, resample=Image.NEAREST)).sum(axis=1, dtype=np.float64)
        if rows.var() > best_spread:
            best, best_spread = step * DESKEW_STEP, rows.var()
    return best


def ocr_image(path: Path) -> OcrText:
    return recognise(prepare(path))


def ocr_pdf_page(path: Path, number: int, width_pt: float, height_pt: float) -> OcrText:
    from PIL import Image

    dpi = PDF_DPI
    pixels = (width_pt / 72 * dpi) * (height_pt / 72 * dpi)
    if pixels > MAX_PIXELS:  # a poster-sized page would need gigabytes at 300 dpi
        dpi = max(int(dpi * (MAX_PIXELS / pixels) ** 0.5), 10)
    with tempfile.TemporaryDirectory() as folder:
        run_tool(["pdftoppm", "-r", str(dpi), "-gray", "-f", str(number), "-l", str(number),
                  str(path), f"{folder}/page"], timeout=120)
        images = sorted(Path(folder).glob("page*"))
        if not images:
            return OcrText("", None)
        with Image.open(images[0]) as page:
            return recognise(level(page.convert("L")))


def recognise(image) -> OcrText:
    """Tesseract on a prepared grey image: text, word table and confidence in one run."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "page.png"
        image.save(source)
        run_tool(["tesseract", str(source), f"{folder}/out", "-l", LANGUAGES, "--psm", PAGE_SEGMENTATION,
                  "txt", "tsv"])
        text = (Path(folder) / "out.txt").read_text(encoding="utf-8", errors="replace")
        lines = _lines((Path(folder) / "out.tsv").read_text(encoding="utf-8", errors="replace"))
    text = DECOMPOSED_SARA_AM.sub("\\1\u0e33", _reread_thai_numbers(text, lines, image))
    return OcrText(text, mean_confidence([w for line in lines for w in line.words]))


def mean_confidence(words: list[_Word]) -> float | None:
    """Word confidences weighted by length, so a stray mark read as one letter counts little."""
    weight = sum(len(w.text) for w in words)
    return sum(w.confidence * len(w.text) for w in words) / weight if weight else None


def _lines(tsv: str) -> list[_Line]:
    """Tesseract's word table as lines of words (its level 4 and 5 rows)."""
    lines: dict[tuple, _Line] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        try:
            level, left, top = int(row["level"]), int(row["left"]), int(row["top"])
            width, height, confidence = int(row["width"]), int(row["height"]), float(row["conf"])
        except (TypeError, ValueError, KeyError):
            continue
        key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
        if level == 4:
            lines[key] = _Line(top, top + height, [])
        elif level == 5 and key in lines and (row.get("text") or "").strip() and confidence >= 0:
            lines[key].words.append(_Word(row["text"].strip(), left, left + width, confidence))
    return [line for line in lines.values() if line.words]


def _reread_thai_numbers(text: str, lines: list[_Line], image) -> str:
    """Each text line whose letters are those of a table line gets its Thai numbers read
    again from the ink under their words."""
    if not any(thai_numbers.looks_like_thai_number(token) for token in text.split()):
        return text
    pixels = np.asarray(image.convert("L"))
    ink = pixels < _otsu(pixels)
    out, remaining = [], list(lines)
    for row in text.split("\n"):
        squeezed = "".join(row.split())
        if remaining and squeezed and squeezed == "".join(w.text for w in remaining[0].words):
            row = _reread_line(row, remaining.pop(0), ink)
        out.append(row)
    return "\n".join(out)


def _reread_line(row: str, line: _Line, ink: np.ndarray) -> str:
    # Each word's characters in the squeezed line, so a text token maps to its boxes.
    owners = [w for w in line.words for _ in w.text]
    tokens, position = row.split(" "), 0
    for number, token in enumerate(tokens):
        length = len("".join(token.split()))
        covering = owners[position:position + length]
        position += length
        if not covering:
            continue
        # English letters Tesseract doubted are often a Thai number its English model took ("๘๗.๔" → "dol.").
        doubted_latin = token.isascii() and min(w.confidence for w in covering) < DOUBTED_LATIN
        if thai_numbers.looks_like_thai_number(token) or doubted_latin:
            left, right = min(w.left for w in covering), max(w.right for w in covering)
            reread = thai_numbers.read_number(_word_ink(ink, line, left, right), token)
            if reread:
                tokens[number] = reread
    return " ".join(tokens)


def _word_ink(ink: np.ndarray, line: _Line, left: int, right: int) -> np.ndarray:
    """The ink of the printed word under Tesseract's box [left, right): the line's inked
    columns grouped into words at blank gaps (spaces), the group overlapping the box most."""
    band = thai_numbers.despeckle(ink[line.top:line.bottom])
    gap = max((line.bottom - line.top) // 5, 2)  # this many blank columns make a space
    groups, start, blank = [], None, 0
    for x, inked in enumerate(band.any(axis=0)):
        if inked:
            if start is None:
                start = x
            blank = 0
        elif start is not None:
            blank += 1
            if blank >= gap:
                groups.append((start, x - blank + 1))
                start = None
    if start is not None:
        groups.append((start, band.shape[1] - blank))
    if not groups:
        return band[:, left:right]
    chosen = max(groups, key=lambda g: min(g[1], right) - max(g[0], left))
    return band[:, chosen[0]:chosen[1]]


def _otsu(pixels: np.ndarray) -> int:
    """The grey level that best splits ink from paper (Otsu's method)."""
    histogram = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    weight = np.cumsum(histogram)
    mean = np.cumsum(histogram * levels)
    total, total_mean = weight[-1], mean[-1]
    between = (total_mean * weight - mean * total) ** 2 / np.maximum(weight * (total - weight), 1)
    return int(np.argmax(between[:-1])) + 1
