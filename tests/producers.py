"""Real Thai text nobody here wrote (PyThaiNLP's corpora) and documents made from it by
other producers — chromium's print to PDF, LibreOffice, a scanner — for the format tests
and bench/pipeline_fidelity_bench.py."""
import subprocess
from functools import lru_cache
from pathlib import Path

from tests.thai_documents import FONT_FOLDERS


THAI_TO_ARABIC = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
ARABIC_TO_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def comparable(text: str) -> str:
    """Text as compared with its ground truth: NFC, every run of whitespace one space, and
    no space between two Thai characters — Thai writes no spaces between words, so a line
    wrapped inside a Thai phrase (chromium, LibreOffice) or a space OCR puts between Thai
    words is not counted as an error, while every letter, mark and digit is."""
    import re
    import unicodedata

    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
    return re.sub(r"(?<=[\u0e01-\u0e5b]) (?=[\u0e01-\u0e5b])", "", text)


def _corpus(name: str) -> list[str]:
    import pythainlp

    path = Path(pythainlp.__file__).parent / "corpus" / name
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def _wikipedia_titles() -> tuple[str, ...]:
    """PyThaiNLP's Thai Wikipedia titles made only of Thai letters (names, places,
    transliterations: many outside any dictionary)."""
    import re

    thai = re.compile(r"[\u0e01-\u0e4e]{3,24}")
    return tuple(t for t in _corpus("wikipedia_titles_th.txt") if thai.fullmatch(t))


def real_lines(seed: int, count: int) -> list[str]:
    """Lines of Wikipedia titles with what memos carry: a person's name (PyThaiNLP's name
    lists), a percentage, a Buddhist-era year, a date or a count, in Thai or Arabic digits."""
    import random

    rng = random.Random(seed)
    titles = _wikipedia_titles()
    given = _corpus("person_names_female_th.txt") + _corpus("person_names_male_th.txt")
    family = _corpus("family_names_th.txt")
    lines = []
    for number in range(count):
        digits = ARABIC_TO_THAI if number % 2 else {}
        extra = [
            lambda: f"KPI ร้อยละ {rng.randint(50, 99)}.{rng.randint(0, 9)}".translate(digits),
            lambda: f"ปี {rng.randint(2560, 2575)}".translate(digits),
            lambda: f"{rng.choice(['นาย', 'นางสาว', 'นาง'])}{rng.choice(given)} {rng.choice(family)}",
            lambda: f"จำนวน {rng.randint(1, 9999):,} คน".translate(digits),
            lambda: f"วันที่ {rng.randint(1, 28)} มีนาคม {rng.randint(2560, 2575)}".translate(digits),
        ][number % 5]()
        parts = rng.sample(titles, rng.randint(2, 3)) + [extra]
        rng.shuffle(parts)
        lines.append(" ".join(parts))
    return lines


def font_file(name: str) -> str:
    path = next((folder / f"{name}.ttf" for folder in FONT_FOLDERS if (folder / f"{name}.ttf").is_file()), None)
    if path is None:
        raise RuntimeError(f"font {name} missing: apt-get install fonts-tlwg-{name.lower()}-ttf")
    return str(path)


def scan(path: Path, lines: list[str], dpi: int = 300, font: str = "Laksaman", points: int = 16) -> list[str]:
    """An A4 page printed in `font` and scanned at `dpi`: grey paper, slight skew, blur
    and dust. Saved as PNG, JPEG or an image-only PDF by the suffix; returns the lines as
    wrapped on the page (the ground truth)."""
    import random

    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    page = Image.new("L", (width, height), 245)
    draw = ImageDraw.Draw(page)
    face = ImageFont.truetype(font_file(font), round(points * dpi / 72))
    wrapped, y = [], dpi
    for line in lines:
        words, current = line.split(" "), ""
        for word in words:
            trial = f"{current} {word}".strip()
            if current and draw.textlength(trial, font=face) > width - 2 * dpi:
                wrapped.append(current)
                current = word
            else:
                current = trial
        wrapped.append(current)
    for line in wrapped:
        draw.text((dpi, y), line, fill=25, font=face)
        y += round(points * dpi / 72 * 1.6)
    page = page.rotate(0.4, resample=Image.BICUBIC, fillcolor=245).filter(ImageFilter.GaussianBlur(0.7 * dpi / 300))
    rng = random.Random(len(wrapped))
    pixels = page.load()
    for _ in range(width * height // 500):  # dust
        pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((110, 190))
    if path.suffix == ".pdf":
        page.save(path, "PDF", resolution=dpi)
    elif path.suffix in (".jpg", ".jpeg"):
        page.save(path, "JPEG", quality=85, dpi=(dpi, dpi))
    else:
        page.save(path, dpi=(dpi, dpi))
    return wrapped


def chromium_pdf(browser, path: Path, paragraphs: list[str], font: str = "Laksaman") -> Path:
    """Printed to PDF by chromium (Playwright's page.pdf), as a user saves a web page."""
    from html import escape

    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    page = browser.new_page()
    try:
        page.set_content(f'<!doctype html><html lang="th"><meta charset="utf-8"><style>body{{font-family:"{font}";'
                         f'font-size:16pt}}</style><body>{body}</body></html>')
        page.pdf(path=str(path), format="A4")
    finally:
        page.close()
    return path


def libreoffice(source: Path, target: str, folder: Path) -> Path:
    """`source` converted by LibreOffice (headless) to `target` ("pdf", "docx", "xlsx", "pptx")."""
    import shutil

    program = shutil.which("soffice") or shutil.which("libreoffice")
    if not program:
        raise RuntimeError("LibreOffice missing: make test-deps installs libreoffice-*-nogui")
    folder.mkdir(parents=True, exist_ok=True)
    profile = folder / "lo-profile"
    subprocess.run([program, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
                    "--outdir", str(folder), str(source)], check=True, capture_output=True, timeout=180)
    made = folder / f"{source.stem}.{target}"
    if not made.is_file():
        raise RuntimeError(f"LibreOffice did not write {made}")
    return made
