"""Improvement plan entries: added beside each OFI on the feedback page, listed and edited
on the plan page (htmx rows; 422 and 409 show the form again with what was typed)."""
from flask import request, url_for
from flask_login import current_user

from portal import cycles, versions
from portal.access import agency_or_404, can_edit_agency, feedback_reader_or_404
from portal.actions import act
from portal.errors import Refused
from portal.feedback import bp, plans
from portal.feedback.views import TEMPLATE, context
from portal.fragments import render
from portal.models.assessment import PLAN_STATUS_LABELS

PLAN = "feedback/plan.html"


def _plan_context(agency, cycle, **extra) -> dict:
    entries = plans.entries_of(agency.id, cycle.id)
    values = dict(agency=agency, cycle=cycle, entries=entries, statuses=PLAN_STATUS_LABELS,
                  can_edit=can_edit_agency(agency.id), carried={e.id: plans.carried_from_year(e) for e in entries},
                  entry=None, form=None, error=None, message=None)
    values.update(extra)
    return values


@bp.post("/agencies/<int:agency_id>/improvement-plan")
def create_plan(agency_id: int):
    """From the feedback page, beside one OFI."""
    cycle = cycles.current_cycle()
    agency, assignment = feedback_reader_or_404(agency_id, cycle)
    code, ofi = request.form.get("code", ""), request.form.get("ofi", "")

    def refused(error: Refused):
        state = {"code": code, "ofi": ofi, "form": error.form or plans.empty_form(), "error": error.message}
        return render(TEMPLATE, "content", status=error.status, **context(agency, cycle, assignment, state))

    return act(lambda: plans.create(agency, cycle, request.form, current_user),
               "เพิ่มแผนปรับปรุงแล้ว", full_page=True, form=refused,
               show=lambda _text, _entry: render(TEMPLATE, "content", **context(agency, cycle, assignment)),
               back=lambda entry: url_for("feedback.page", agency_id=agency.id) + f"#sub-item-{entry.code}")


@bp.get("/agencies/<int:agency_id>/improvement-plan")
def plan(agency_id: int):
    cycle = cycles.current_cycle()
    agency, _ = feedback_reader_or_404(agency_id, cycle)
    return render(PLAN, "content", **_plan_context(agency, cycle))


@bp.get("/agencies/<int:agency_id>/improvement-plan/<int:entry_id>")
def plan_row(agency_id: int, entry_id: int):
    cycle = cycles.current_cycle()
    agency, _ = feedback_reader_or_404(agency_id, cycle)
    entry = plans.entry_or_404(agency, cycle, entry_id)
    return render(PLAN, "display_row", **_plan_context(agency, cycle, entry=entry))


@bp.get("/agencies/<int:agency_id>/improvement-plan/<int:entry_id>/edit")
def edit_plan(agency_id: int, entry_id: int):
    cycle = cycles.current_cycle()
    agency = agency_or_404(agency_id)
    entry = plans.entry_or_404(agency, cycle, entry_id)
    plans.require_editor(agency.id, current_user)
    form = plans.form_of(entry)
    form.values["version"] = entry.version
    return render(PLAN, "edit_row", **_plan_context(agency, cycle, entry=entry, form=form))


@bp.post("/agencies/<int:agency_id>/improvement-plan/<int:entry_id>")
def update_plan(agency_id: int, entry_id: int):
    cycle = cycles.current_cycle()
    agency = agency_or_404(agency_id)
    entry = plans.entry_or_404(agency, cycle, entry_id)

    def refused(error: Refused):
        return render(PLAN, "edit_row", status=error.status, **_plan_context(
            agency, cycle, entry=entry, form=error.form or plans.form_of(entry), error=error.message))

    return act(lambda: plans.update(entry, request.form, current_user, versions.submitted(request.form)),
               "บันทึกแผนปรับปรุงแล้ว", full_page=True, form=refused,
               show=lambda text, changed: render(PLAN, "display_row", **_plan_context(
                   agency, cycle, entry=changed, message=text)),
               back=lambda changed: url_for("feedback.plan", agency_id=agency.id) + f"#plan-{changed.id}")
