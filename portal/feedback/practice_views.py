"""Good practice: the lead proposes on the published feedback, the agency answers, and
every signed-in user reads the agreed ones in the library: that sub-item's answers,
statements and evidence from the judged submission, and nothing else of the agency."""
from urllib.parse import quote

from flask import abort, current_app, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import cycles
from portal.access import agency_or_404, feedback_reader_or_404
from portal.actions import act
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.feedback import bp, practices
from portal.feedback.views import TEMPLATE, context
from portal.fragments import render
from portal.models import FileVersion
from portal.reports.content import from_snapshot


def _back_to_feedback(agency_id: int, code: str) -> str:
    return url_for("feedback.page", agency_id=agency_id) + f"#sub-item-{code}"


@bp.post("/agencies/<int:agency_id>/good-practices")
def mark_practice(agency_id: int):
    cycle = cycles.current_cycle()
    agency, assignment = feedback_reader_or_404(agency_id, cycle)
    code, reason = (request.form.get("code") or "").strip()[:20], request.form.get("reason", "")
    return act(lambda: practices.mark(agency, cycle, code, reason, current_user),
               f"เสนอหัวข้อ {code} เป็นแนวปฏิบัติที่ดีแล้ว รอส่วนราชการตอบรับ",
               show=lambda _t, _p: render(TEMPLATE, "content", **context(agency, cycle, assignment)),
               # The reason as typed stays in the sub-item's open form, the message under it.
               form=lambda refusal: render(TEMPLATE, "content", status=refusal.status, **context(
                   agency, cycle, assignment, practice_state={"code": code, "reason": reason,
                                                              "error": refusal.message})),
               full_page=True,
               back=_back_to_feedback(agency.id, code))


@bp.post("/agencies/<int:agency_id>/good-practices/<int:practice_id>/<any(agree, decline):decision>")
def answer_practice(agency_id: int, practice_id: int, decision: str):
    cycle = cycles.current_cycle()
    agency = agency_or_404(agency_id)
    practice = practices.practice_of_agency_or_404(agency, practice_id)
    message = ("ยินยอมให้เผยแพร่เป็นแนวปฏิบัติที่ดีแล้ว ทุกส่วนราชการอ่านหัวข้อนี้ได้" if decision == "agree"
               else "ไม่ยินยอมให้เผยแพร่หัวข้อนี้แล้ว")
    return act(lambda: practices.answer(practice, decision == "agree", current_user), message,
               show=lambda _t, _p: render(TEMPLATE, "content", **context(
                   agency, cycle, feedback_reader_or_404(agency.id, cycle)[1])),
               back=_back_to_feedback(agency.id, practice.code))


@bp.get("/good-practices")
def library():
    query, category = (request.args.get("q") or "").strip()[:200], request.args.get("category") or ""
    return render("feedback/practices.html", "results", found=practices.library(query, category),
                  query=query, category=category, categories=practices.categories())


@bp.get("/good-practices/<int:practice_id>")
def practice(practice_id: int):
    chosen = practices.agreed_or_404(practice_id)
    content = from_snapshot(chosen.submission.snapshot, draft=False, submission=chosen.submission)
    sub = next((s for c in content.categories for s in c.sub_items if s.code == chosen.code), None)
    if sub is None:
        abort(404)
    return render("feedback/practice.html", "content", practice=chosen, s=sub, r=content, web=True,
                  openable=practices.openable_ids(chosen))


@bp.get("/good-practices/<int:practice_id>/evidence/<int:evidence_id>")
def practice_evidence(practice_id: int, evidence_id: int):
    """The file as it was submitted (the snapshot's version), for that sub-item only."""
    chosen = practices.agreed_or_404(practice_id)
    entry = practices.evidence_entry_or_404(chosen, evidence_id)
    if entry["kind"] != "file":
        abort(404)
    version = db.session.scalar(select(FileVersion).where(
        FileVersion.evidence_id == evidence_id, FileVersion.number == entry["file"]["version"]))
    path = BlobStore(current_app.config["UPLOAD_DIR"]).path_for(entry["file"]["sha256"])
    if version is None or not path.is_file():
        abort(404, description="ไม่พบไฟล์ในที่จัดเก็บ กรุณาแจ้งผู้ดูแลระบบ")
    response = send_file(path, mimetype=version.mime, conditional=True, max_age=0)
    name = entry["file"]["original_name"]
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"evidence-{evidence_id}\"; filename*=UTF-8''{quote(name, safe='')}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
