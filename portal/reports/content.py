"""What the agency's self-assessment report says, read from a snapshot: per category →
sub-item → question with its answer and cited evidence, the checklist per level with each
item's statement and evidence, and the category 7 table. A submitted report reads its
stored snapshot; the draft reads the snapshot a submission would freeze now
(portal/submissions/snapshot.py), so the two can never say different things. Only the
criteria texts come from the criteria tables, which an edition never changes. The PDF, the
DOCX and the page assessors read are renderings of this one structure."""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.answers import structure
from portal.answers.queries import CLAIM_LABELS, citation_text
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, Category, SubItem, Submission
from portal.models.user import utcnow
from portal.results.rules import agency_tags, applies, fiscal_years
from portal.submissions import snapshot
from portal.templating import LEVEL_LABELS, REACHED_LABELS  # the labels every page shows


@dataclass
class EvidenceRef:
    id: int
    title: str
    detail: str  # "ไฟล์ PDF 12 หน้า · name.pdf" or the link's address
    url: str | None = None  # a link's address
    version: int | None = None  # the file version the snapshot froze


@dataclass
class Citation:
    label: str  # "หลักฐาน 1.1-B1 หน้า 3: title"
    evidence_id: int
    page: int | None
    version: int | None


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
    citations: list[Citation]
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
    # The definition; snapshots frozen before it existed have none (empty / None).
    formula: str = ""
    data_source: str = ""
    baseline: float | None = None
    responsible_unit: str = ""
    process_sub_item: str = ""

    @property
    def has_definition(self) -> bool:
        return bool(self.formula or self.data_source or self.baseline is not None
                    or self.responsible_unit or self.process_sub_item)


@dataclass
class ReportContent:
    agency_name: str
    fiscal_year: int
    draft: bool
    generated_at: datetime
    years: tuple[int, int, int]
    submitted_at: datetime | None = None
    submitted_by: str | None = None
    number: int | None = None
    manifest: str | None = None
    categories: list[CategoryEntry] = field(default_factory=list)
    metrics: list[MetricEntry] = field(default_factory=list)
    answered: int = 0
    questions: int = 0


def _evidence_ref(entry: dict) -> EvidenceRef:
    if entry["kind"] == "link":
        return EvidenceRef(entry["id"], entry["title"], entry.get("url") or "", entry.get("url"))
    file = entry["file"]
    kind = (file.get("file_kind") or "").upper()
    pages = file.get("pages", 0)  # format 1 snapshots did not count pages
    detail = f"ไฟล์ {kind} {pages} หน้า" if pages else f"ไฟล์ {kind}"
    return EvidenceRef(entry["id"], entry["title"], f"{detail} · {file['original_name']}", version=file["version"])


def _citation(cited: dict, evidence: dict[int, dict]) -> Citation:
    """"หลักฐาน 1.1-B1 หน้า 3: title" — the first item the evidence supports, then the page."""
    entry = evidence.get(cited["evidence_id"])
    label = citation_text([a["item"] for a in entry["items"]] if entry else [], cited["page"])
    title = entry["title"] if entry else "(หลักฐานถูกลบแล้ว)"
    version = entry["file"]["version"] if entry and entry["kind"] == "file" else None
    return Citation(f"{label}: {title}", cited["evidence_id"], cited["page"], version)


def _categories(edition: str) -> list[Category]:
    return [c for c in db.session.scalars(
        select(Category).where(Category.version == edition).order_by(Category.position)
        .options(selectinload(Category.sub_items).selectinload(SubItem.questions),
                 selectinload(Category.sub_items).selectinload(SubItem.items))) if not c.is_results]


def _definition(frozen: dict) -> dict:
    return {"formula": frozen.get("formula") or "", "data_source": frozen.get("data_source") or "",
            "baseline": frozen.get("baseline"), "responsible_unit": frozen.get("responsible_unit") or "",
            "process_sub_item": frozen.get("process_sub_item") or ""}


def from_snapshot(frozen: dict, draft: bool, submission: Submission | None = None) -> ReportContent:
    """The report a snapshot holds; `submission` names the stored one it came from."""
    agency, cycle = frozen["agency"], frozen["cycle"]
    content = ReportContent(agency["name"], cycle["fiscal_year"], draft, utcnow(), fiscal_years(cycle["fiscal_year"]))
    if submission is not None:
        content.submitted_at, content.number = submission.submitted_at, submission.number
        content.manifest = submission.manifest_sha256
        signer = frozen["submission"]["submitted_by"] or {}
        content.submitted_by = signer.get("display_name") or signer.get("username")
    evidence = {e["id"]: e for e in frozen["evidence"]}
    by_item: dict[str, list[EvidenceRef]] = {}
    for entry in frozen["evidence"]:
        for attached in entry["items"]:
            if not attached.get("awaiting_confirmation"):  # carried over, not yet confirmed
                by_item.setdefault(attached["item"], []).append(_evidence_ref(entry))
    levels = {s["code"]: s["levels"]["covered"] for c in frozen["categories"] for s in c["sub_items"]}
    category_levels = {c["code"]: c["levels"]["covered"] for c in frozen["categories"]}
    tags = agency_tags(agency["kind"], agency["unit_type"])
    for category in _categories(cycle["criteria_version"]):
        entry = CategoryEntry(category.code, category.title,
                              REACHED_LABELS[category_levels[category.code]["level"]], [])
        for sub_item in category.sub_items:
            questions = []
            for q in sub_item.questions:
                answer = frozen["answers"].get(q.code, {"parts": [], "citations": []})
                slots = structure.slots(q.text, q.bullets)
                parts = structure.fitted(answer["parts"], len(slots))
                questions.append(QuestionEntry(
                    q.code, q.text, list(q.bullets), [(slot.label, part) for slot, part in zip(slots, parts)],
                    [_citation(c, evidence) for c in answer["citations"]],
                    structure.answered(answer["parts"], len(slots))))
                content.questions += 1
                content.answered += questions[-1].answered == "full"
            checklist = []
            for level in LEVEL_LABELS:
                rows = []
                for item in sub_item.items_at(level):
                    if not applies(tuple(item.applies_to or ()), tags):
                        continue
                    statement = frozen["statements"].get(item.full_code, {"text": "", "not_applicable": False})
                    rows.append(ItemEntry(item.code, item.text, statement["text"], statement["not_applicable"],
                                          by_item.get(item.full_code, [])))
                checklist.append((LEVEL_LABELS[level], rows))
            claim = frozen["claims"].get(sub_item.code)
            outcome = levels[sub_item.code]
            entry.sub_items.append(SubItemEntry(
                sub_item.code, sub_item.title, REACHED_LABELS[outcome["level"]], outcome["points"],
                CLAIM_LABELS[claim["level"]] if claim else None, questions, checklist))
        content.categories.append(entry)
    content.metrics = [MetricEntry(m["group"], m["name"], m["unit"], m["target"], tuple(m["values"]),
                                   **_definition(m.get("definition") or {}))
                       for m in frozen["results"]]
    return content


def draft(agency: Agency, cycle: AssessmentCycle) -> ReportContent:
    """The live report, marked "ฉบับร่าง": what a submission made now would hold."""
    return from_snapshot(snapshot.build(agency, cycle, 0, None, utcnow()), draft=True)


def submitted(submission: Submission) -> ReportContent:
    return from_snapshot(submission.snapshot, draft=False, submission=submission)
