"""The feedback page, its PDF and DOCX, and the lead's publishing.

Before publication the agency sees nothing (404 with a Thai message); the team sees the
preview of what would be published, marked "ยังไม่เผยแพร่". Downloads exist only for the
published feedback: frozen, so its documents are cached by the feedback's own digest."""
import hashlib
import json
from io import BytesIO

from flask import abort, send_file, url_for
from flask_login import current_user

from portal import cycles
from portal.access import can_answer_for_agency, can_edit_agency, feedback_reader_or_404
from portal.actions import act
from portal.assessment import publication
from portal.database import end_transaction
from portal.feedback import bp, plans, practices
from portal.fragments import render
from portal.models import Agency, AssessmentAssignment, AssessmentCycle
from portal.models.assessment import PLAN_STATUS_LABELS
from portal.reports.cache import MIMETYPES, RENDERING, cached
from portal.reports.docx import render_feedback_docx
from portal.reports.pdf import render_feedback_pdf

NOTHING_PUBLISHED = "ยังไม่มีผลการประเมินที่เผยแพร่"
TEMPLATE = "feedback/page.html"


def context(agency: Agency, cycle: AssessmentCycle, assignment: AssessmentAssignment | None,
            plan_state: dict | None = None, practice_state: dict | None = None) -> dict:
    """The published feedback (or, for the team only, the preview) and what each reader
    may do beside it: the agency's editors plan per OFI, the lead marks good practice,
    the agency's editor or signer answers the lead's proposal. `plan_state`, `practice_state`:
    a refused plan entry or good practice proposal, shown again in its form as typed."""
    state = publication.published_state(agency.id, cycle.id)
    if state is not None:
        feedback, live = state.feedback, False
    elif assignment is not None:
        feedback, live = publication.preview(agency, cycle)
    else:
        abort(404, description=NOTHING_PUBLISHED)
    entries = plans.entries_of(agency.id, cycle.id)
    by_ofi: dict[tuple[str, str], list] = {}
    for entry in entries:
        by_ofi.setdefault((entry.code, entry.ofi_text), []).append(entry)
    return dict(agency=agency, cycle=cycle, f=feedback, state=state, published=state is not None, live=live,
                published_at=publication.published_at(feedback), web=True,
                is_lead=assignment is not None and assignment.is_lead,
                can_plan=state is not None and can_edit_agency(agency.id),
                can_answer=state is not None and can_answer_for_agency(agency.id),
                plans_by_ofi=by_ofi, practices=practices.of_agency(agency.id, cycle.id),
                plan_state=plan_state or {}, practice_state=practice_state or {},
                statuses=PLAN_STATUS_LABELS, empty_plan=plans.empty_form())


@bp.get("/agencies/<int:agency_id>/feedback")
def page(agency_id: int):
    cycle = cycles.current_cycle()
    agency, assignment = feedback_reader_or_404(agency_id, cycle)
    return render(TEMPLATE, "content", **context(agency, cycle, assignment))


@bp.post("/agencies/<int:agency_id>/feedback/publish")
def publish(agency_id: int):
    cycle = cycles.current_cycle()
    agency, _ = feedback_reader_or_404(agency_id, cycle)
    back = url_for("feedback.page", agency_id=agency.id)
    return act(lambda: publication.publish(agency, cycle, current_user),
               "เผยแพร่ผลการประเมินแล้ว ส่วนราชการอ่านได้ตั้งแต่บัดนี้ และผลที่เผยแพร่จะไม่เปลี่ยนแปลง",
               show=lambda _text, _state: render(TEMPLATE, "content", **context(
                   agency, cycle, feedback_reader_or_404(agency.id, cycle)[1])), back=back)


@bp.get("/agencies/<int:agency_id>/feedback.<any(pdf, docx):file_format>")
def download(agency_id: int, file_format: str):
    cycle = cycles.current_cycle()
    agency, _ = feedback_reader_or_404(agency_id, cycle)
    state = publication.published_state(agency.id, cycle.id)
    if state is None:
        abort(404, description=NOTHING_PUBLISHED)
    feedback = state.feedback
    end_transaction(keep_loaded=True)
    digest = hashlib.sha256(json.dumps(feedback, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    make = render_feedback_pdf if file_format == "pdf" else render_feedback_docx
    data = cached(f"feedback-{digest}-{RENDERING}.{file_format}", lambda: make(feedback))
    return send_file(BytesIO(data), as_attachment=True, mimetype=MIMETYPES[file_format],
                     download_name=f"pmqa-feedback-{agency.code}-{cycle.fiscal_year}.{file_format}")
