"""Read side of category 7: an agency's metrics of a cycle, scored and checked, for the
results page and for the dashboard/export (`agency_results_summary`)."""
from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import cycles
from portal.access import can_see_agency, hidden
from portal.coverage.scoring import scoring_rules
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, Category, Evidence, ResultDimension, ResultMetric, SubItem
from portal.models.results import ResultMetricEvidence
from portal.results.rules import GroupSpec, MetricData, Report, build_report


def dimensions(version: str) -> list[ResultDimension]:
    """Category 7's dimensions with their groups, in the guide's order."""
    return list(db.session.scalars(
        select(ResultDimension).join(Category)
        .where(Category.version == version, Category.code == "7")
        .order_by(ResultDimension.position)
        .options(selectinload(ResultDimension.groups))
    ))


def group_specs(dims: list[ResultDimension]) -> list[GroupSpec]:
    return [
        GroupSpec(code=g.code, title=g.title, dimension_code=d.code, dimension_title=d.title,
                  mandatory=g.mandatory, applies_to=tuple(g.applies_to or ()),
                  min_metrics=g.min_metrics, max_metrics=g.max_metrics,
                  mandatory_indicators=tuple((i["text"], tuple(i.get("applies_to") or ()))
                                             for i in g.mandatory_indicators or ()))
        for d in dims for g in d.groups
    ]


def metrics_of(agency_id: int, cycle_id: int) -> list[ResultMetric]:
    """The agency's metrics of the cycle with their live linked evidence, in entry order."""
    return list(db.session.scalars(
        select(ResultMetric)
        .where(ResultMetric.agency_id == agency_id, ResultMetric.cycle_id == cycle_id)
        .order_by(ResultMetric.metric_group_id, ResultMetric.position, ResultMetric.id)
        .options(selectinload(ResultMetric.group),
                 selectinload(ResultMetric.evidence_links).selectinload(ResultMetricEvidence.evidence))
    ))


def as_data(metric: ResultMetric) -> MetricData:
    return MetricData(name=metric.name, group_code=metric.group.code, direction=metric.direction,
                      target=metric.target,
                      values=(metric.value_two_years_ago, metric.value_last_year, metric.value_this_year),
                      mandatory_indicator=metric.mandatory_indicator or "", key=metric.id,
                      unit=metric.unit or "")


def report_for(agency: Agency, cycle: AssessmentCycle, metrics: list[ResultMetric],
               dims: list[ResultDimension]) -> Report:
    ordered = sorted(metrics, key=lambda m: (m.group.dimension.position, m.group.position,
                                             m.position, m.id))
    return build_report([as_data(m) for m in ordered], group_specs(dims), agency.kind,
                        agency.unit_type, cycle.fiscal_year, scoring_rules())


def process_sub_item_codes(version: str) -> frozenset[str]:
    """The sub-item codes of categories 1–6 ("2.3") a metric may say it measures."""
    return frozenset(db.session.scalars(
        select(SubItem.code).join(Category).where(Category.version == version, Category.code != "7")))


def live_evidence(agency_id: int, cycle_id: int) -> list[Evidence]:
    """What an editor may link to a metric: the agency's live evidence of the cycle."""
    return list(db.session.scalars(
        select(Evidence)
        .where(Evidence.agency_id == agency_id, Evidence.cycle_id == cycle_id,
               Evidence.deleted_at.is_(None))
        .order_by(Evidence.title, Evidence.id)
    ))


def metric_or_404(agency: Agency, cycle: AssessmentCycle, metric_id: int) -> ResultMetric:
    """Only this agency's metric of this cycle exists for the request."""
    metric = db.session.get(ResultMetric, metric_id)
    if metric is None or metric.cycle_id != cycle.id:
        abort(404)
    if not can_see_agency(metric.agency_id):
        hidden("result_metric", metric.id, metric.agency_id)
    if metric.agency_id != agency.id:
        abort(404)
    return metric


def dimension_stats(dims: list[ResultDimension], metrics: list[ResultMetric], report: Report) -> list[dict]:
    """Per dimension: its metrics with level and points, their average points (duplicates
    left out), its problems."""
    stats = []
    for dim in dims:
        group_ids = {g.id for g in dim.groups}
        rows = []
        for metric in (m for m in metrics if m.metric_group_id in group_ids):
            scored = report.scores[metric.id]
            duplicate = scored.condition == "duplicate"
            rows.append({"id": metric.id, "name": metric.name, "group_code": metric.group.code,
                         "achievement": scored.achievement, "level": scored.level,
                         "points": scored.points, "counted": not duplicate})
        # The guide does not score a metric reported twice: only its first report counts.
        points = [row["points"] for row in rows if row["points"] is not None and row["counted"]]
        stats.append({
            "code": dim.code, "title": dim.title, "metrics_count": len(rows), "metrics": rows,
            "average_points": sum(points) / len(points) if points else None,
            "problems_count": len(report.problems_in(dim.code)),
        })
    return stats


def agency_results_summary(agency_id: int, cycle_id: int) -> dict:
    """Per dimension: metric count, each metric's level and points, average points, problems."""
    agency = db.session.get(Agency, agency_id)
    cycle = db.session.get(AssessmentCycle, cycle_id)
    if agency is None or cycle is None:
        raise LookupError(f"no agency {agency_id} or cycle {cycle_id}")
    dims = dimensions(cycles.criteria_edition(cycle))
    metrics = metrics_of(agency_id, cycle_id)
    report = report_for(agency, cycle, metrics, dims)
    return {"agency_id": agency_id, "cycle_id": cycle_id, "fiscal_year": cycle.fiscal_year,
            "problems_count": len(report.problems),
            "category": {"points": report.category.points, "level": report.category.level,
                         "counted": report.category.counted},
            "dimensions": dimension_stats(dims, metrics, report)}
