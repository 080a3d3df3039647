"""Downloads of the self-assessment report. Built from live data for now, so marked
"ฉบับร่าง"; the transaction ends before rendering (no transaction across slow work)."""
from io import BytesIO

from flask import send_file

from portal import cycles
from portal.access import agency_or_404
from portal.database import end_transaction
from portal.reports import bp
from portal.reports.content import build
from portal.reports.docx import render_docx
from portal.reports.pdf import render_pdf

FORMATS = {
    "pdf": (render_pdf, "application/pdf"),
    "docx": (render_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


@bp.get("/agencies/<int:agency_id>/self-assessment.<any(pdf, docx):file_format>")
def download(agency_id: int, file_format: str):
    agency = agency_or_404(agency_id)
    cycle = cycles.current_cycle()
    content = build(agency, cycle)
    end_transaction(keep_loaded=True)
    render, mimetype = FORMATS[file_format]
    return send_file(BytesIO(render(content)), as_attachment=True, mimetype=mimetype,
                     download_name=f"pmqa-self-assessment-{agency.code}-{cycle.fiscal_year}-draft.{file_format}")
