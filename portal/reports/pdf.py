"""The report as PDF: the print template rendered by WeasyPrint, whose HarfBuzz shaping
places Thai marks correctly (reportlab's does not), with the vendored Sarabun font."""
import re
from datetime import datetime
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


# HarfBuzz splits SARA AM into NIKHAHIT + SARA AA inside one cluster, and WeasyPrint maps each
# glyph to the text of the first cluster it drew: after "น้ำ" the glyph of า read "้ำ" in
# the text layer, so "บริหาร" was copied and searched as "บริห้ำร". Writing the decomposition
# HarfBuzz would make (nikhahit before the tone mark) draws the very same glyphs, each its
# own cluster, so every า reads า; ำ reads "ํา" (its compatibility decomposition), which the
# portal's own repair takes for ำ when a report comes back as evidence (marks.py,
# decomposed_sara_am).
SARA_AM = re.compile("([\u0e48-\u0e4b]?)\u0e33")


def as_drawn(html: str) -> str:
    return SARA_AM.sub("\u0e4d\\1\u0e32", html)


def printed(template: str, **context) -> bytes:
    """A print template (one extending reports/_print.html) rendered to PDF."""
    HTML = _weasyprint_html()

    fonts = (Path(current_app.static_folder) / "vendor" / "sarabun").as_uri()
    html = render_template(template, fonts=fonts, web=False, **context)
    return HTML(string=as_drawn(html), base_url=current_app.static_folder).write_pdf()


def render_pdf(content: ReportContent) -> bytes:
    return printed("reports/self_assessment.html", r=content)


def render_feedback_pdf(feedback: dict) -> bytes:
    """The published feedback (portal/assessment/publication.py), same page and fonts."""
    published = feedback.get("published_at")
    return printed("reports/feedback.html", f=feedback,
                   published_at=datetime.fromisoformat(published) if published else None)
