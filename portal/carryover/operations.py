"""Carry an agency's work from the previous cycle into the current one, once per record:

- answers are copied as drafts marked "จากปีก่อน" (`Answer.carried_over`, cleared by the
  next save) where the current cycle has none for the same question code;
- evidence is copied with its file versions (the same stored bytes: the store is addressed
  by SHA-256, nothing is copied on disk) and its extracted pages, attached to the items of
  the same codes, awaiting the agency's confirmation: shown, not counted, until confirmed
  per item or all at once;
- category 7 metrics move one year back (this year's value becomes last year's) with the
  target left empty for the new year, its definition (formula, data source, baseline,
  responsible unit, process sub-item if the new edition has it) kept;
- improvement plan entries not done are copied with `carried_from_id` (portal/feedback/plans.py).
Copies remember their source, so running it again adds only what is new."""
from dataclasses import dataclass

from sqlalchemy import select, update

from portal import audit, cycles, effects
from portal.access import can_edit_agency
from portal.errors import Refused
from portal.feedback import plans
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, ChecklistItem, Question, SubItem, User
from portal.models.answer import Answer
from portal.models.criteria import Category, MetricGroup, ResultDimension
from portal.models.evidence import Evidence, EvidenceAttachment, EvidencePage, FileVersion
from portal.models.results import ResultMetric
from portal.models.user import utcnow
from portal.results.queries import process_sub_item_codes
from portal.submissions.lock import require_open

FORBIDDEN = "เฉพาะเจ้าหน้าที่ของส่วนราชการนี้ (สิทธิ์แก้ไข) เท่านั้นที่นำข้อมูลจากปีก่อนมาใช้ได้"


@dataclass(frozen=True)
class Carried:
    answers: int
    evidence: int
    metrics: int
    plans: int = 0  # improvement plan entries not done


def _same_code(source: AssessmentCycle, target: AssessmentCycle, model, code_column) -> dict[int, int]:
    """Question or item id in the source cycle's criteria → the one with the same codes
    (sub-item, then its own) in the target's: the same id when both use one edition."""
    def by_code(edition: str) -> dict[tuple[str, str], int]:
        rows = db.session.execute(select(SubItem.code, code_column, model.id)
                                  .join(SubItem, model.sub_item_id == SubItem.id)
                                  .join(Category).where(Category.version == edition)).all()
        return {(sub, code): row_id for sub, code, row_id in rows}

    new = by_code(cycles.criteria_edition(target))
    return {old_id: new[key] for key, old_id in by_code(cycles.criteria_edition(source)).items() if key in new}


def carry_over(agency: Agency, user: User) -> Carried:
    if not can_edit_agency(agency.id, user):
        raise Refused(403, FORBIDDEN)
    target = cycles.current_cycle()
    require_open(agency.id, target.id)
    source = cycles.previous_cycle(target)
    if source is None:
        raise Refused(422, "ยังไม่มีรอบการประเมินก่อนหน้าให้นำข้อมูลมาใช้")
    carried = Carried(_answers(agency, source, target, user), _evidence(agency, source, target, user),
                      _metrics(agency, source, target, user), plans.carry(agency, source, target, user))
    audit.record("carried_over", actor=user, object_type="agency", object_id=agency.id, agency_id=agency.id,
                 from_year=source.fiscal_year, to_year=target.fiscal_year, answers=carried.answers,
                 evidence=carried.evidence, metrics=carried.metrics, plans=carried.plans)
    return carried


def _answers(agency: Agency, source: AssessmentCycle, target: AssessmentCycle, user: User) -> int:
    question_of = _same_code(source, target, Question, Question.code)
    present = set(db.session.scalars(select(Answer.question_id).where(
        Answer.agency_id == agency.id, Answer.cycle_id == target.id)))
    copies = []
    for answer in db.session.scalars(select(Answer).where(Answer.agency_id == agency.id, Answer.cycle_id == source.id)):
        question_id = question_of.get(answer.question_id)
        if question_id is None or question_id in present or not any(p.strip() for p in answer.parts):
            continue
        copies.append(Answer(agency_id=agency.id, cycle_id=target.id, question_id=question_id,
                             parts=list(answer.parts), carried_over=True, updated_by_id=user.id))
    db.session.add_all(copies)
    db.session.flush()
    effects.record(db.session, "index_answer", [copy.id for copy in copies])  # searchable like any answer
    return len(copies)


def _evidence(agency: Agency, source: AssessmentCycle, target: AssessmentCycle, user: User) -> int:
    item_of = _same_code(source, target, ChecklistItem, ChecklistItem.code)
    done = set(db.session.scalars(select(Evidence.carried_from_id).where(
        Evidence.agency_id == agency.id, Evidence.cycle_id == target.id, Evidence.carried_from_id.is_not(None))))
    count = 0
    for evidence in db.session.scalars(select(Evidence).where(
            Evidence.agency_id == agency.id, Evidence.cycle_id == source.id, Evidence.deleted_at.is_(None))):
        if evidence.id in done:
            continue
        copy = Evidence(agency_id=agency.id, cycle_id=target.id, kind=evidence.kind, title=evidence.title,
                        description=evidence.description, document_date=evidence.document_date, url=evidence.url,
                        created_by_id=user.id, extraction_status=evidence.extraction_status,
                        extraction_error=evidence.extraction_error, pages_done=evidence.pages_done,
                        pages_total=evidence.pages_total, carried_from_id=evidence.id)
        version = evidence.current_version
        if version is not None:
            copy.versions.append(FileVersion(number=1, sha256=version.sha256, size=version.size, mime=version.mime,
                                             file_kind=version.file_kind, original_name=version.original_name,
                                             uploaded_by_id=version.uploaded_by_id, uploaded_at=version.uploaded_at))
        for page in evidence.pages:
            copy.pages.append(EvidencePage(number=page.number, label=page.label, text=page.text, ocr=page.ocr,
                                           original_text=page.original_text, ocr_confidence=page.ocr_confidence))
        for attachment in evidence.attachments:
            item_id = item_of.get(attachment.checklist_item_id)
            if item_id is not None:
                copy.attachments.append(EvidenceAttachment(checklist_item_id=item_id, note=attachment.note,
                                                           created_by_id=user.id, awaiting_confirmation=True))
        db.session.add(copy)
        db.session.flush()
        effects.record(db.session, "index", [copy.id])
        count += 1
    return count


def _groups(edition: str) -> dict[str, int]:
    return dict(db.session.execute(select(MetricGroup.code, MetricGroup.id).join(ResultDimension)
                                   .join(Category).where(Category.version == edition)).all())


def _metrics(agency: Agency, source: AssessmentCycle, target: AssessmentCycle, user: User) -> int:
    group_code = {group_id: code for code, group_id in _groups(cycles.criteria_edition(source)).items()}
    new_groups = _groups(cycles.criteria_edition(target))
    sub_items = process_sub_item_codes(cycles.criteria_edition(target))
    present = {(m.metric_group_id, m.name) for m in db.session.scalars(select(ResultMetric).where(
        ResultMetric.agency_id == agency.id, ResultMetric.cycle_id == target.id))}
    count = 0
    for metric in db.session.scalars(select(ResultMetric).where(
            ResultMetric.agency_id == agency.id, ResultMetric.cycle_id == source.id)
            .order_by(ResultMetric.position, ResultMetric.id)):
        group_id = new_groups.get(group_code.get(metric.metric_group_id))
        if group_id is None or (group_id, metric.name) in present:
            continue
        db.session.add(ResultMetric(
            agency_id=agency.id, cycle_id=target.id, metric_group_id=group_id, name=metric.name,
            unit=metric.unit, direction=metric.direction, target=None,
            value_two_years_ago=metric.value_last_year, value_last_year=metric.value_this_year, value_this_year=None,
            mandatory_indicator=metric.mandatory_indicator, position=metric.position, created_by_id=user.id,
            formula=metric.formula, data_source=metric.data_source, baseline=metric.baseline,
            responsible_unit=metric.responsible_unit,
            process_sub_item=metric.process_sub_item if metric.process_sub_item in sub_items else ""))
        count += 1
    return count


def confirm(agency: Agency, user: User, item: ChecklistItem | None = None) -> int:
    """Confirm carried evidence on one item, or on every item: from then on it counts."""
    if not can_edit_agency(agency.id, user):
        raise Refused(403, FORBIDDEN)
    cycle = cycles.current_cycle()
    require_open(agency.id, cycle.id)
    evidence_ids = select(Evidence.id).where(Evidence.agency_id == agency.id, Evidence.cycle_id == cycle.id)
    statement = (update(EvidenceAttachment).where(EvidenceAttachment.awaiting_confirmation,
                                                  EvidenceAttachment.evidence_id.in_(evidence_ids))
                 .values(awaiting_confirmation=False))
    if item is not None:
        statement = statement.where(EvidenceAttachment.checklist_item_id == item.id)
    confirmed = db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
    if not confirmed:
        raise Refused(422, "ไม่มีหลักฐานจากปีก่อนที่รอยืนยัน")
    audit.record("carried_evidence_confirmed", actor=user, object_type="agency", object_id=agency.id,
                 agency_id=agency.id, item=item.full_code if item else None, count=confirmed, at=utcnow().isoformat())
    return confirmed
