"""The index documents of the agency's answers to the guide's questions: one per answer,
beside the evidence pages in either backend, with the same agency, cycle, category and
sub-item fields, so the same scope and filters apply. Read like evidence: in a deferred
transaction that is over before the index is written."""
from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.database import end_transaction, reading
from portal.extensions import db
from portal.models import Question, SubItem
from portal.models.answer import Answer
from portal.search.matching import group_key

KIND = "answer"  # its value in file_kind: the type facet and filter, and no file kind matches it
ANSWERS_PER_COMMIT = 1000  # answers are a few KB of text: like one commit of pages


def title(question_code: str) -> str:
    return f"คำตอบข้อ {question_code}"


def text_of(parts: list[str] | None) -> str:
    """All the answer's boxes, one after another on their own lines."""
    return "\n".join(part.strip() for part in parts or [] if part.strip())


def document_for(answer: Answer) -> dict | None:
    """The answer's document, or None while it has no text (nothing to find). Fields it has
    no value for (items, levels, document and upload dates) are left out, so those filters
    never match an answer."""
    text = text_of(answer.parts)
    if not text:
        return None
    question = answer.question
    sub_item = question.sub_item
    return {
        "doc_id": f"answer:{answer.id}",
        "answer": str(answer.id),
        "question": str(question.id),
        "question_text": question.text,
        "agency": str(answer.agency_id),
        "cycle": str(answer.cycle_id),
        "categories": sub_item.category.code,
        "sub_items": sub_item.code,
        "file_kind": KIND,
        "file_name": "",
        "title": title(question.code),
        "title_bigram": title(question.code),
        "page": 0,
        "page_label": "",
        "content": text,
        "content_bigram": text,
        "updated": answer.updated_at.replace(tzinfo=None),
        "group": group_key("answer", answer.id),
        "evidence_number": 0,
    }


def load_answer_documents(ids: Iterable[int]) -> list[dict]:
    ids = [int(i) for i in ids]
    if not ids:
        return []
    with reading():
        answers = db.session.scalars(
            select(Answer).where(Answer.id.in_(ids)).order_by(Answer.id)
            .options(selectinload(Answer.question).selectinload(Question.sub_item).selectinload(SubItem.category)))
        documents = [document for document in map(document_for, answers) if document]
    end_transaction(keep_loaded=True)
    return documents


def all_answer_ids() -> list[int]:
    with reading():
        ids = list(db.session.scalars(select(Answer.id).order_by(Answer.id)))
    end_transaction(keep_loaded=True)
    return ids


def indexed_count() -> int:
    """How many answers have a document (those with text), for `search reindex` to report."""
    with reading():
        count = sum(1 for parts in db.session.scalars(select(Answer.parts)) if text_of(parts))
    end_transaction(keep_loaded=True)
    return count


def saved_since(moment: datetime) -> list[int]:
    """Answers saved since `moment` (index.answers_changed_since allows for the clocks)."""
    with reading():
        ids = list(db.session.scalars(select(Answer.id).where(Answer.updated_at >= moment)))
    end_transaction(keep_loaded=True)
    return ids


def batches(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), ANSWERS_PER_COMMIT):
        yield ids[start:start + ANSWERS_PER_COMMIT]
