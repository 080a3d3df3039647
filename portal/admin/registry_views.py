"""Admin pages for agencies (inline edit), assessment cycles and the audit log."""
from datetime import date, datetime, time, timedelta, timezone

from flask import abort, request, url_for
from sqlalchemy import func, select

from flask_login import current_user

from portal import versions
from portal.actions import act
from portal.admin import bp
from portal.admin import operations as ops
from portal.admin.forms import AgencyForm, CycleForm
from portal.audit import ACTION_LABELS
from portal.cycles import all_cycles, configured_edition
from portal.errors import Refused
from portal.evidence import quota
from portal.extensions import db
from portal.forms import place_refusal
from portal.fragments import render
from portal.models import Agency, AssessmentCycle, AuditEvent
from portal.thai.dates import BANGKOK, ThaiDateError, format_thai_date, parse_thai_date

AUDIT_PAGE_SIZE = 50
AGENCY_FORM_INCOMPLETE = "กรุณากรอกรหัสและชื่อส่วนราชการ"


def _agencies_page(form: AgencyForm, status: int = 200, error: str | None = None,
                   message: str | None = None, block: str = "content"):
    agencies = list(db.session.scalars(select(Agency).order_by(Agency.code)))
    return render("admin/agencies.html", block, status=status, agencies=agencies, form=form,
                  error=error, message=message, storage=quota.usages(agencies))


def _agency_or_404(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404)
    return agency


def _row(agency: Agency, editing: bool, status: int = 200, error: str | None = None):
    form = AgencyForm(obj=agency, storage_quota_mb=quota.megabytes_text(agency.storage_quota_bytes)) if editing else None
    return render("admin/_agency_row.html", "row", status=status, agency=agency, editing=editing,
                  form=form, error=error, storage=quota.usages([agency]))


@bp.get("/agencies")
def agencies():
    return _agencies_page(AgencyForm(formdata=None))


@bp.post("/agencies")
def create_agency():
    form = AgencyForm()

    def change():
        if not form.validate():
            raise Refused(422, AGENCY_FORM_INCOMPLETE)
        return ops.create_agency(form.code.data, form.name.data, form.kind.data, form.unit_type.data)

    return act(change, lambda agency: f"สร้างส่วนราชการ {agency.code} แล้ว", full_page=True,
               show=lambda text, _: _agencies_page(AgencyForm(formdata=None), message=text),
               form=lambda refusal: _agencies_page(form, status=refusal.status, error=place_refusal(form, refusal)))


@bp.get("/agencies/<int:agency_id>/edit")
def edit_agency(agency_id: int):
    return _row(_agency_or_404(agency_id), editing=True)


@bp.get("/agencies/<int:agency_id>/row")
def agency_row(agency_id: int):
    return _row(_agency_or_404(agency_id), editing=False)


@bp.post("/agencies/<int:agency_id>")
def update_agency(agency_id: int):
    agency = _agency_or_404(agency_id)
    form = AgencyForm()

    def change():
        if not form.validate():
            raise Refused(422, AGENCY_FORM_INCOMPLETE)
        ops.update_agency(agency, form.code.data, form.name.data, form.kind.data, form.unit_type.data,
                          form.active.data, quota.parse_megabytes(form.storage_quota_mb.data),
                          version=versions.submitted(request.form), acting_user=current_user)

    return act(change, "บันทึกส่วนราชการแล้ว", show=lambda _text, _: _row(agency, editing=False),
               form=lambda refusal: render("admin/_agency_row.html", "row", status=refusal.status,
                                           agency=agency, editing=True, form=form, error=place_refusal(form, refusal),
                                           storage=quota.usages([agency])))


def _cycles_page(form: CycleForm, status: int = 200, error: str | None = None, message: str | None = None,
                 deadline_draft: dict | None = None):
    """`deadline_draft`: a refused deadline (cycle id, the text typed, the reason), shown in its row."""
    return render("admin/cycles.html", "content", status=status, cycles=all_cycles(), form=form,
                  error=error, message=message, deadline_draft=deadline_draft)


@bp.get("/cycles")
def cycles():
    return _cycles_page(CycleForm(formdata=None, criteria_version=configured_edition()))


@bp.post("/cycles")
def create_cycle():
    form = CycleForm()

    def change():
        if not form.validate():
            raise Refused(422, " ".join(e for errors in form.errors.values() for e in errors))
        return ops.create_cycle(form.fiscal_year.data, form.criteria_version.data.strip())

    return act(change, lambda cycle: f"สร้างรอบการประเมินปีงบประมาณ {cycle.fiscal_year} แล้ว",
               full_page=True,
               show=lambda _text, _: _cycles_page(CycleForm(formdata=None, criteria_version=configured_edition())),
               form=lambda refusal: _cycles_page(form, status=refusal.status, error=place_refusal(form, refusal)))


@bp.post("/cycles/<int:cycle_id>/current")
def make_current(cycle_id: int):
    cycle = db.session.get(AssessmentCycle, cycle_id)
    if cycle is None:
        abort(404)
    ops.make_current(cycle)
    db.session.commit()
    return _cycles_page(CycleForm(formdata=None, criteria_version=configured_edition()))


@bp.post("/cycles/<int:cycle_id>/deadline")
def set_deadline(cycle_id: int):
    cycle = db.session.get(AssessmentCycle, cycle_id)
    if cycle is None:
        abort(404)
    raw = request.form.get("deadline", "")[:32]

    def change():
        try:
            deadline = parse_thai_date(raw)
        except ThaiDateError as error:
            raise Refused(422, f"วันกำหนดส่ง: {error}") from None
        ops.set_deadline(cycle, deadline)
        return deadline

    return act(change, lambda deadline: (f"กำหนดส่งรายงานรอบปี {cycle.fiscal_year}: {format_thai_date(deadline)}"
                                         if deadline else f"ยกเลิกวันกำหนดส่งของรอบปี {cycle.fiscal_year} แล้ว"),
               full_page=True, back=url_for("admin.cycles"),
               show=lambda text, _: _cycles_page(CycleForm(formdata=None, criteria_version=configured_edition()),
                                                 message=text),
               form=lambda refusal: _cycles_page(CycleForm(formdata=None, criteria_version=configured_edition()),
                                                 status=refusal.status, deadline_draft={
                                                     "cycle_id": cycle.id, "value": raw, "error": refusal.message}))


def _day(raw: str, errors: dict, name: str) -> date | None:
    """A filter date as Thai users write it (Buddhist era: 1/10/2568, 1 ต.ค. 2568); a bad
    one is told at its field and leaves that bound out."""
    try:
        return parse_thai_date(raw[:32])
    except ThaiDateError as error:
        errors[name] = str(error)
        return None


@bp.get("/audit")
def audit():
    action = request.args.get("action", "")
    username = request.args.get("user", "").strip()[:64]
    agency_id = request.args.get("agency", type=int)
    errors: dict[str, str] = {}
    since = _day(request.args.get("from", ""), errors, "from")
    until = _day(request.args.get("to", ""), errors, "to")
    if since and until and since > until:
        errors["to"] = "วันที่สิ้นสุดต้องไม่ก่อนวันที่เริ่มต้น"
        until = None
    page = max(request.args.get("page", 1, type=int), 1)
    statement = select(AuditEvent)
    if action in ACTION_LABELS:
        statement = statement.where(AuditEvent.action == action)
    if username:
        statement = statement.where(func.lower(AuditEvent.actor_name).contains(username.lower(), autoescape=True))
    if agency_id:
        statement = statement.where(AuditEvent.agency_id == agency_id)
    # Dates are chosen in Bangkok time; events are stored in UTC.
    if since:
        statement = statement.where(AuditEvent.at >= datetime.combine(since, time(), BANGKOK).astimezone(timezone.utc))
    if until:
        statement = statement.where(AuditEvent.at < datetime.combine(until + timedelta(days=1), time(), BANGKOK).astimezone(timezone.utc))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    events = list(db.session.scalars(statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                     .limit(AUDIT_PAGE_SIZE).offset((page - 1) * AUDIT_PAGE_SIZE)))
    agencies = list(db.session.scalars(select(Agency).order_by(Agency.code)))
    filters = {"action": action, "user": username, "agency": agency_id,
               "from": request.args.get("from", ""), "to": request.args.get("to", "")}
    # A bad date answers 422; its message sits at its field (with htmx, swapped there out of band).
    return render("admin/audit.html", "audit_table", status=422 if errors else 200,
                  events=events, total=total, page=page,
                  pages=max((total + AUDIT_PAGE_SIZE - 1) // AUDIT_PAGE_SIZE, 1), filters=filters,
                  agencies=agencies, labels=ACTION_LABELS, errors=errors)
