"""Real Thai documents of every accepted type, made on the spot for tests and benchmarks."""
import subprocess
from functools import lru_cache
from pathlib import Path

SENTENCES = [
    "การบริหารจัดการภาครัฐตามเกณฑ์ PMQA 4.0",
    "ผู้บริหารกำหนดทิศทางและยุทธศาสตร์ขององค์การ",
    "ตัวชี้วัด KPI ผลการดำเนินงานร้อยละ 95",
]
FONT_FOLDERS = [Path("/usr/share/fonts/truetype/tlwg"), Path("/usr/share/fonts/opentype/tlwg")]


@lru_cache(maxsize=1)
def thai_font() -> str:
    """A Thai TTF from Debian's fonts-tlwg-*-ttf (Loma or Garuda preferred), found at run time."""
    for name in ("Loma.ttf", "Garuda.ttf", "Waree.ttf", "Norasi.ttf"):
        for folder in FONT_FOLDERS:
            if (folder / name).is_file():
                return str(folder / name)
    found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=th"], capture_output=True, text=True).stdout
    if found.endswith(".ttf"):
        return found
    raise RuntimeError("no Thai TrueType font: apt-get install fonts-tlwg-loma-ttf")


def __getattr__(name: str):  # THAI_FONT kept for older callers, resolved lazily
    if name == "THAI_FONT":
        return thai_font()
    raise AttributeError(name)


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "ThaiFont" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("ThaiFont", thai_font()))
    return "ThaiFont"


def pdf(path: Path, pages: list[str]) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = _register_font()
    sheet = canvas.Canvas(str(path), pagesize=A4)
    room = A4[0] - 2 * 60
    for text in pages:
        for row, line in enumerate(text.split("\n")):
            # A long line in smaller type rather than past the page edge, where no reader sees it.
            sheet.setFont(font, min(16.0, 16.0 * room / max(stringWidth(line, font, 16), 1)))
            sheet.drawString(60, 780 - row * 24, line)
        sheet.showPage()
    sheet.save()
    return path


def pdf_with_actual_text(path: Path, before: str, drawn: str, actual: str, after: str) -> Path:
    """A line whose middle glyphs carry /ActualText, as LibreOffice and Word write Thai
    mark variants and split sara am: the glyphs say `drawn`, the text is `actual`."""
    from reportlab.pdfgen import canvas

    font = _register_font()
    sheet = canvas.Canvas(str(path))
    line = sheet.beginText(60, 780)
    line.setFont(font, 16)
    line.textOut(before)
    line._code.append("/Span <</ActualText <FEFF%s>>> BDC" % actual.encode("utf-16-be").hex().upper())
    line.textOut(drawn)
    line._code.append("EMC")
    line.textOut(after)
    sheet.drawText(line)
    sheet.save()
    return path


def image(path: Path, text: str, noise: bool = True, rotate: float = 0.0, transparent: bool = False) -> Path:
    """A scanned-looking page: Thai text in the Thai TTF, grey speckles, slight rotation."""
    import random

    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(thai_font(), 44)
    lines = text.split("\n")
    canvas = Image.new("LA" if transparent else "L", (1700, 140 + 90 * len(lines)), (255, 0) if transparent else 255)
    draw = ImageDraw.Draw(canvas)
    for row, line in enumerate(lines):
        draw.text((60, 60 + row * 90), line, fill=(0, 255) if transparent else 0, font=font)
    if noise and not transparent:  # a scanned look: grey speckles
        rng = random.Random(7)
        for _ in range(1500):
            canvas.putpixel((rng.randrange(canvas.width), rng.randrange(canvas.height)), 170)
    if rotate:
        canvas = canvas.rotate(rotate, expand=True, fillcolor=255, resample=Image.BICUBIC)
    canvas.save(path)
    return path


def sideways_photo(path: Path, text: str) -> Path:
    """A JPEG stored sideways with EXIF orientation 6, as phones save document photos."""
    from PIL import Image

    upright = Image.open(image(path.with_suffix(".png"), text, noise=False)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    upright.rotate(90, expand=True).save(path, "JPEG", quality=90, exif=exif)
    return path


def scanned_pdf(path: Path, text: str | list[str], tmp: Path) -> Path:
    """A PDF of page images only (no text layer), one page per text."""
    from PIL import Image

    texts = [text] if isinstance(text, str) else text
    pictures = [Image.open(image(tmp / f"scan{i}.png", t)).convert("RGB") for i, t in enumerate(texts)]
    pictures[0].save(path, "PDF", resolution=150, save_all=True, append_images=pictures[1:])
    return path


def docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx as python_docx

    document = python_docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(path)
    return path


def xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def pptx(path: Path, slides: list[str], notes: list[str] | None = None) -> Path:
    from pptx import Presentation

    deck = Presentation()
    for number, text in enumerate(slides):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = text.split("\n")[0]
        slide.placeholders[1].text = "\n".join(text.split("\n")[1:]) or text
        if notes and number < len(notes):
            slide.notes_slide.notes_text_frame.text = notes[number]
    deck.save(path)
    return path


def odt(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    """Written by odfpy, which stores runs of spaces as <text:s/> as LibreOffice does."""
    from odf import teletype
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    document = OpenDocumentText()
    for number, text in enumerate(paragraphs):
        block = H(outlinelevel=1) if number == 0 else P()
        teletype.addTextToElement(block, text)
        document.text.addElement(block)
    if table:
        grid = Table(name="ตาราง1")
        grid.addElement(TableColumn(numbercolumnsrepeated=len(table[0])))
        for row in table:
            line = TableRow()
            for value in row:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
                line.addElement(cell)
            grid.addElement(line)
        document.text.addElement(grid)
    document.save(str(path))
    return path


def ods(path: Path, name: str, rows: list[list], sheets: dict[str, list[list]] | None = None) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    for title, content in ({name: rows} | (sheets or {})).items():
        table = Table(name=title)
        for row in content:
            line = TableRow()
            for value in row:
                if isinstance(value, (int, float)):
                    cell = TableCell(valuetype="float", value=value)
                else:
                    cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(value)))
                line.addElement(cell)
            table.addElement(line)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path

