"""The one place that decides who sees which agency and who may do what.

Another agency's object answers 404 (no hint that it exists); a role that lacks the right
answers 403. Views call these helpers instead of checking grants themselves.
"""
from functools import wraps
from typing import NoReturn

from flask import abort, g
from flask_login import current_user
from sqlalchemy import Select, select

from portal.extensions import db
from portal.models import Agency, AssessmentAssignment, AssessmentCycle, User

ALL_AGENCY_ROLES = ("admin", "assessor")
FORBIDDEN = "บัญชีของท่านไม่มีสิทธิ์ทำรายการนี้"


def _user(user: User | None) -> User:
    return user if user is not None else current_user


def visible_agency_ids(user: User | None = None) -> set[int] | None:
    """Agencies the user may read; None means every agency."""
    user = _user(user)
    if not user.is_authenticated:
        return set()
    if any(user.has_role(role) for role in ALL_AGENCY_ROLES):
        return None
    return {g.agency_id for g in user.grants if g.agency_id is not None}


def own_agencies(user: User | None = None) -> list[Agency]:
    """The agencies whose staff the user is (editor, viewer or signer), by code: where the
    criteria pages lead them back to their own workspace."""
    user = _user(user)
    if not user.is_authenticated:
        return []
    ids = {g.agency_id for g in user.grants if g.agency_id is not None and g.role.startswith("agency_")}
    return sorted((a for a in (db.session.get(Agency, i) for i in ids) if a is not None and a.active),
                  key=lambda a: a.code)


def can_see_agency(agency_id: int, user: User | None = None) -> bool:
    ids = visible_agency_ids(user)
    return ids is None or agency_id in ids


def can_edit_agency(agency_id: int, user: User | None = None) -> bool:
    """Only the agency's own editors change its evidence and metrics."""
    user = _user(user)
    return user.is_authenticated and any(
        g.role == "agency_editor" and g.agency_id == agency_id for g in user.grants
    )


def can_sign(agency_id: int, user: User | None = None) -> bool:
    """The agency's signer submits its self-assessment; signing alone edits nothing."""
    user = _user(user)
    return user.is_authenticated and any(
        g.role == "agency_signer" and g.agency_id == agency_id for g in user.grants
    )


def scope_to_visible_agencies(statement: Select, agency_column, user: User | None = None) -> Select:
    """Filter a query on agency data to what the user may see, inside the query itself."""
    ids = visible_agency_ids(user)
    if ids is None:
        return statement
    return statement.where(agency_column.in_(ids))


def hidden(object_type: str, object_id: int, agency_id: int | None) -> NoReturn:
    """Another agency's object: answer 404 as if it did not exist, and mark the refusal
    so the audit trail records the attempt (portal/audit.py)."""
    g.hidden_object = {"object_type": object_type, "object_id": object_id, "agency_id": agency_id}
    abort(404)


def agency_or_404(agency_id: int, user: User | None = None) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404)
    if not can_see_agency(agency.id, user):
        hidden("agency", agency.id, agency.id)
    return agency


def require_roles(*roles: str):
    """403 unless the signed-in user holds one of the roles."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not any(current_user.has_role(role) for role in roles):
                abort(403, description=FORBIDDEN)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def assessment_assignment(agency_id: int, cycle_id: int, user: User | None = None) -> AssessmentAssignment | None:
    """The user's place on the agency's assessment team of the cycle, if any."""
    user = _user(user)
    if not user.is_authenticated or not user.has_role("assessor"):
        return None
    return db.session.scalar(select(AssessmentAssignment).where(
        AssessmentAssignment.agency_id == agency_id, AssessmentAssignment.cycle_id == cycle_id,
        AssessmentAssignment.assessor_id == user.id))


def assessment_team_or_404(agency_id: int, cycle: AssessmentCycle, user: User | None = None,
                           lead: bool = False) -> tuple[Agency, AssessmentAssignment]:
    """Only the agency's assigned assessors judge it (404 for anyone else, as if the
    assessment did not exist); the lead alone agrees the consensus and publishes (403)."""
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404)
    assignment = assessment_assignment(agency.id, cycle.id, user)
    if assignment is None:
        hidden("assessment", agency.id, agency.id)
    if lead and not assignment.is_lead:
        abort(403, description="เฉพาะหัวหน้าทีมผู้ประเมินทำรายการนี้ได้")
    return agency, assignment


def can_read_feedback(agency_id: int, cycle: AssessmentCycle, user: User | None = None) -> bool:
    """Who reads an agency's assessment feedback: its own staff and reviewer, its
    assessment team, admins; not an assessor on other agencies' teams."""
    user = _user(user)
    return user.is_authenticated and (
        any(g.agency_id == agency_id for g in user.grants) or user.has_role("admin")
        or assessment_assignment(agency_id, cycle.id, user) is not None)


def feedback_reader_or_404(agency_id: int, cycle: AssessmentCycle, user: User | None = None
                           ) -> tuple[Agency, AssessmentAssignment | None]:
    """The agency, and the reader's place on its team if any (404 for anyone else, as for
    the team's own pages)."""
    user = _user(user)
    agency = agency_or_404(agency_id, user)
    if not can_read_feedback(agency.id, cycle, user):
        hidden("assessment", agency.id, agency.id)
    return agency, assessment_assignment(agency.id, cycle.id, user)


def can_answer_for_agency(agency_id: int, user: User | None = None) -> bool:
    """The agency's editor or signer: agrees to share a good practice, on its behalf."""
    return can_edit_agency(agency_id, user) or can_sign(agency_id, user)
