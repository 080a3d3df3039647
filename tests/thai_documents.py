"""Real Thai documents of every accepted type, made on the spot for tests and benchmarks."""
import zipfile
from pathlib import Path

THAI_FONT = "/usr/share/fonts/truetype/tlwg/Loma.ttf"
SENTENCES = [
    "การบริหารจัดการภาครัฐตามเกณฑ์ PMQA 4.0",
    "ผู้บริหารกำหนดทิศทางและยุทธศาสตร์ขององค์การ",
    "ตัวชี้วัด KPI ผลการดำเนินงานร้อยละ 95",
]


def pdf(path: Path, pages: list[str]) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("Loma", THAI_FONT))
    sheet = canvas.Canvas(str(path), pagesize=A4)
    for text in pages:
        sheet.setFont("Loma", 16)
        for row, line in enumerate(text.split("\n")):
            sheet.drawString(60, 780 - row * 24, line)
        sheet.showPage()
    sheet.save()
    return path


def image(path: Path, text: str, noise: bool = True) -> Path:
    import random

    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(THAI_FONT, 44)
    lines = text.split("\n")
    canvas = Image.new("L", (1700, 140 + 90 * len(lines)), 255)
    draw = ImageDraw.Draw(canvas)
    for row, line in enumerate(lines):
        draw.text((60, 60 + row * 90), line, fill=0, font=font)
    if noise:  # a scanned look: grey speckles
        rng = random.Random(7)
        for _ in range(1500):
            canvas.putpixel((rng.randrange(canvas.width), rng.randrange(canvas.height)), 170)
    canvas.save(path)
    return path


def scanned_pdf(path: Path, text: str, tmp: Path) -> Path:
    from PIL import Image

    picture = image(tmp / "scan.png", text)
    Image.open(picture).convert("RGB").save(path, "PDF", resolution=150)
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


def pptx(path: Path, slides: list[str]) -> Path:
    from pptx import Presentation

    deck = Presentation()
    for text in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = text.split("\n")[0]
        slide.placeholders[1].text = "\n".join(text.split("\n")[1:]) or text
    deck.save(path)
    return path


def _odf(path: Path, mimetype: str, body: str) -> Path:
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2">'
               f"<office:body>{body}</office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # stored first, uncompressed
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def odt(path: Path, paragraphs: list[str]) -> Path:
    body = "<office:text>" + "".join(f"<text:p>{p}</text:p>" for p in paragraphs) + "</office:text>"
    return _odf(path, "application/vnd.oasis.opendocument.text", body)


def ods(path: Path, name: str, rows: list[list[str]]) -> Path:
    cells = "".join("<table:table-row>" + "".join(
        f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>' for v in row)
        + "</table:table-row>" for row in rows)
    body = f'<office:spreadsheet><table:table table:name="{name}">{cells}</table:table></office:spreadsheet>'
    return _odf(path, "application/vnd.oasis.opendocument.spreadsheet", body)
