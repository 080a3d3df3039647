"""The self-assessment report: the draft from live data (marked "ฉบับร่าง") and each
submission's report from its stored snapshot, as PDF, DOCX and as the page assessors and
reviewers read in the portal. The transaction ends before rendering (no transaction
across slow work)."""
from io import BytesIO

from flask import send_file

from portal import cycles
from portal.access import agency_or_404
from portal.database import end_transaction
from portal.fragments import render
from portal.reports import bp
from portal.reports.cache import MIMETYPES, RENDERING, cached
from portal.reports.content import draft, submitted
from portal.reports.docx import render_docx
from portal.reports.pdf import render_pdf
from portal.submissions.queries import submission_or_404

FORMATS = {
    "pdf": (render_pdf, MIMETYPES["pdf"]),
    "docx": (render_docx, MIMETYPES["docx"]),
}


def _send(data: bytes, file_format: str, name: str):
    return send_file(BytesIO(data), as_attachment=True, mimetype=FORMATS[file_format][1],
                     download_name=f"{name}.{file_format}")


@bp.get("/agencies/<int:agency_id>/self-assessment.<any(pdf, docx):file_format>")
def download(agency_id: int, file_format: str):
    agency = agency_or_404(agency_id)
    cycle = cycles.current_cycle()
    content = draft(agency, cycle)
    end_transaction(keep_loaded=True)
    return _send(FORMATS[file_format][0](content), file_format,
                 f"pmqa-self-assessment-{agency.code}-{cycle.fiscal_year}-draft")


@bp.get("/agencies/<int:agency_id>/submissions/<int:submission_id>/report.<any(pdf, docx):file_format>")
def submitted_download(agency_id: int, submission_id: int, file_format: str):
    agency = agency_or_404(agency_id)
    submission = submission_or_404(agency, submission_id)
    content = submitted(submission)
    end_transaction(keep_loaded=True)
    data = cached(f"{submission.manifest_sha256}-{RENDERING}.{file_format}",
                   lambda: FORMATS[file_format][0](content))
    return _send(data, file_format, f"pmqa-self-assessment-{agency.code}-{content.fiscal_year}"
                                    f"-submission-{submission.number}")


@bp.get("/agencies/<int:agency_id>/submissions/<int:submission_id>/report")
def submitted_page(agency_id: int, submission_id: int):
    """What the agency sent, as sent: assessors and reviewers read this, not live data that
    may have changed after a reopening. Evidence opens at the version the snapshot froze."""
    agency = agency_or_404(agency_id)
    submission = submission_or_404(agency, submission_id)
    return render("reports/submitted.html", "content", agency=agency, submission=submission,
                  r=submitted(submission), web=True)
