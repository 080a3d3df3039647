"""Read-side of the written report, always scoped to one agency and cycle."""
from dataclasses import dataclass

from flask import abort, url_for
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from portal.answers import structure
from portal.extensions import db
from portal.models import EvidenceAttachment, Question
from portal.models.answer import Answer, AnswerCitation, AnswerRevision, ItemStatement, SubItemClaim
from portal.models.evidence import Evidence


def question_or_404(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404, description="ไม่พบคำถามนี้")
    return question


def answer_of(agency_id: int, cycle_id: int, question_id: int) -> Answer | None:
    return db.session.scalar(select(Answer).where(
        Answer.agency_id == agency_id, Answer.cycle_id == cycle_id, Answer.question_id == question_id))


def statement_of(agency_id: int, cycle_id: int, item_id: int) -> ItemStatement | None:
    return db.session.scalar(select(ItemStatement).where(
        ItemStatement.agency_id == agency_id, ItemStatement.cycle_id == cycle_id,
        ItemStatement.checklist_item_id == item_id))


CLAIM_LABELS = {"basic": "ระดับพื้นฐาน (Basic)", "advance": "ระดับก้าวหน้า (Advance)",
                "significance": "ระดับเกิดผล (Significance)"}


def claim_of(agency_id: int, cycle_id: int, sub_item_id: int) -> SubItemClaim | None:
    return db.session.scalar(select(SubItemClaim).where(
        SubItemClaim.agency_id == agency_id, SubItemClaim.cycle_id == cycle_id,
        SubItemClaim.sub_item_id == sub_item_id))


def not_applicable_items(agency_id: int, cycle_id: int):
    """A select of the items the agency marked "ไม่เกี่ยวข้อง" (with its reason) in the cycle."""
    return select(ItemStatement.checklist_item_id).where(
        ItemStatement.agency_id == agency_id, ItemStatement.cycle_id == cycle_id, ItemStatement.not_applicable)


def not_applicable_item_ids(agency_id: int, cycle_id: int) -> set[int]:
    return set(db.session.scalars(not_applicable_items(agency_id, cycle_id)))


def not_applicable_rows(cycle_id: int, agency_ids: list[int] | None = None):
    """(agency_id, item_id) of every item marked "ไม่เกี่ยวข้อง" in the cycle, as a select
    the coverage counts union with evidence."""
    rows = (select(ItemStatement.agency_id.label("agency_id"), ItemStatement.checklist_item_id.label("item_id"))
            .where(ItemStatement.cycle_id == cycle_id, ItemStatement.not_applicable))
    return rows.where(ItemStatement.agency_id.in_(agency_ids)) if agency_ids is not None else rows


def answers_by_question(agency_id: int, cycle_id: int, question_ids: list[int]) -> dict[int, Answer]:
    answers = db.session.scalars(
        select(Answer).where(Answer.agency_id == agency_id, Answer.cycle_id == cycle_id,
                             Answer.question_id.in_(question_ids))
        .options(selectinload(Answer.citations).selectinload(AnswerCitation.evidence)
                 .selectinload(Evidence.attachments).selectinload(EvidenceAttachment.checklist_item),
                 selectinload(Answer.updated_by)))
    return {answer.question_id: answer for answer in answers}


def statements_by_item(agency_id: int, cycle_id: int, item_ids: list[int]) -> dict[int, ItemStatement]:
    statements = db.session.scalars(select(ItemStatement).where(
        ItemStatement.agency_id == agency_id, ItemStatement.cycle_id == cycle_id,
        ItemStatement.checklist_item_id.in_(item_ids)))
    return {statement.checklist_item_id: statement for statement in statements}


def revisions(answer: Answer | None) -> list[AnswerRevision]:
    if answer is None:
        return []
    return list(db.session.scalars(select(AnswerRevision).where(AnswerRevision.answer_id == answer.id)
                                   .options(selectinload(AnswerRevision.saved_by))
                                   .order_by(AnswerRevision.id.desc())))


@dataclass(frozen=True)
class Progress:
    answered: int
    partial: int
    total: int


def progress(agency_id: int, cycle_id: int, sub_item_ids: list[int]) -> dict[int, Progress]:
    """sub-item id → how many of its questions have every blank answered (and some blanks);
    one query whatever the number of sub-items (the dashboard counts its queries)."""
    rows = db.session.execute(
        select(Question, Answer.parts)
        .outerjoin(Answer, and_(Answer.question_id == Question.id, Answer.agency_id == agency_id,
                                Answer.cycle_id == cycle_id))
        .where(Question.sub_item_id.in_(sub_item_ids))).all()
    states: dict[int, list[str]] = {sub_item_id: [] for sub_item_id in sub_item_ids}
    for q, parts in rows:
        states[q.sub_item_id].append(structure.answered(parts or [], len(structure.slots(q.text, q.bullets))))
    return {sub_item_id: Progress(found.count("full"), found.count("partial"), len(found))
            for sub_item_id, found in states.items()}


def citable_evidence(agency_id: int, cycle_id: int) -> list[Evidence]:
    """The agency's live evidence of the cycle, the ones on items first by item code."""
    return list(db.session.scalars(
        select(Evidence).where(Evidence.agency_id == agency_id, Evidence.cycle_id == cycle_id,
                               Evidence.deleted_at.is_(None))
        .options(selectinload(Evidence.attachments).selectinload(EvidenceAttachment.checklist_item))
        .order_by(Evidence.title, Evidence.id)))


def citation_text(item_codes: list[str], page: int | None) -> str:
    """"หลักฐาน 1.1-B1 หน้า 3": the first item the evidence supports, then the page; the one
    wording for pages (live rows) and reports (snapshot entries)."""
    codes = sorted(item_codes)
    label = f"หลักฐาน {codes[0]}" if codes else "หลักฐาน"
    return f"{label} หน้า {page}" if page else label


def citation_label(citation: AnswerCitation) -> str:
    return citation_text([a.checklist_item.full_code for a in citation.evidence.attachments if a.checklist_item],
                         citation.page)


def citation_url(citation: AnswerCitation) -> str:
    """Opens the evidence at the cited page: the PDF itself at #page=N, else its page here."""
    evidence = citation.evidence
    version = evidence.current_version if evidence.kind == "file" else None
    if citation.page and version is not None and version.file_kind == "pdf":
        return url_for("evidence.preview", evidence_id=evidence.id) + f"#page={citation.page}"
    if citation.page:
        return url_for("evidence.show", evidence_id=evidence.id, page=citation.page) + f"#page-{citation.page}"
    return url_for("evidence.show", evidence_id=evidence.id)
