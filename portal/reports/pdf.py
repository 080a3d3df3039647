"""The report as PDF: the print template rendered by WeasyPrint, whose HarfBuzz shaping
places Thai marks correctly (reportlab's does not), with the vendored Sarabun font."""
from pathlib import Path

from flask import current_app, render_template

from portal.reports.content import ReportContent


def _weasyprint_html():
    """WeasyPrint, imported when a PDF is first asked for (it loads Pango). Its import sets
    Pillow's process-wide LOAD_TRUNCATED_IMAGES, which would let truncated uploads through
    the file-type check (portal/evidence/filetypes.py) in every process that rendered a
    report: the flag is put back. The report draws no images, so it needs none of it."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = before
    return HTML


def render_pdf(content: ReportContent) -> bytes:
    HTML = _weasyprint_html()

    fonts = (Path(current_app.static_folder) / "vendor" / "sarabun").as_uri()
    html = render_template("reports/self_assessment.html", r=content, fonts=fonts, web=False)
    return HTML(string=html, base_url=current_app.static_folder).write_pdf()
