"""Every change to category 7 metrics goes through here: validate, write, audit.
Views call these and commit; a refused change raises Refused with the form kept."""
from sqlalchemy import func, select

from portal import audit, cycles, versions
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, Evidence, MetricGroup, ResultMetric, User
from portal.models.results import ResultMetricEvidence
from portal.models.user import utcnow
from portal.submissions.lock import require_open
from portal.results.forms import (
    DEFINITION_FIELDS,
    DIRECTION_LABELS,
    VALUE_FIELDS,
    MetricForm,
    field_labels,
    read_metric_form,
)
from portal.results.queries import process_sub_item_codes
from portal.templating import metric_number

TRACKED = ("name", "unit", "direction", "mandatory_indicator", *VALUE_FIELDS, *DEFINITION_FIELDS)


def indicator_texts(group: MetricGroup) -> list[str]:
    return [i["text"] for i in group.mandatory_indicators or ()]


def _form(group: MetricGroup, cycle: AssessmentCycle, data) -> MetricForm:
    return read_metric_form(data, indicator_texts(group), cycle.fiscal_year,
                            process_sub_item_codes(cycles.criteria_edition(cycle)))


def _read(group: MetricGroup, cycle: AssessmentCycle, data) -> MetricForm:
    return _valid(_form(group, cycle, data))


def _valid(form: MetricForm) -> MetricForm:
    if not form.valid:
        raise Refused(422, "ข้อมูลตัววัดไม่ถูกต้อง: " + " · ".join(form.errors.values()), form)
    return form


def _evidence(agency: Agency, cycle: AssessmentCycle, ids: list[int], form: MetricForm) -> list[Evidence]:
    """Only the agency's own live evidence of the cycle may be linked; others do not exist."""
    if not ids:
        return []
    found = list(db.session.scalars(select(Evidence).where(
        Evidence.id.in_(ids), Evidence.agency_id == agency.id, Evidence.cycle_id == cycle.id,
        Evidence.deleted_at.is_(None))))
    if len(found) != len(ids):
        form.errors["evidence_ids"] = "ไม่พบหลักฐานบางรายการที่เลือก (อาจถูกลบไปแล้ว)"
        raise Refused(422, form.errors["evidence_ids"], form)
    return found


def _link(metric: ResultMetric, evidence: list[Evidence]) -> None:
    wanted = {e.id for e in evidence}
    for link in list(metric.evidence_links):
        if link.evidence_id not in wanted:
            metric.evidence_links.remove(link)
    have = {link.evidence_id for link in metric.evidence_links}
    for item in evidence:
        if item.id not in have:
            metric.evidence_links.append(ResultMetricEvidence(evidence=item))


def create(agency: Agency, cycle: AssessmentCycle, group: MetricGroup, data, user: User) -> ResultMetric:
    require_open(agency.id, cycle.id)
    form = _read(group, cycle, data)
    evidence = _evidence(agency, cycle, form.evidence_ids, form)
    last = db.session.scalar(select(func.max(ResultMetric.position)).where(
        ResultMetric.agency_id == agency.id, ResultMetric.cycle_id == cycle.id,
        ResultMetric.metric_group_id == group.id))
    metric = ResultMetric(agency_id=agency.id, cycle_id=cycle.id, metric_group_id=group.id,
                          position=(last or 0) + 1, created_by_id=user.id, **form.values)
    metric.group = group
    _link(metric, evidence)
    db.session.add(metric)
    db.session.flush()
    audit.record("result_metric_created", actor=user, object_type="result_metric", object_id=metric.id,
                 agency_id=agency.id, group=group.code, name=metric.name,
                 evidence=[e.id for e in evidence])
    return metric


def update(metric: ResultMetric, cycle: AssessmentCycle, data, user: User,
           version: int | None = None) -> ResultMetric:
    """`version`: what the edit form showed (portal/versions.py); the typed form is kept
    with a refusal, so the row shows it again."""
    require_open(metric.agency_id, metric.cycle_id)
    form = _form(metric.group, cycle, data)
    versions.check(metric, version, lambda: metric_conflict(metric, cycle, user, form))
    _valid(form)
    agency = metric.agency
    evidence = _evidence(agency, cycle, form.evidence_ids, form)
    changes = {key: {"from": getattr(metric, key), "to": value}
               for key, value in form.values.items() if getattr(metric, key) != value}
    before = sorted(link.evidence_id for link in metric.evidence_links)
    after = sorted(e.id for e in evidence)
    if before != after:
        changes["evidence"] = {"from": before, "to": after}
    if changes:
        with versions.saving(lambda: metric_conflict(metric, cycle, user, form)):
            for key, value in form.values.items():
                setattr(metric, key, value)
            _link(metric, evidence)
            metric.updated_at = utcnow()  # an UPDATE, hence a new version, for a change of links alone too
        audit.record("result_metric_updated", actor=user, object_type="result_metric",
                     object_id=metric.id, agency_id=metric.agency_id, group=metric.group.code,
                     name=metric.name, changes=changes)
    return metric


def metric_conflict(metric: ResultMetric, cycle: AssessmentCycle, user: User | None, form: MetricForm) -> Refused:
    """409: the metric as another editor saved it, and who did (portal/versions.py)."""
    labels = field_labels(cycle.fiscal_year)
    current = [("ชื่อตัววัด", versions.quoted(metric.name)), ("หน่วย", metric.unit or "—"),
               ("ทิศทาง", DIRECTION_LABELS.get(metric.direction, metric.direction))]
    current += [(labels[name], metric_number(getattr(metric, name))) for name in VALUE_FIELDS]
    current.append(("หลักฐานประกอบ", f"{len(metric.evidence_links)} รายการ"))
    change = versions.last_audited("result_metric", metric.id, ("result_metric_updated",))
    return versions.conflict(f"ตัววัด “{metric.name}” ", current, change, user, form)


def delete(metric: ResultMetric, user: User) -> None:
    """Deleted for good: a metric is typed data, not a file, and the audit keeps its values."""
    require_open(metric.agency_id, metric.cycle_id)
    audit.record("result_metric_deleted", actor=user, object_type="result_metric", object_id=metric.id,
                 agency_id=metric.agency_id, group=metric.group.code, name=metric.name,
                 values={key: getattr(metric, key) for key in TRACKED})
    db.session.delete(metric)
