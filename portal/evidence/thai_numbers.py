"""Thai digits read again, glyph by glyph, where OCR saw a Thai number.

Debian's Thai Tesseract models (tha and script/Thai, tessdata 4.1) have no ๔ ๖ ๗ ๘ ๙ in
their character set: "๒๕๗๐" comes out as "๒๕อ๐", "๘๗.๔" as "ส๕๓.๕", so years, percentages
and document numbers are lost. For every word Tesseract read as mostly Thai digits, the
word's ink is cut into glyphs at blank columns and each glyph is matched against the
digits of the Thai fonts installed on the server (fontconfig, `:lang=th`); the word is
replaced only when every glyph matches well, otherwise Tesseract's reading stays.
"""
import re
import subprocess
from functools import lru_cache

import numpy as np

DIGITS = "๐๑๒๓๔๕๖๗๘๙"
TESSERACT_DIGITS = "๐๑๒๓๕"  # the only Thai digits in the tha model's character set
HINT_MARGIN = 0.1
GRID = 20  # glyphs are compared as GRID × GRID squares (aspect kept, centred)
MIN_SCORE = 0.55  # below this correlation a glyph is not taken for a digit
ASPECT_WEIGHT = 0.5
TEMPLATE_SIZES = (40, 70)  # pixel sizes the fonts' digits are drawn at
THAI_DIGIT = re.compile("[๐-๙]")
NOT_MARK = re.compile("[^\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")
SEPARATORS = ".,/-"


def looks_like_thai_number(word: str) -> bool:
    """Tesseract's reading of a Thai number: Thai digits, separators and the letters it
    puts for the digits it lacks ("๒๕อ๐"), mostly digits."""
    letters = NOT_MARK.findall(word)
    digits = len(THAI_DIGIT.findall(word))
    return digits >= 1 and digits + sum(c in SEPARATORS for c in letters) >= 0.6 * len(letters)


@lru_cache(maxsize=1)
def thai_fonts() -> tuple[str, ...]:
    """Regular Thai fonts fontconfig knows (fonts-tlwg-*; an administrator may add more)."""
    try:
        listed = subprocess.run(["fc-list", ":lang=th:style=Regular", "file"], capture_output=True,
                                text=True, timeout=30).stdout
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return ()
    return tuple(sorted({line.rstrip(": ").strip() for line in listed.splitlines() if line.strip()}))


def _square(ink: np.ndarray) -> tuple[np.ndarray, float] | None:
    """A glyph's ink as a unit vector on the grid, and its width / height."""
    rows, cols = np.nonzero(ink)
    if len(rows) == 0:
        return None
    ink = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    height, width = ink.shape
    side = max(height, width)
    square = np.zeros((side, side), dtype=np.uint8)
    top, left = (side - height) // 2, (side - width) // 2
    square[top:top + height, left:left + width] = ink
    from PIL import Image

    cells = np.asarray(Image.fromarray(square * 255).convert("L").resize((GRID, GRID), Image.BOX),
                       dtype=np.float32) / 255
    cells -= cells.mean()
    norm = float(np.linalg.norm(cells))
    return (cells.ravel() / norm if norm else cells.ravel()), width / height


@lru_cache(maxsize=1)
def _templates() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per font: the digits' labels, unit vectors and aspects, drawn at two sizes."""
    from PIL import Image, ImageDraw, ImageFont

    fonts = []
    for path in thai_fonts():
        labels, vectors, aspects = [], [], []
        for size in TEMPLATE_SIZES:
            try:
                font = ImageFont.truetype(path, size)
            except OSError:
                break
            for digit in DIGITS:
                canvas = Image.new("L", (3 * size, 3 * size), 0)
                ImageDraw.Draw(canvas).text((size // 2, size // 2), digit, fill=255, font=font)
                found = _square(np.asarray(canvas) > 127)
                if found:
                    labels.append(digit)
                    vectors.append(found[0])
                    aspects.append(found[1])
        if len(labels) == len(DIGITS) * len(TEMPLATE_SIZES):
            fonts.append((np.array(labels), np.stack(vectors), np.array(aspects)))
    return fonts


def classify(pieces: list[np.ndarray], hint: str = "") -> tuple[str, float]:
    """The digits a word's glyphs look most like, read in the one font that fits the whole
    word best (a number is printed in one font; across fonts ๔/๕ and ๘/๙ look alike), and
    the worst glyph's score (about -1 to 1). Where `hint` (Tesseract's reading, glyph for
    glyph) has a digit its model knows that scores almost as well, the hint wins."""
    found = [_square(piece) for piece in pieces]
    if not pieces or any(f is None for f in found):
        return "", -1.0
    best = ("", -1.0, -np.inf)
    for labels, vectors, aspects in _templates():
        scores = np.stack([vectors @ vector - ASPECT_WEIGHT * np.abs(np.log(aspect / aspects))
                           for vector, aspect in found])
        chosen = scores.argmax(axis=1)
        if len(hint) == len(found):
            for position, digit in enumerate(hint):
                if digit in TESSERACT_DIGITS:
                    same = np.nonzero(labels == digit)[0]
                    alternative = same[np.argmax(scores[position, same])]
                    if scores[position, alternative] >= scores[position, chosen[position]] - HINT_MARGIN:
                        chosen[position] = alternative
        fit = scores[np.arange(len(found)), chosen]
        if fit.sum() > best[2]:
            best = ("".join(labels[chosen]), float(fit.min()), float(fit.sum()))
    return best[0], best[1]


def _spans(columns: np.ndarray) -> list[tuple[int, int]]:
    spans, start = [], None
    for x, inked in enumerate(list(columns) + [False]):
        if inked and start is None:
            start = x
        elif not inked and start is not None:
            spans.append((start, x))
            start = None
    return spans


def _glyph_spans(ink: np.ndarray) -> list[tuple[int, int]]:
    """Columns of each glyph: runs of inked columns, where a gap of one or two columns
    (a thin stroke lost to the threshold) joins its neighbours and a run far wider than a
    digit (glyphs that touch) is cut at its faintest columns."""
    rows = np.nonzero(ink.any(axis=1))[0]
    height = rows.max() - rows.min() + 1 if len(rows) else 0
    spans: list[tuple[int, int]] = []
    for left, right in _spans(ink.any(axis=0)):
        if spans and left - spans[-1][1] <= max(2, height // 25):
            spans[-1] = (spans[-1][0], right)
        else:
            spans.append((left, right))
    cut = []
    column_ink = ink.sum(axis=0)
    for left, right in spans:
        pieces = round((right - left) / (0.95 * height)) if height else 1
        if pieces < 2:
            cut.append((left, right))
            continue
        width = (right - left) / pieces
        edges = [left]
        for number in range(1, pieces):  # the faintest column near each even cut
            around = int(left + number * width)
            lo, hi = around - int(width / 4), around + int(width / 4) + 1
            edges.append(lo + int(np.argmin(column_ink[lo:hi])))
        edges.append(right)
        cut += list(zip(edges[:-1], edges[1:]))
    return cut


def despeckle(ink: np.ndarray) -> np.ndarray:
    """Ink pixels with fewer than 3 inked neighbours go (scanner dust, JPEG noise)."""
    padded = np.pad(ink, 1).astype(np.uint8)
    neighbours = sum(np.roll(np.roll(padded, dy, 0), dx, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)) - padded
    return ink & (neighbours[1:-1, 1:-1] >= 3)


def read_number(ink: np.ndarray, hint: str = "") -> str | None:
    """A Thai number from the ink of one word (True = ink), or None when a glyph is not
    clearly a digit or a separator; `hint` is Tesseract's reading of the word."""
    ink = despeckle(ink)
    glyphs = []
    for left, right in _glyph_spans(ink):
        rows = np.nonzero(ink[:, left:right].any(axis=1))[0]
        glyphs.append((left, right, rows.min(), rows.max() + 1))
    height = max((bottom - top for _, _, top, bottom in glyphs), default=0)
    if not height:
        return None
    baseline = max(bottom for _, _, _, bottom in glyphs)
    out, pieces = [], []  # separators as characters, digits as None until classified
    for left, right, top, bottom in glyphs:
        piece = ink[top:bottom, left:right]
        if piece.sum() < max(3, 0.002 * height * height):  # a speck of dust
            continue
        if bottom - top < 0.45 * height:  # small: a separator, told by where it sits
            tall = (bottom - top) > 1.4 * (right - left)
            if baseline - bottom < 0.2 * height:
                out.append("," if tall else ".")
            elif (right - left) > (bottom - top):
                out.append("-")
            else:
                return None
            continue
        out.append(None)
        pieces.append(piece)
    digits, score = classify(pieces, "".join(THAI_DIGIT.findall(hint)))
    if score < MIN_SCORE:
        return None
    read = iter(digits)
    out = [c if c is not None else next(read) for c in out]
    text = "".join(out).strip(".,-")
    return text if THAI_DIGIT.search(text) else None
