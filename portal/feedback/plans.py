"""The agency's improvement plan: per published opportunity for improvement, what it will
do, who is responsible, by when (a Buddhist-era date like every date in the portal) and
how far it has got. Only the agency's editors write it; a plan entry keeps its own copy
of the OFI (the feedback is frozen JSON). Entries not done carry into the next cycle
(portal/carryover)."""
from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import select

from portal import audit, versions
from portal.access import can_edit_agency, hidden
from portal.assessment import publication
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, User
from portal.models.assessment import PLAN_STATUS_LABELS, PLAN_STATUSES, ImprovementPlanEntry
from portal.thai.dates import ThaiDateError, format_thai_date, parse_thai_date

FORBIDDEN = "เฉพาะเจ้าหน้าที่ของส่วนราชการนี้ (สิทธิ์แก้ไข) เท่านั้นที่จัดทำแผนปรับปรุงได้"
MAX_TEXT = 2000
TRACKED = ("action", "owner", "due_date", "status")


@dataclass
class PlanForm:
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)


def empty_form() -> PlanForm:
    return PlanForm({"action": "", "owner": "", "due_date": "", "status": "planned"})


def form_of(entry: ImprovementPlanEntry) -> PlanForm:
    return PlanForm({"action": entry.action, "owner": entry.owner, "due_date": format_thai_date(entry.due_date),
                     "status": entry.status})


def _read(data) -> tuple[PlanForm, dict]:
    form = PlanForm({name: (data.get(name) or "").strip() for name in TRACKED})
    if not form.values["status"]:
        form.values["status"] = "planned"
    for name, label in (("action", "สิ่งที่จะดำเนินการ"), ("owner", "ผู้รับผิดชอบ")):
        if not form.values[name]:
            form.errors[name] = f"กรุณากรอก{label}"
        elif len(form.values[name]) > MAX_TEXT:
            form.errors[name] = f"{label}ยาวเกิน {MAX_TEXT} ตัวอักษร"
    due = None
    try:
        due = parse_thai_date(form.values["due_date"])
        if due is None:
            form.errors["due_date"] = "กรุณากรอกกำหนดเสร็จ เช่น 30 ก.ย. 2570 หรือ 30/9/2570"
    except ThaiDateError as error:
        form.errors["due_date"] = str(error)
    if form.values["status"] not in PLAN_STATUSES:
        form.errors["status"] = "กรุณาเลือกสถานะจากรายการ"
    if form.errors:
        raise Refused(422, "ข้อมูลแผนปรับปรุงไม่ถูกต้อง: " + " · ".join(form.errors.values()), form)
    return form, {"action": form.values["action"], "owner": form.values["owner"], "due_date": due,
                  "status": form.values["status"]}


def require_editor(agency_id: int, user: User) -> None:
    if not can_edit_agency(agency_id, user):
        abort(403, description=FORBIDDEN)


def entries_of(agency_id: int, cycle_id: int) -> list[ImprovementPlanEntry]:
    return list(db.session.scalars(select(ImprovementPlanEntry).where(
        ImprovementPlanEntry.agency_id == agency_id, ImprovementPlanEntry.cycle_id == cycle_id)
        .order_by(ImprovementPlanEntry.code, ImprovementPlanEntry.id)))


def entry_or_404(agency: Agency, cycle: AssessmentCycle, entry_id: int) -> ImprovementPlanEntry:
    entry = db.session.get(ImprovementPlanEntry, entry_id)
    if entry is None or entry.cycle_id != cycle.id:
        abort(404)
    if entry.agency_id != agency.id:
        hidden("improvement_plan_entry", entry.id, entry.agency_id)
    return entry


def carried_from_year(entry: ImprovementPlanEntry) -> int | None:
    if entry.carried_from_id is None:
        return None
    source = db.session.get(ImprovementPlanEntry, entry.carried_from_id)
    return source.cycle.fiscal_year if source is not None else None


def _ofi(agency: Agency, cycle: AssessmentCycle, code: str, index: str, form: PlanForm) -> str:
    """The OFI's text from the published feedback (never from the form)."""
    state = publication.published_state(agency.id, cycle.id)
    if state is None:
        abort(404, description="ยังไม่มีผลการประเมินที่เผยแพร่")
    for category in state.feedback["categories"]:
        for entry in (category, *category["sub_items"]):
            if entry["code"] == code and index.isdigit() and int(index) < len(entry["ofis"]):
                return entry["ofis"][int(index)]["text"]
    raise Refused(422, "ไม่พบโอกาสในการปรับปรุงที่เลือกในผลการประเมินที่เผยแพร่", form)


def create(agency: Agency, cycle: AssessmentCycle, data, user: User) -> ImprovementPlanEntry:
    require_editor(agency.id, user)
    code = (data.get("code") or "").strip()
    ofi_text = _ofi(agency, cycle, code, (data.get("ofi") or "").strip(), empty_form())
    form, values = _read(data)
    entry = ImprovementPlanEntry(agency_id=agency.id, cycle_id=cycle.id, code=code, ofi_text=ofi_text,
                                 created_by_id=user.id, **values)
    db.session.add(entry)
    db.session.flush()
    audit.record("improvement_plan_created", actor=user, object_type="improvement_plan_entry",
                 object_id=entry.id, agency_id=agency.id, code=code, due_date=str(values["due_date"]),
                 status=values["status"])
    return entry


def _conflict(entry: ImprovementPlanEntry, user: User, form: PlanForm):
    def refusal() -> Refused:
        db.session.refresh(entry)
        change = versions.last_audited("improvement_plan_entry", entry.id,
                                       ("improvement_plan_created", "improvement_plan_updated"))
        current = [("สิ่งที่จะดำเนินการ", versions.quoted(entry.action)),
                   ("ผู้รับผิดชอบ", versions.quoted(entry.owner)),
                   ("กำหนดเสร็จ", format_thai_date(entry.due_date) or "(ว่าง)"),
                   ("สถานะ", PLAN_STATUS_LABELS[entry.status])]
        form.values["version"] = entry.version
        return versions.conflict("แผนปรับปรุงนี้", current, change, user, form)
    return refusal


def update(entry: ImprovementPlanEntry, data, user: User, version: int) -> ImprovementPlanEntry:
    require_editor(entry.agency_id, user)
    try:
        form, values = _read(data)
    except Refused as refused:
        refused.form.values["version"] = version
        raise
    form.values["version"] = version
    versions.check(entry, version, _conflict(entry, user, form))
    changed = {name: str(value) for name, value in values.items() if getattr(entry, name) != value}
    with versions.saving(_conflict(entry, user, form)):
        for name, value in values.items():
            setattr(entry, name, value)
    if changed:
        audit.record("improvement_plan_updated", actor=user, object_type="improvement_plan_entry",
                     object_id=entry.id, agency_id=entry.agency_id, code=entry.code, **changed)
    return entry


def carry(agency: Agency, source: AssessmentCycle, target: AssessmentCycle, user: User) -> int:
    """Entries of the source cycle not done, copied into the target once each."""
    present = set(db.session.scalars(select(ImprovementPlanEntry.carried_from_id).where(
        ImprovementPlanEntry.agency_id == agency.id, ImprovementPlanEntry.cycle_id == target.id,
        ImprovementPlanEntry.carried_from_id.is_not(None))))
    count = 0
    for entry in entries_of(agency.id, source.id):
        if entry.status == "done" or entry.id in present:
            continue
        db.session.add(ImprovementPlanEntry(
            agency_id=agency.id, cycle_id=target.id, code=entry.code, ofi_text=entry.ofi_text,
            action=entry.action, owner=entry.owner, due_date=entry.due_date, status=entry.status,
            carried_from_id=entry.id, created_by_id=user.id))
        count += 1
    return count
