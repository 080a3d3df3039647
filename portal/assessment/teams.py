"""Assessment teams: an administrator puts assessors on an agency's team for a cycle and
names one of them the lead. The admin page and `flask assessment …` both change teams
here, so they check and audit alike. Functions raise Refused with a Thai message; the
caller commits."""
from flask import has_request_context
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.orm import contains_eager

from portal import audit
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, RoleGrant, User
from portal.models.assessment import AssessmentAssignment, Judgement

NOT_AN_ASSESSOR = "ผู้ใช้ที่เลือกไม่ใช่ผู้ประเมินที่ใช้งานอยู่ (ต้องมีบทบาทผู้ประเมินและบัญชีไม่ถูกระงับ)"
CHOOSE_ASSESSOR = "กรุณาเลือกผู้ประเมิน"


def assessor_accounts() -> list[User]:
    """Who may join a team: active accounts holding the assessor role."""
    return list(db.session.scalars(
        select(User).where(User.active, User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == "assessor")))
        .order_by(User.display_name)))


def _check_assessor(user: User | None) -> User:
    if user is None or not user.active or not user.has_role("assessor"):
        raise Refused(422, NOT_AN_ASSESSOR)
    return user


def team(agency: Agency, cycle: AssessmentCycle) -> list[AssessmentAssignment]:
    """Lead first, then by name."""
    return list(db.session.scalars(
        select(AssessmentAssignment).join(User, User.id == AssessmentAssignment.assessor_id)
        .where(AssessmentAssignment.agency_id == agency.id, AssessmentAssignment.cycle_id == cycle.id)
        .order_by(AssessmentAssignment.is_lead.desc(), User.display_name)))


def _details(agency: Agency, cycle: AssessmentCycle, user: User, acting_user: User | None) -> dict:
    details = {"agency_code": agency.code, "fiscal_year": cycle.fiscal_year, "assessor": user.username}
    if acting_user is None and not (has_request_context() and current_user.is_authenticated):
        details["via"] = "cli"  # `flask assessment …` has no signed-in actor
    return details


def assign(agency: Agency, cycle: AssessmentCycle, user: User | None, lead: bool = False,
           acting_user: User | None = None) -> AssessmentAssignment:
    """Put an assessor on the team (already on it: nothing to add, only the lead may change)."""
    user = _check_assessor(user)
    if not agency.active:
        raise Refused(422, f"ส่วนราชการ {agency.code} ปิดใช้งานอยู่")
    assignment = db.session.scalar(select(AssessmentAssignment).where(
        AssessmentAssignment.agency_id == agency.id, AssessmentAssignment.cycle_id == cycle.id,
        AssessmentAssignment.assessor_id == user.id))
    if assignment is None:
        assignment = AssessmentAssignment(agency_id=agency.id, cycle_id=cycle.id, assessor_id=user.id,
                                          assigned_by_id=acting_user.id if acting_user else None)
        db.session.add(assignment)
        db.session.flush()
        audit.record("assessor_assigned", actor=acting_user, object_type="assessment_assignment",
                     object_id=assignment.id, agency_id=agency.id, **_details(agency, cycle, user, acting_user))
    elif not lead:
        raise Refused(422, f"{user.display_name} อยู่ในทีมของ {agency.code} แล้ว")
    if lead and not assignment.is_lead:
        make_lead(assignment, acting_user)
    return assignment


def make_lead(assignment: AssessmentAssignment, acting_user: User | None = None) -> None:
    """The previous lead steps down in the same transaction; the database's one-lead index
    stays the last word if two admins do this at once."""
    previous = db.session.scalar(select(AssessmentAssignment).where(
        AssessmentAssignment.agency_id == assignment.agency_id,
        AssessmentAssignment.cycle_id == assignment.cycle_id, AssessmentAssignment.is_lead))
    if previous is not None and previous.id == assignment.id:
        return
    # Demote first and flush, so the index never sees two leads.
    db.session.execute(update(AssessmentAssignment).where(
        AssessmentAssignment.agency_id == assignment.agency_id,
        AssessmentAssignment.cycle_id == assignment.cycle_id, AssessmentAssignment.is_lead)
        .values(is_lead=False).execution_options(synchronize_session="fetch"))
    assignment.is_lead = True
    db.session.flush()
    audit.record("assessment_lead_set", actor=acting_user, object_type="assessment_assignment",
                 object_id=assignment.id, agency_id=assignment.agency_id,
                 previous_lead=previous.assessor.username if previous else None,
                 **_details(assignment.agency, assignment.cycle, assignment.assessor, acting_user))


def judgement_count(assignment: AssessmentAssignment) -> int:
    return db.session.scalar(select(func.count(Judgement.id)).where(
        Judgement.agency_id == assignment.agency_id, Judgement.cycle_id == assignment.cycle_id,
        Judgement.assessor_id == assignment.assessor_id)) or 0


def needs_confirmation(count: int) -> str:
    return (f"ผู้ประเมินนี้บันทึกผลการประเมินของส่วนราชการนี้ไว้แล้ว {count} รายการ "
            "หากนำออกจากทีม ผลการประเมินเหล่านี้ (รวมจุดแข็งและโอกาสในการปรับปรุงที่เขียนไว้) จะถูกลบด้วย "
            "กด “ยืนยันนำออกและลบผลการประเมิน” หากต้องการดำเนินการต่อ")


def remove(assignment: AssessmentAssignment, confirmed: bool = False, acting_user: User | None = None) -> int:
    """Take an assessor off the team. Their own judgements go with them (the model keeps none
    of a removed assessor), so when there are any the caller must confirm first (409 until
    then); the consensus rows, written by the lead, stay. Returns the judgements deleted."""
    count = judgement_count(assignment)
    if count and not confirmed:
        raise Refused(409, needs_confirmation(count))
    if count:
        ids = select(Judgement.id).where(
            Judgement.agency_id == assignment.agency_id, Judgement.cycle_id == assignment.cycle_id,
            Judgement.assessor_id == assignment.assessor_id)
        for judgement in db.session.scalars(select(Judgement).where(Judgement.id.in_(ids))):
            db.session.delete(judgement)  # through the ORM: its findings go with it
    audit.record("assessor_removed", actor=acting_user, object_type="assessment_assignment",
                 object_id=assignment.id, agency_id=assignment.agency_id, was_lead=assignment.is_lead,
                 judgements_deleted=count,
                 **_details(assignment.agency, assignment.cycle, assignment.assessor, acting_user))
    db.session.delete(assignment)
    db.session.flush()
    return count


def teams_by_agency(cycle: AssessmentCycle,
                    agency_ids: list[int] | None = None) -> dict[int, list[AssessmentAssignment]]:
    """agency id → its team (lead first), in one query for a page of agencies."""
    statement = (select(AssessmentAssignment).join(AssessmentAssignment.assessor)
                 .options(contains_eager(AssessmentAssignment.assessor))
                 .where(AssessmentAssignment.cycle_id == cycle.id)
                 .order_by(AssessmentAssignment.is_lead.desc(), User.display_name))
    if agency_ids is not None:
        statement = statement.where(AssessmentAssignment.agency_id.in_(agency_ids))
    teams: dict[int, list[AssessmentAssignment]] = {}
    for assignment in db.session.scalars(statement):
        teams.setdefault(assignment.agency_id, []).append(assignment)
    return teams

