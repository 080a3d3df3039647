"""What the agency's self-assessment report says, read once from the live rows: per
category → sub-item → question with its answer and cited evidence, the checklist per level
with each item's statement and evidence, and the category 7 table. The PDF and the DOCX
are two renderings of this one structure (portal/reports/pdf.py, docx.py)."""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import cycles
from portal.answers import structure
from portal.answers.queries import CLAIM_LABELS, answers_by_question, citation_label, statements_by_item
from portal.coverage.summary import dashboard_context
from portal.evidence.queries import live_evidence_by_item
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, Category, SubItem
from portal.models.answer import SubItemClaim
from portal.models.evidence import Evidence, EvidencePage
from portal.models.user import utcnow
from portal.results.queries import metrics_of
from portal.results.rules import agency_tags, applies, fiscal_years
from portal.templating import LEVEL_LABELS, REACHED_LABELS  # the labels every page shows

@dataclass
class EvidenceRef:
    title: str
    detail: str  # "ไฟล์ PDF 12 หน้า" or the link's address
    url: str | None = None


@dataclass
class ItemEntry:
    code: str
    text: str
    statement: str
    not_applicable: bool
    evidence: list[EvidenceRef]


@dataclass
class QuestionEntry:
    code: str
    text: str
    bullets: list[str]
    parts: list[tuple[str, str]]  # (slot label, answer text)
    citations: list[str]
    answered: str  # full / partial / empty


@dataclass
class SubItemEntry:
    code: str
    title: str
    level: str
    points: int
    claim: str | None
    questions: list[QuestionEntry]
    levels: list[tuple[str, list[ItemEntry]]]


@dataclass
class CategoryEntry:
    code: str
    title: str
    level: str
    sub_items: list[SubItemEntry]


@dataclass
class MetricEntry:
    group: str
    name: str
    unit: str
    target: float | None
    values: tuple[float | None, float | None, float | None]


@dataclass
class ReportContent:
    agency: Agency
    cycle: AssessmentCycle
    draft: bool
    generated_at: datetime
    years: tuple[int, int, int]
    categories: list[CategoryEntry] = field(default_factory=list)
    metrics: list[MetricEntry] = field(default_factory=list)
    answered: int = 0
    questions: int = 0


def _evidence_ref(evidence, pages: int) -> EvidenceRef:
    if evidence.kind == "link":
        return EvidenceRef(evidence.title, evidence.url or "", evidence.url)
    version = evidence.current_version
    kind = (version.file_kind or "").upper() if version else ""
    detail = f"ไฟล์ {kind} {pages} หน้า" if pages else f"ไฟล์ {kind}"
    return EvidenceRef(evidence.title, f"{detail} · {version.original_name}" if version else detail)


def build(agency: Agency, cycle: AssessmentCycle) -> ReportContent:
    """The live report ("ฉบับร่าง" until a submitted snapshot replaces it)."""
    edition = cycles.criteria_edition(cycle)
    reports = dashboard_context(agency, cycle, "covered")["reports"]  # the one computation of levels
    outcomes = {s.sub_item.code: s.outcome for report in reports for s in report.sub_items}
    category_outcomes = {report.category.code: report.outcome for report in reports}
    categories = db.session.scalars(
        select(Category).where(Category.version == edition).order_by(Category.position)
        .options(selectinload(Category.sub_items).selectinload(SubItem.questions),
                 selectinload(Category.sub_items).selectinload(SubItem.items))).all()
    process = [c for c in categories if not c.is_results]
    questions = [q for c in process for s in c.sub_items for q in s.questions]
    items = [i for c in process for s in c.sub_items for i in s.items]
    answers = answers_by_question(agency.id, cycle.id, [q.id for q in questions])
    statements = statements_by_item(agency.id, cycle.id, [i.id for i in items])
    evidence = live_evidence_by_item(agency.id, cycle.id, [i.id for i in items])
    page_counts = dict(db.session.execute(
        select(EvidencePage.evidence_id, func.count()).join(Evidence)
        .where(Evidence.agency_id == agency.id, Evidence.cycle_id == cycle.id).group_by(EvidencePage.evidence_id)).all())
    claims = {c.sub_item_id: c.level for c in db.session.scalars(select(SubItemClaim).where(
        SubItemClaim.agency_id == agency.id, SubItemClaim.cycle_id == cycle.id))}
    tags = agency_tags(agency.kind, agency.unit_type)
    content = ReportContent(agency, cycle, True, utcnow(), fiscal_years(cycle.fiscal_year))
    for category in process:
        entry = CategoryEntry(category.code, category.title, REACHED_LABELS[category_outcomes[category.code].level], [])
        for sub_item in category.sub_items:
            outcome = outcomes[sub_item.code]
            question_entries = []
            for q in sub_item.questions:
                answer = answers.get(q.id)
                slots = structure.slots(q.text, q.bullets)
                parts = structure.parts_for(q, answer)
                question_entries.append(QuestionEntry(
                    q.code, q.text, list(q.bullets), [(slot.label, part) for slot, part in zip(slots, parts)],
                    [f"{citation_label(c)}: {c.evidence.title}" for c in (answer.citations if answer else [])],
                    structure.state_of(q, answer)))
                content.questions += 1
                content.answered += question_entries[-1].answered == "full"
            levels = []
            for level in LEVEL_LABELS:
                rows = []
                for item in sub_item.items_at(level):
                    if not applies(tuple(item.applies_to or ()), tags):
                        continue
                    statement = statements.get(item.id)
                    rows.append(ItemEntry(item.code, item.text, statement.text if statement else "",
                                          bool(statement and statement.not_applicable),
                                          [_evidence_ref(e, page_counts.get(e.id, 0)) for e, a in evidence[item.id]
                                           if not a.awaiting_confirmation]))
                levels.append((LEVEL_LABELS[level], rows))
            claim = claims.get(sub_item.id)
            entry.sub_items.append(SubItemEntry(sub_item.code, sub_item.title, REACHED_LABELS[outcome.level], outcome.points,
                                                CLAIM_LABELS[claim] if claim else None, question_entries, levels))
        content.categories.append(entry)
    content.metrics = [MetricEntry(m.group.code, m.name, m.unit, m.target,
                                   (m.value_two_years_ago, m.value_last_year, m.value_this_year))
                       for m in metrics_of(agency.id, cycle.id)]
    return content
