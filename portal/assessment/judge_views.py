"""An assessor's own judging: the agencies assigned in the current cycle, one agency's
workspace (what is judged, what is still unscored), and the page judging one sub-item or
category beside the submitted material. Only the agency's assigned assessors reach these
pages; anyone else gets 404, as if the assessment did not exist (portal.access)."""
from flask import request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal import cycles, versions
from portal.access import assessment_team_or_404, require_roles
from portal.actions import act
from portal.assessment import bp
from portal.assessment import judging as ops
from portal.assessment.material import material
from portal.errors import Refused
from portal.extensions import db
from portal.fragments import render, wants_fragment
from portal.models import AssessmentAssignment, Judgement
from portal.models.assessment import FINDING_KINDS, FINDING_LABELS, JUDGED_LEVELS
from portal.models.user import aware
from portal.reports.content import from_snapshot
from portal.submissions.queries import latest_of
from portal.thai.dates import BANGKOK

TEMPLATE = "assessment/judge.html"
LIVE = "ยังไม่ได้ส่งรายงาน — กำลังดูข้อมูลปัจจุบัน"


def saved_at(judgement: Judgement | None) -> str | None:
    if judgement is None or judgement.updated_at is None:
        return None
    return aware(judgement.updated_at).astimezone(BANGKOK).strftime("%H:%M")


def editor_rows(judgement: Judgement | None, typed: list[ops.TypedFinding] | None = None,
                add: str | None = None, delete: int | None = None) -> list[dict]:
    """The findings editor's rows: what was typed (after a refusal) or what is saved, then
    one empty row per kind to write the next one in."""
    if typed is None:
        typed = [ops.TypedFinding(f.id, f.kind, f.text, [f"{r['type']}:{r['ref']}" for r in f.refs])
                 for f in (judgement.findings if judgement else [])]
    rows = [r for r in typed if r.n != delete or not r.n]
    rows = [r for r in rows if r.id is not None or r.text.strip()]
    if add in FINDING_KINDS:
        rows.append(ops.TypedFinding(None, add, "", []))
    for kind in FINDING_KINDS:
        if not any(r.kind == kind and r.id is None and not r.text.strip() for r in rows):
            rows.append(ops.TypedFinding(None, kind, "", []))
    ordered = sorted(rows, key=lambda r: FINDING_KINDS.index(r.kind) if r.kind in FINDING_KINDS else 9)
    # "sent": the row's number in the form that was refused, which a refusal's field names.
    return [{"n": n, "id": r.id, "kind": r.kind, "text": r.text, "refs": set(r.refs), "sent": r.n}
            for n, r in enumerate(ordered, start=1)]


def form_context(judgement: Judgement | None, refs: ops.Refs, *, url: str, readonly: bool,
                 private: bool, typed: dict | None = None, rows: list[dict] | None = None, **extra) -> dict:
    """What the one findings-and-level form shows, for a member's judgement or the consensus."""
    return {"form_url": url, "judgement": judgement, "refs": refs, "readonly": readonly, "private": private,
            "rows": rows if rows is not None else editor_rows(judgement),
            "chosen_level": typed["level"] if typed else (judgement.level if judgement else None),
            "note_text": typed["note"] if typed and typed.get("note") is not None
            else (judgement.private_note if judgement else ""),
            "version": judgement.version if judgement else 0, "saved_at": saved_at(judgement),
            "JUDGED_LEVELS": JUDGED_LEVELS, "FINDING_KINDS": FINDING_KINDS, "FINDING_LABELS": FINDING_LABELS,
            "REF_TYPES": ops.REF_TYPES, "message": None, "error": None, "error_field": None, "oob": False,
            "new_ids": {},
            "readonly_text": READONLY, **extra}


def new_ids(rows: list[ops.TypedFinding], judgement: Judgement | None) -> dict[int, int]:
    """The form's row number → the id of the finding its autosave created, so the page
    learns the id without the rows being replaced under the assessor's cursor."""
    if judgement is None:
        return {}
    sent = {r.id for r in rows if r.id is not None}
    created = sorted((f.id for f in judgement.findings if f.id not in sent))
    fresh = [r.n for r in rows if r.id is None and r.text.strip()]
    return dict(zip(fresh, created))


READONLY = "ทีมยืนยันฉันทามติแล้ว จึงแก้ไขไม่ได้ (อ่านอย่างเดียว)"


def status_answer(template: str, judgement: Judgement | None, *, status: int = 200, error: str | None = None,
                  version: int | None = None, readonly: bool = False, new_ids: dict | None = None):
    """An autosave's answer: only the status line, the version and new findings' ids (out of
    band), so the save costs no rendering of the material and replaces nothing typed."""
    return render(template, "saved", status=status, error=error, readonly=readonly, readonly_text=READONLY,
                  version=version if version is not None else (judgement.version if judgement else 0),
                  saved_at=saved_at(judgement), oob=True, new_ids=new_ids or {})


def refused_version(refusal: Refused, judgement: Judgement | None, done: bool, form) -> int | None:
    """After a 409 the form carries the version saved since, so saving again overwrites it
    knowingly; while the consensus is done, or on any other refusal, the version it had."""
    if refusal.status == 409 and judgement is not None and not done:
        return judgement.version
    return versions.submitted(form)


@bp.get("/")
@require_roles("assessor")
def index():
    cycle = cycles.current_cycle()
    assignments = list(db.session.scalars(
        select(AssessmentAssignment).where(AssessmentAssignment.assessor_id == current_user.id,
                                           AssessmentAssignment.cycle_id == cycle.id)))
    total = len(ops.scopes(cycles.criteria_edition(cycle)))
    judged = dict(db.session.execute(
        select(Judgement.agency_id, func.count()).where(Judgement.assessor_id == current_user.id,
                                                        Judgement.cycle_id == cycle.id, Judgement.level.is_not(None))
        .group_by(Judgement.agency_id)).all())
    rows = []
    for assignment in sorted(assignments, key=lambda a: a.agency.name):
        state = ops.state_of(assignment.agency_id, cycle.id)
        rows.append({"assignment": assignment, "agency": assignment.agency, "judged": judged.get(assignment.agency_id, 0),
                     "submission": latest_of(assignment.agency_id, cycle.id), "state": state})
    return render("assessment/index.html", "content", cycle=cycle, rows=rows, total=total)


@bp.get("/agencies/<int:agency_id>")
def workspace(agency_id: int):
    cycle = cycles.current_cycle()
    agency, assignment = assessment_team_or_404(agency_id, cycle)
    seen = material(agency, cycle)
    mine = ops.judgements(agency.id, cycle.id, current_user.id)
    scopes = ops.scopes(cycles.criteria_edition(cycle))
    unscored = [s for s in scopes if mine.get(s.code) is None or mine[s.code].level is None]
    return render("assessment/workspace.html", "content", agency=agency, cycle=cycle, assignment=assignment,
                  material=seen, suggested=seen.suggested_levels(), scopes=scopes, mine=mine, unscored=unscored,
                  state=ops.state_of(agency.id, cycle.id), live_text=LIVE)


def _judge_context(agency, cycle, assignment, scope, seen=None, **extra) -> dict:
    seen = seen or material(agency, cycle)
    content = from_snapshot(seen.snapshot, draft=seen.live, submission=seen.submission)
    refs = ops.refs_of(scope, content, seen.snapshot)
    judgement = ops.judgements(agency.id, cycle.id, current_user.id).get(scope.code)
    category = next((c for c in content.categories if c.code == scope.category), None)
    sub = next((s for s in category.sub_items if s.code == scope.code), None) if category else None
    done = ops.consensus_done(agency.id, cycle.id)
    url = url_for("assessment.save_judgement", agency_id=agency.id, code=scope.code)
    form_extra = {k: extra.pop(k) for k in ("typed", "rows", "message", "error", "error_field") if k in extra}
    return {"agency": agency, "cycle": cycle, "assignment": assignment, "scope": scope, "material": seen,
            "r": content, "category": category, "sub": sub, "web": True, "live_text": LIVE,
            "suggestion": seen.suggested_levels().get(scope.code), "consensus_done": done,
            "workspace_url": url_for("assessment.workspace", agency_id=agency.id),
            **form_context(judgement, refs, url=url, readonly=done, private=True, **form_extra), **extra}


@bp.get("/agencies/<int:agency_id>/judge/<code>")
def judge(agency_id: int, code: str):
    cycle = cycles.current_cycle()
    agency, assignment = assessment_team_or_404(agency_id, cycle)
    scope = ops.scope_or_404(cycles.criteria_edition(cycle), code)
    return render(TEMPLATE, "content", **_judge_context(agency, cycle, assignment, scope))


def typed_form() -> dict:
    return {"level": request.form.get("level", ""), "note": request.form.get("note")}


@bp.post("/agencies/<int:agency_id>/judge/<code>")
def save_judgement(agency_id: int, code: str):
    """The autosave (htmx: the status line, the version and new findings' ids swap in out of
    band, so nothing the assessor is typing is replaced), and the add/delete buttons, which
    answer with the whole form."""
    cycle = cycles.current_cycle()
    agency, assignment = assessment_team_or_404(agency_id, cycle)
    scope = ops.scope_or_404(cycles.criteria_edition(cycle), code)
    seen = material(agency, cycle)
    refs = ops.refs_of(scope, from_snapshot(seen.snapshot, draft=seen.live), seen.snapshot)
    typed = ops.typed_findings(request.form)
    add = request.form.get("add")
    delete = request.form.get("delete", type=int)
    rows = [r for r in typed if r.n != delete]
    whole_form = add is not None or delete is not None
    back = url_for("assessment.judge", agency_id=agency.id, code=scope.code)

    def change():
        return ops.save(agency, cycle, scope, current_user, consensus=False, level=request.form.get("level", ""),
                        rows=rows, note=request.form.get("note"), refs=refs,
                        version=versions.submitted(request.form))

    def show(message, judgement):
        if not whole_form:
            return status_answer(TEMPLATE, judgement, new_ids=new_ids(rows, judgement))
        context = _judge_context(agency, cycle, assignment, scope, seen, message=message,
                                 rows=editor_rows(judgement, add=add))
        return render(TEMPLATE, "form", **context)

    def refused(refusal: Refused):
        if not whole_form and wants_fragment():
            judgement = ops.judgements(agency.id, cycle.id, current_user.id).get(scope.code)
            done = ops.consensus_done(agency.id, cycle.id)
            return status_answer(TEMPLATE, judgement, status=refusal.status, error=refusal.message,
                                 version=refused_version(refusal, judgement, done, request.form))
        context = _judge_context(agency, cycle, assignment, scope, seen, error=refusal.message,
                                 error_field=refusal.field, typed=typed_form(),
                                 rows=editor_rows(None, typed=typed, add=add, delete=delete))
        if refusal.status == 409:
            context["version"] = refused_version(refusal, context["judgement"], context["consensus_done"], request.form)
        return render(TEMPLATE, "form" if whole_form else "content", status=refusal.status, **context)

    try:
        return act(change, lambda j: "บันทึกแล้ว", back=back, show=show, form=refused, full_page=True)
    except Refused as refusal:
        if not wants_fragment():
            raise
        return refused(refusal)  # every refusal of an autosave belongs on its status line
