"""Submitting an agency's self-assessment and reopening it: check the right, freeze the
snapshot, audit. Views call these and commit; a refusal is Refused with a Thai message."""
from sqlalchemy import func, select

from portal import audit, cycles
from portal.access import can_sign
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, Submission, User
from portal.models.user import utcnow
from portal.submissions import snapshot
from portal.submissions.lock import lock_agency, open_submission
from portal.text import clean_text

FORBIDDEN_SUBMIT = "เฉพาะผู้มีอำนาจลงนาม (หัวหน้าส่วนราชการ) ของส่วนราชการนี้เท่านั้นที่ส่งรายงานได้"
FORBIDDEN_REOPEN = "เฉพาะผู้ประเมินหรือผู้ดูแลระบบเท่านั้นที่เปิดให้แก้ไขรายงานที่ส่งแล้วได้"
NOT_CONFIRMED = "กรุณาทำเครื่องหมายรับรองความถูกต้องของรายงานก่อนส่ง"
ALREADY_SUBMITTED = "ส่งรายงานของรอบการประเมินนี้ไปแล้ว หากต้องแก้ไข ผู้ประเมินหรือผู้ดูแลระบบต้องเปิดให้แก้ไขก่อน"
ALREADY_REOPENED = "รายงานฉบับนี้ถูกเปิดให้แก้ไขไปแล้ว"
REOPEN_ROLES = ("assessor", "admin")
MAX_REASON = 2000


def can_reopen(user: User) -> bool:
    return any(user.has_role(role) for role in REOPEN_ROLES)


def submit(agency: Agency, user: User, confirmed: bool) -> Submission:
    """Freeze the agency's current cycle as submission n+1; its work is read-only after it."""
    if not can_sign(agency.id, user):
        raise Refused(403, FORBIDDEN_SUBMIT)
    if not confirmed:
        raise Refused(422, NOT_CONFIRMED, field="confirm")
    cycle = cycles.current_cycle()
    lock_agency(agency.id)  # no change of the agency lands between the snapshot and the commit
    if open_submission(agency.id, cycle.id) is not None:
        raise Refused(409, ALREADY_SUBMITTED)
    number = (db.session.scalar(select(func.max(Submission.number)).where(
        Submission.agency_id == agency.id, Submission.cycle_id == cycle.id)) or 0) + 1
    at = utcnow().replace(microsecond=0)  # the snapshot writes whole seconds
    frozen = snapshot.build(agency, cycle, number, user, at)
    submission = Submission(agency_id=agency.id, cycle_id=cycle.id, number=number, submitted_by_id=user.id,
                            submitted_at=at, late=frozen["submission"]["late"],
                            manifest_sha256=snapshot.manifest(frozen), snapshot=frozen)
    db.session.add(submission)
    db.session.flush()
    audit.record("submission_made", actor=user, object_type="submission", object_id=submission.id,
                 agency_id=agency.id, fiscal_year=cycle.fiscal_year, number=number,
                 manifest_sha256=submission.manifest_sha256, late=submission.late)
    return submission


def reopen(submission: Submission, user: User, reason: str) -> Submission:
    """Give the agency its cycle back for changes; the snapshot itself stays as it was."""
    if not can_reopen(user):
        raise Refused(403, FORBIDDEN_REOPEN)
    reason = clean_text(reason, "เหตุผลที่เปิดให้แก้ไข", limit=MAX_REASON, required=True, field="reason")
    if not submission.is_open:
        raise Refused(409, ALREADY_REOPENED)
    submission.reopened_at, submission.reopened_by_id, submission.reopen_reason = utcnow(), user.id, reason
    audit.record("submission_reopened", actor=user, object_type="submission", object_id=submission.id,
                 agency_id=submission.agency_id, number=submission.number, reason=reason,
                 manifest_sha256=submission.manifest_sha256)
    return submission
