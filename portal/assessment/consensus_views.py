"""The lead's consensus: every member's levels and findings side by side with where they
differ, the team's level and findings per sub-item and category (taken from members',
merged, edited, written anew), and marking the consensus done or reopening it. The lead
alone (403 for the other members, 404 for anyone off the team). Members' private notes
never reach these pages."""
from flask import request, url_for
from flask_login import current_user

from portal import cycles, versions
from portal.access import assessment_team_or_404
from portal.actions import act
from portal.assessment import bp
from portal.assessment import judging as ops
from portal.assessment.consensus import Opinion, differences
from portal.assessment.judge_views import (LIVE, editor_rows, form_context, new_ids, refused_version, status_answer,
                                           typed_form)
from portal.assessment.material import material
from portal.errors import Refused
from portal.fragments import render, wants_fragment
from portal.reports.content import from_snapshot

TEMPLATE = "assessment/consensus_code.html"


def _opinions(everyone: dict, code: str, members: list[int]) -> dict[int, Opinion]:
    return {m: Opinion(everyone[(code, m)].level, tuple((f.kind, f.text) for f in everyone[(code, m)].findings))
            for m in members if (code, m) in everyone}


@bp.get("/agencies/<int:agency_id>/consensus")
def consensus(agency_id: int):
    cycle = cycles.current_cycle()
    agency, _ = assessment_team_or_404(agency_id, cycle, lead=True)
    return render("assessment/consensus.html", "content", **_overview(agency, cycle))


def _overview(agency, cycle, **extra) -> dict:
    members = ops.team(agency.id, cycle.id)
    ids = [a.assessor_id for a in members]
    everyone = ops.judgements(agency.id, cycle.id, everyone=True)
    scopes = ops.scopes(cycles.criteria_edition(cycle))
    rows = [{"scope": s, "diff": differences(ids, _opinions(everyone, s.code, ids)),
             "consensus": everyone.get((s.code, None))} for s in scopes]
    state = ops.state_of(agency.id, cycle.id)
    return {"agency": agency, "cycle": cycle, "members": members, "rows": rows, "state": state,
            "done": state is not None and state.consensus_done_at is not None,
            "missing": [r["scope"] for r in rows if r["consensus"] is None or r["consensus"].level is None],
            "material": material(agency, cycle), "live_text": LIVE, "error": None, **extra}


def _code_context(agency, cycle, scope, seen=None, **extra) -> dict:
    seen = seen or material(agency, cycle)
    refs = ops.refs_of(scope, from_snapshot(seen.snapshot, draft=seen.live), seen.snapshot)
    members = ops.team(agency.id, cycle.id)
    ids = [a.assessor_id for a in members]
    everyone = ops.judgements(agency.id, cycle.id, everyone=True)
    agreed = everyone.get((scope.code, None))
    done = ops.consensus_done(agency.id, cycle.id)
    diff = differences(ids, _opinions(everyone, scope.code, ids))
    lone = {(f.assessor_id, f.kind, f.text) for f in diff.lone_findings}
    columns = [{"member": a, "judgement": everyone.get((scope.code, a.assessor_id))} for a in members]
    url = url_for("assessment.save_consensus", agency_id=agency.id, code=scope.code)
    form_extra = {k: extra.pop(k) for k in ("typed", "rows", "message", "error", "error_field") if k in extra}
    return {"agency": agency, "cycle": cycle, "scope": scope, "material": seen, "live_text": LIVE,
            "columns": columns, "diff": diff, "lone": lone, "done": done, "take_error": None,
            "suggestion": seen.suggested_levels().get(scope.code), "ref_label": ops.ref_label,
            "taken": {f.source_finding_id for f in agreed.findings} if agreed else set(),
            **form_context(agreed, refs, url=url, readonly=done, private=False, **form_extra), **extra}


def _scope(agency_id: int, code: str):
    cycle = cycles.current_cycle()
    agency, _ = assessment_team_or_404(agency_id, cycle, lead=True)
    return agency, cycle, ops.scope_or_404(cycles.criteria_edition(cycle), code)


@bp.get("/agencies/<int:agency_id>/consensus/<code>")
def consensus_code(agency_id: int, code: str):
    agency, cycle, scope = _scope(agency_id, code)
    return render(TEMPLATE, "content", **_code_context(agency, cycle, scope))


@bp.post("/agencies/<int:agency_id>/consensus/<code>")
def save_consensus(agency_id: int, code: str):
    """The team's level and findings; autosaved like a member's judgement."""
    agency, cycle, scope = _scope(agency_id, code)
    seen = material(agency, cycle)
    refs = ops.refs_of(scope, from_snapshot(seen.snapshot, draft=seen.live), seen.snapshot)
    typed = ops.typed_findings(request.form)
    add, delete = request.form.get("add"), request.form.get("delete", type=int)
    rows = [r for r in typed if r.n != delete]
    whole_form = add is not None or delete is not None

    def change():
        return ops.save(agency, cycle, scope, current_user, consensus=True, level=request.form.get("level", ""),
                        rows=rows, note=None, refs=refs, version=versions.submitted(request.form))

    def show(message, judgement):
        if not whole_form:
            return status_answer(TEMPLATE, judgement, new_ids=new_ids(rows, judgement))
        return render(TEMPLATE, "form", **_code_context(agency, cycle, scope, seen, message=message,
                                                        rows=editor_rows(judgement, add=add)))

    def refused(refusal: Refused):
        if not whole_form and wants_fragment():
            judgement = ops.judgements(agency.id, cycle.id).get(scope.code)
            done = ops.consensus_done(agency.id, cycle.id)
            return status_answer(TEMPLATE, judgement, status=refusal.status, error=refusal.message,
                                 version=refused_version(refusal, judgement, done, request.form))
        context = _code_context(agency, cycle, scope, seen, error=refusal.message, error_field=refusal.field,
                                typed=typed_form(),
                                rows=editor_rows(None, typed=typed, add=add, delete=delete))
        if refusal.status == 409:
            context["version"] = refused_version(refusal, context["judgement"], context["done"], request.form)
        return render(TEMPLATE, "form" if whole_form else "content", status=refusal.status, **context)

    back = url_for("assessment.consensus_code", agency_id=agency.id, code=scope.code)
    try:
        return act(change, "บันทึกแล้ว", back=back, show=show, form=refused, full_page=True)
    except Refused as refusal:
        if not wants_fragment():
            raise
        return refused(refusal)


@bp.post("/agencies/<int:agency_id>/consensus/<code>/take")
def take_findings(agency_id: int, code: str):
    """One member's finding into the consensus ("take"), or the ticked ones merged into one.
    Adding never overwrites what the lead wrote, so no version is asked for."""
    agency, cycle, scope = _scope(agency_id, code)
    raw = [request.form.get("take")] if request.form.get("take") else request.form.getlist("finding_id")
    ids = [int(v) for v in raw if v and v.isdigit() and len(v) < 10]
    back = url_for("assessment.consensus_code", agency_id=agency.id, code=scope.code)
    return act(lambda: ops.take(agency, cycle, scope, current_user, ids, None),
               lambda _: "นำข้อค้นพบเข้าฉันทามติแล้ว" if len(ids) == 1 else f"รวม {len(ids)} ข้อเป็นข้อเดียวในฉันทามติแล้ว",
               back=back, full_page=True,
               show=lambda message, _: render(TEMPLATE, "content", **_code_context(agency, cycle, scope, message=message)),
               form=lambda refusal: render(TEMPLATE, "content", status=refusal.status,
                                           **_code_context(agency, cycle, scope, take_error=refusal.message)))


def _state_action(agency_id: int, change, message: str):
    cycle = cycles.current_cycle()
    agency, _ = assessment_team_or_404(agency_id, cycle, lead=True)
    return act(lambda: change(agency, cycle), message, full_page=True,
               back=url_for("assessment.consensus", agency_id=agency.id),
               show=lambda text, _: render("assessment/consensus.html", "content", **_overview(agency, cycle)),
               form=lambda refusal: render("assessment/consensus.html", "content", status=refusal.status,
                                           **_overview(agency, cycle, error=refusal.message)))


@bp.post("/agencies/<int:agency_id>/consensus/done")
def consensus_done(agency_id: int):
    return _state_action(agency_id, lambda agency, cycle: ops.mark_done(agency, cycle, current_user,
                                                                        cycles.criteria_edition(cycle)),
                         "ยืนยันฉันทามติแล้ว ผลการประเมินของสมาชิกทีมเป็นแบบอ่านอย่างเดียว")


@bp.post("/agencies/<int:agency_id>/consensus/reopen")
def consensus_reopen(agency_id: int):
    return _state_action(agency_id, lambda agency, cycle: ops.reopen(agency, cycle, current_user),
                         "เปิดแก้ไขฉันทามติแล้ว")
