"""Read-only after submission: the one check every change to an agency's work in a cycle
makes first (evidence, answers, statements, category 7), in portal/evidence, answers and
results operations. Review work is not the agency's report and is not checked."""
from flask import g
from sqlalchemy import select

from portal.access import can_edit_agency
from portal.cycles import current_cycle_or_none
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, Submission

LOCKED = "ส่งรายงานการประเมินแล้ว แก้ไขไม่ได้จนกว่าผู้ประเมินหรือผู้ดูแลระบบจะเปิดให้แก้ไข"


def open_submission(agency_id: int, cycle_id: int) -> Submission | None:
    return db.session.scalar(select(Submission).where(
        Submission.agency_id == agency_id, Submission.cycle_id == cycle_id, Submission.reopened_at.is_(None)))


def lock_agency(agency_id: int) -> None:
    """Hold the agency's row until the commit (PostgreSQL; SQLite has one writer anyway), so
    a change and a submission of the same agency never pass their checks side by side: the
    snapshot always holds every change made before it, and none is made after it."""
    db.session.scalar(select(Agency.id).where(Agency.id == agency_id).with_for_update())


def require_open(agency_id: int, cycle_id: int) -> None:
    """403 while the agency's work of the cycle is submitted and not reopened."""
    lock_agency(agency_id)
    if open_submission(agency_id, cycle_id) is not None:
        raise Refused(403, LOCKED)


def is_locked(agency_id: int, cycle_id: int) -> bool:
    return open_submission(agency_id, cycle_id) is not None


def editable(agency_id: int) -> bool:
    """For pages: the agency's editors see edit controls, except while the current cycle's
    work is submitted; then they see it read-only, as a viewer does (the writes themselves
    answer 403 through require_open). Asked once per request and agency: a workspace
    renders a panel per item."""
    if not can_edit_agency(agency_id):
        return False
    known = g.setdefault("work_editable", {})
    if agency_id not in known:
        cycle = current_cycle_or_none()
        known[agency_id] = cycle is None or not is_locked(agency_id, cycle.id)
    return known[agency_id]


def require_editable(agency_id: int) -> None:
    """For the requests that only hand out an edit form (the attach picker, a metric's edit
    row), after the editor check: a page opened before the submission gets no form whose
    save would be refused."""
    if not editable(agency_id):
        raise Refused(403, LOCKED)
