"""Category 7 results page: an agency's metrics per dimension and group, edited inline.

Row actions answer htmx with the row (and out-of-band updates of the problem lists);
without htmx they redirect back to the page, or show the page with the form on 422."""
from flask import abort, request, url_for
from flask_login import current_user

from portal import cycles, versions
from portal.access import agency_or_404, can_edit_agency
from portal.actions import act
from portal.coverage.scoring import scoring_rules
from portal.errors import Refused
from portal.extensions import db
from portal.fragments import render
from portal.models import Agency, AssessmentCycle, MetricGroup, ResultMetric
from portal.results import bp, queries
from portal.results import operations as ops
from portal.results.chart import trend_chart
from portal.results.forms import (
    DIRECTION_LABELS,
    MetricForm,
    empty_form,
    field_labels,
    form_from_metric,
)
from portal.results.rules import fiscal_years
from portal.submissions.lock import editable, require_editable

TEMPLATE = "results/page.html"
FORBIDDEN_EDIT = "เฉพาะเจ้าหน้าที่ของส่วนราชการนี้ (สิทธิ์แก้ไข) เท่านั้นที่แก้ไขตัววัดหมวด 7 ได้"
RESULT_LEVELS = {"below_basic": "ไม่ถึงเป้าหมาย", "basic": "Basic", "advance": "Advance",
                 "significance": "Significance"}


def _require_editor(agency: Agency) -> None:
    if not can_edit_agency(agency.id):
        abort(403, description=FORBIDDEN_EDIT)


def context(agency: Agency, cycle: AssessmentCycle, **extra) -> dict:
    """Everything the page and its fragments show: metrics, scores, problems, choices."""
    dims = queries.dimensions(cycles.criteria_edition(cycle))
    metrics = queries.metrics_of(agency.id, cycle.id)
    report = queries.report_for(agency, cycle, metrics, dims)
    years = fiscal_years(cycle.fiscal_year)
    can_edit = editable(agency.id)
    by_group: dict[int, list[ResultMetric]] = {}
    for metric in metrics:
        by_group.setdefault(metric.metric_group_id, []).append(metric)
    charts = {m.id: trend_chart((m.value_two_years_ago, m.value_last_year, m.value_this_year),
                                m.target, years) for m in metrics}
    values = dict(
        agency=agency, cycle=cycle, dims=dims, by_group=by_group, report=report, years=years,
        stats={s["code"]: s for s in queries.dimension_stats(dims, metrics, report)},
        charts=charts, can_edit=can_edit, rules=scoring_rules(), labels=field_labels(cycle.fiscal_year),
        directions=DIRECTION_LABELS, result_levels=RESULT_LEVELS, empty_form=empty_form(),
        evidence_choices=queries.live_evidence(agency.id, cycle.id) if can_edit else [],
        state=None, metric=None, group=None, form=None, message=None,
    )
    values.update(extra)
    return values


def _state(form: MetricForm, metric_id=None, group_id=None, error=None) -> dict:
    """Which form the page shows filled in (an edited row or a group's add row)."""
    return {"form": form, "metric_id": metric_id, "group_id": group_id, "error": error}


def _group_or_422(group_id, cycle: AssessmentCycle) -> MetricGroup:
    """A group of the criteria edition the cycle is assessed against."""
    group = db.session.get(MetricGroup, group_id) if group_id else None
    if group is None or group.dimension.category.version != cycles.criteria_edition(cycle):
        abort(422, description="กรุณาเลือกกลุ่มตัวชี้วัดของหมวด 7")
    return group


@bp.get("/agencies/<int:agency_id>/results")
def page(agency_id: int):
    agency = agency_or_404(agency_id)
    return render(TEMPLATE, "content", **context(agency, cycles.current_cycle()))


@bp.post("/agencies/<int:agency_id>/results")
def create(agency_id: int):
    agency = agency_or_404(agency_id)
    _require_editor(agency)
    cycle = cycles.current_cycle()
    group = _group_or_422(request.form.get("group_id", type=int), cycle)
    return _metric_action(agency, cycle, lambda: ops.create(agency, cycle, group, request.form, current_user),
                          lambda metric: f"เพิ่มตัววัด “{metric.name}” แล้ว", "created", group=group)


@bp.get("/agencies/<int:agency_id>/results/<int:metric_id>")
def row(agency_id: int, metric_id: int):
    agency, cycle = agency_or_404(agency_id), cycles.current_cycle()
    metric = queries.metric_or_404(agency, cycle, metric_id)
    return render(TEMPLATE, "display_row", **context(agency, cycle, metric=metric))


@bp.get("/agencies/<int:agency_id>/results/<int:metric_id>/edit")
def edit_form(agency_id: int, metric_id: int):
    agency, cycle = agency_or_404(agency_id), cycles.current_cycle()
    metric = queries.metric_or_404(agency, cycle, metric_id)
    _require_editor(agency)
    require_editable(agency.id)
    state = _state(form_from_metric(metric), metric_id=metric.id)
    return render(TEMPLATE, "edit_row", **context(agency, cycle, metric=metric, state=state))


@bp.post("/agencies/<int:agency_id>/results/<int:metric_id>")
def update(agency_id: int, metric_id: int):
    agency, cycle = agency_or_404(agency_id), cycles.current_cycle()
    metric = queries.metric_or_404(agency, cycle, metric_id)
    _require_editor(agency)
    return _metric_action(agency, cycle, lambda: ops.update(metric, cycle, request.form, current_user,
                                                                   version=versions.submitted(request.form)),
                          lambda changed: f"บันทึกตัววัด “{changed.name}” แล้ว", "updated", metric=metric)


@bp.post("/agencies/<int:agency_id>/results/<int:metric_id>/delete")
def delete(agency_id: int, metric_id: int):
    agency, cycle = agency_or_404(agency_id), cycles.current_cycle()
    metric = queries.metric_or_404(agency, cycle, metric_id)
    _require_editor(agency)
    return _metric_action(agency, cycle, lambda: ops.delete(metric, current_user),
                          f"ลบตัววัด “{metric.name}” แล้ว", "deleted")


def _metric_action(agency, cycle, change, message, block: str, metric=None, group=None):
    """One change to a metric (portal.actions): htmx gets the changed row(s) and fresh
    problem lists, a plain post goes back to the page; a refusal shows the form again."""

    def show(text: str, changed: ResultMetric | None):
        return render(TEMPLATE, block, **context(agency, cycle, metric=changed,
                                                 group=group or (changed.group if changed else None),
                                                 message=text))

    def back(changed: ResultMetric | None) -> str:
        return url_for("results.page", agency_id=agency.id) + (f"#metric-{changed.id}" if changed else "")

    return act(change, message, show=show, back=back, full_page=True,
               form=lambda refusal: _refused(agency, cycle, refusal, metric=metric, group=group))


def _refused(agency, cycle, error: Refused, metric=None, group=None):
    """422, 409: the same form again with the input kept and the Thai messages (on 409 with
    the version the other editor saved, so saving again is a decision)."""
    form = error.form or empty_form()
    state = _state(form, metric_id=metric.id if metric else None,
                   group_id=group.id if group else None, error=error.message)
    block = "edit_row" if metric is not None else "add_row"
    return render(TEMPLATE, block, status=error.status,
                  **context(agency, cycle, metric=metric, group=group or metric.group, state=state))
