"""Admin tab "ทีมผู้ประเมิน": per agency of a cycle, its assessment team; add an assessor,
name the lead, take one off. Changes go through portal.assessment.teams (shared with the
CLI); each answers with the agency's row (htmx) or the page (plain form posts)."""
from flask import abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from portal import cycles
from portal.actions import act
from portal.admin import bp
from portal.assessment import teams as ops
from portal.errors import Refused
from portal.extensions import db
from portal.fragments import render, wants_fragment
from portal.models import Agency, AssessmentCycle, User
from portal.models.assessment import AssessmentAssignment

TEAMS_PAGE_SIZE = 50


def _chosen_cycle(raw) -> AssessmentCycle | None:
    """The cycle asked for (by id), or the current one; None while no cycle exists."""
    if raw not in (None, ""):
        cycle = db.session.get(AssessmentCycle, int(raw)) if str(raw).isdigit() else None
        if cycle is None:
            abort(404, description="ไม่พบรอบการประเมินที่เลือก")
        return cycle
    return cycles.current_cycle_or_none() or next(iter(cycles.all_cycles()), None)


def _filters() -> dict:
    return {"q": request.args.get("q", "").strip()[:100], "no_team": request.args.get("no_team") == "1"}


def _agencies(cycle: AssessmentCycle, filters: dict, page: int) -> tuple[list[Agency], int, int]:
    statement = select(Agency).where(Agency.active)
    if filters["q"]:
        pattern = f"%{filters['q'].lower()}%"
        statement = statement.where(or_(func.lower(Agency.code).like(pattern), func.lower(Agency.name).like(pattern)))
    if filters["no_team"]:
        statement = statement.where(~Agency.id.in_(
            select(AssessmentAssignment.agency_id).where(AssessmentAssignment.cycle_id == cycle.id)))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // TEAMS_PAGE_SIZE))
    page = min(max(page, 1), pages)
    agencies = list(db.session.scalars(statement.order_by(Agency.code)
                                       .limit(TEAMS_PAGE_SIZE).offset((page - 1) * TEAMS_PAGE_SIZE)))
    return agencies, total, pages


def _page_context(cycle: AssessmentCycle | None, errors: dict | None = None, message: str | None = None) -> dict:
    filters = _filters()
    page = request.args.get("page", 1, type=int)
    agencies, total, pages = _agencies(cycle, filters, page) if cycle else ([], 0, 1)
    return {"cycle": cycle, "cycles": cycles.all_cycles(), "agencies": agencies, "total": total,
            "page": min(max(page, 1), pages), "pages": pages, "filters": filters,
            "teams": ops.teams_by_agency(cycle, [a.id for a in agencies]) if cycle else {},
            "assessors": ops.assessor_accounts(), "errors": errors or {}, "message": message}


@bp.get("/assessment-teams")
def assessment_teams():
    cycle = _chosen_cycle(request.args.get("cycle"))
    return render("admin/teams.html", "agency_list", **_page_context(cycle))


def _agency_or_404(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404)
    return agency


def _assessor(raw: str | None) -> User | None:
    if not raw:
        raise Refused(422, ops.CHOOSE_ASSESSOR)
    return db.session.get(User, int(raw)) if raw.isdigit() else None


def _assignment(agency: Agency, cycle: AssessmentCycle, raw: str | None) -> AssessmentAssignment:
    assignment = db.session.scalar(select(AssessmentAssignment).where(
        AssessmentAssignment.agency_id == agency.id, AssessmentAssignment.cycle_id == cycle.id,
        AssessmentAssignment.assessor_id == (int(raw) if raw and raw.isdigit() else -1)))
    if assignment is None:
        raise Refused(422, "ผู้ประเมินที่เลือกไม่ได้อยู่ในทีมของส่วนราชการนี้")
    return assignment


def _answer(agency: Agency, cycle: AssessmentCycle, change, message):
    """Run a team change; show the agency's row (htmx) or go back to the page, and on a
    refusal show the message at the row's form keeping what was chosen."""
    back = url_for("admin.assessment_teams", cycle=cycle.id, q=request.args.get("q") or None,
                   page=request.args.get("page") or None)

    def row(error: dict | None = None, text: str | None = None, status: int = 200):
        context = {"agency": agency, "cycle": cycle, "team": ops.team(agency, cycle),
                   "assessors": ops.assessor_accounts(), "error": error, "message": text}
        if wants_fragment():
            return render("admin/_team_row.html", "row", status=status, **context)
        page = _page_context(cycle, errors={agency.id: error} if error else None)
        return render_template("admin/teams.html", **page), status

    def refused(refusal: Refused):
        return row({"message": refusal.message, "status": refusal.status,
                    "assessor_id": request.form.get("assessor_id", ""), "lead": bool(request.form.get("lead")),
                    "action": request.endpoint}, status=refusal.status)

    return act(change, message, show=lambda text, _: row(text=text), back=back, form=refused, full_page=True)


def _cycle_from_form() -> AssessmentCycle:
    cycle = _chosen_cycle(request.form.get("cycle_id"))
    if cycle is None:
        abort(409, description=cycles.NO_CURRENT_CYCLE)
    return cycle


@bp.post("/assessment-teams/<int:agency_id>/assessors")
def add_assessor(agency_id: int):
    agency, cycle = _agency_or_404(agency_id), _cycle_from_form()

    def change():
        return ops.assign(agency, cycle, _assessor(request.form.get("assessor_id")),
                          lead=bool(request.form.get("lead")), acting_user=current_user)

    return _answer(agency, cycle, change, lambda a: f"เพิ่ม {a.assessor.display_name} ในทีมของ {agency.code} แล้ว"
                   + (" (หัวหน้าทีม)" if a.is_lead else ""))


@bp.post("/assessment-teams/<int:agency_id>/lead")
def set_team_lead(agency_id: int):
    agency, cycle = _agency_or_404(agency_id), _cycle_from_form()

    def change():
        assignment = _assignment(agency, cycle, request.form.get("assessor_id"))
        ops.make_lead(assignment, acting_user=current_user)
        return assignment

    return _answer(agency, cycle, change, lambda a: f"ตั้ง {a.assessor.display_name} เป็นหัวหน้าทีมแล้ว")


@bp.post("/assessment-teams/<int:agency_id>/remove")
def remove_assessor(agency_id: int):
    agency, cycle = _agency_or_404(agency_id), _cycle_from_form()

    def change():
        assignment = _assignment(agency, cycle, request.form.get("assessor_id"))
        name = assignment.assessor.display_name
        deleted = ops.remove(assignment, confirmed=request.form.get("confirm") == "1", acting_user=current_user)
        return name, deleted

    return _answer(agency, cycle, change, lambda done: f"นำ {done[0]} ออกจากทีมแล้ว"
                   + (f" และลบผลการประเมินของผู้นี้ {done[1]} รายการ" if done[1] else ""))
