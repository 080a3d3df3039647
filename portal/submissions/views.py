"""Submission pages: the summary with the signer's confirmation, the receipt of each
submission (its frozen snapshot, printable), reopening, and two submissions compared.
Everyone who may see the agency reads them; operations decide who may act."""
from datetime import date

from flask import Response, request, url_for
from flask_login import current_user

from portal import cycles
from portal.access import agency_or_404, can_sign
from portal.actions import act
from portal.fragments import render
from portal.models import Agency, Submission
from portal.models.user import utcnow
from portal.submissions import bp, snapshot
from portal.submissions import operations as ops
from portal.submissions.compare import differences
from portal.submissions.lock import open_submission
from portal.submissions.queries import figures, previous_of, submission_or_404, submissions_of

CONFIRMATION = "ข้าพเจ้าได้ตรวจสอบและรับรองความถูกต้องของรายงานการประเมินตนเอง"


def _summary(agency: Agency, status: int = 200, error: str | None = None, error_field: str | None = None):
    """`error_field`: the input the refusal is about (the confirmation box), which shows it."""
    cycle = cycles.current_cycle()
    history = submissions_of(agency.id, cycle.id)
    now = utcnow()
    # The live figures come from the very function that freezes them, so what the signer
    # reviews is what the snapshot will hold.
    live = snapshot.build(agency, cycle, (history[0].number if history else 0) + 1, current_user, now)
    return render("submissions/summary.html", "content", status=status, agency=agency, cycle=cycle,
                  figures=figures(live), history=history, current=open_submission(agency.id, cycle.id),
                  late=snapshot.is_late(cycle, now), can_sign=can_sign(agency.id), error=error,
                  error_field=error_field, confirmation=CONFIRMATION)


@bp.get("/agencies/<int:agency_id>/submission")
def summary(agency_id: int):
    return _summary(agency_or_404(agency_id))


@bp.post("/agencies/<int:agency_id>/submission")
def submit(agency_id: int):
    agency = agency_or_404(agency_id)
    confirmed = request.form.get("confirm") == "1"
    return act(lambda: ops.submit(agency, current_user, confirmed),
               lambda s: f"ส่งรายงานแล้ว (ครั้งที่ {s.number}) รหัสตรวจสอบ {s.manifest_sha256}",
               show=lambda text, s: _receipt(agency, s, message=text),
               back=lambda s: url_for("submissions.receipt", agency_id=agency.id, submission_id=s.id),
               form=lambda refusal: _summary(agency, status=refusal.status, error=refusal.message,
                                             error_field=refusal.field),
               full_page=True)


def _receipt(agency: Agency, submission: Submission, status: int = 200, error: str | None = None,
             message: str | None = None, reason: str = "", error_field: str | None = None):
    frozen = submission.snapshot
    deadline = frozen["cycle"]["deadline"]
    return render("submissions/receipt.html", "content", status=status, agency=agency, submission=submission,
                  frozen=frozen, deadline=date.fromisoformat(deadline) if deadline else None, figures=figures(frozen), can_reopen=ops.can_reopen(current_user),
                  previous=previous_of(submission), error=error, message=message, reason=reason,
                  error_field=error_field)


@bp.get("/agencies/<int:agency_id>/submissions/<int:submission_id>")
def receipt(agency_id: int, submission_id: int):
    agency = agency_or_404(agency_id)
    return _receipt(agency, submission_or_404(agency, submission_id))


@bp.get("/agencies/<int:agency_id>/submissions/<int:submission_id>/snapshot.json")
def snapshot_json(agency_id: int, submission_id: int):
    """The canonical bytes: their SHA-256 is the manifest hash on the receipt."""
    agency = agency_or_404(agency_id)
    submission = submission_or_404(agency, submission_id)
    name = f"pmqa-{agency.code}-{submission.snapshot['cycle']['fiscal_year']}-submission-{submission.number}.json"
    return Response(snapshot.canonical(submission.snapshot), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/agencies/<int:agency_id>/submissions/<int:submission_id>/reopen")
def reopen(agency_id: int, submission_id: int):
    agency = agency_or_404(agency_id)
    submission = submission_or_404(agency, submission_id)
    reason = request.form.get("reason", "")
    return act(lambda: ops.reopen(submission, current_user, reason),
               "เปิดให้ส่วนราชการแก้ไขรายงานแล้ว สำเนาที่ส่งไว้ยังคงเดิม",
               show=lambda text, s: _receipt(agency, s, message=text),
               back=url_for("submissions.receipt", agency_id=agency.id, submission_id=submission.id),
               form=lambda refusal: _receipt(agency, submission, status=refusal.status, error=refusal.message,
                                             reason=reason, error_field=refusal.field),
               full_page=True)


@bp.get("/agencies/<int:agency_id>/submissions/<int:submission_id>/compare")
def compare(agency_id: int, submission_id: int):
    """This submission against an earlier one (?with=id; the one before it by default)."""
    agency = agency_or_404(agency_id)
    newer = submission_or_404(agency, submission_id)
    other_id = request.args.get("with", type=int)
    older = submission_or_404(agency, other_id) if other_id else previous_of(newer)
    changes = differences(older.snapshot, newer.snapshot) if older is not None else None
    return render("submissions/compare.html", "content", agency=agency, newer=newer, older=older,
                  changes=changes, choices=submissions_of(agency.id, newer.cycle_id))
