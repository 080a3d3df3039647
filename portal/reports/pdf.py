"""The report as PDF: the print template rendered by WeasyPrint, whose HarfBuzz shaping
places Thai marks correctly (reportlab's does not), with the vendored Sarabun font."""
from pathlib import Path

from flask import current_app, render_template

from portal.reports.content import ReportContent


def render_pdf(content: ReportContent, submitted_at=None) -> bytes:
    from weasyprint import HTML  # loads Pango: only when a PDF is asked for

    fonts = (Path(current_app.static_folder) / "vendor" / "sarabun").as_uri()
    html = render_template("reports/self_assessment.html", r=content, fonts=fonts, submitted_at=submitted_at)
    return HTML(string=html, base_url=current_app.static_folder).write_pdf()
