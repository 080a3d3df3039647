"""What an agency changed on an item since the reviewer's last decision, for the reviewer of
a resubmitted item: evidence added, removed or replaced (from the audit trail), the item's
statement, and the answers to its sub-item's questions (before and after, from their
revisions). Read-only; one agency, one item."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.answers import structure
from portal.extensions import db
from portal.models import AuditEvent, ChecklistItem, Question
from portal.models.answer import Answer, AnswerRevision
from portal.models.evidence import EvidenceAttachment
from portal.models.user import aware

EVIDENCE_ACTIONS = {"evidence_added": "เพิ่มหลักฐาน", "evidence_attached": "แนบหลักฐาน",
                    "evidence_detached": "นำหลักฐานออก", "evidence_replaced": "แทนที่ไฟล์ของหลักฐาน",
                    "evidence_updated": "แก้รายละเอียดหลักฐาน", "evidence_deleted": "ลบหลักฐาน",
                    "evidence_restored": "กู้คืนหลักฐาน"}
ON_ITEM = {"evidence_added", "evidence_attached", "evidence_detached"}  # their details name the item
MAX_EVENTS = 500


@dataclass(frozen=True)
class Change:
    at: datetime
    who: str
    what: str


@dataclass(frozen=True)
class AnswerChange:
    code: str
    before: list[str]
    after: list[str]


def changes_since(agency_id: int, cycle_id: int, item: ChecklistItem, since: datetime) -> tuple[list[Change], list[AnswerChange]]:
    since = aware(since)
    attached = set(db.session.scalars(select(EvidenceAttachment.evidence_id)
                                      .where(EvidenceAttachment.checklist_item_id == item.id)))
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.agency_id == agency_id, AuditEvent.at > since,
                                 AuditEvent.action.in_([*EVIDENCE_ACTIONS, "item_statement_saved"]))
        .order_by(AuditEvent.at, AuditEvent.id).limit(MAX_EVENTS)).all()
    found = []
    for event in events:
        details = event.details or {}
        if event.action == "item_statement_saved":
            if event.object_id == item.id:
                what = ("ระบุว่ารายการนี้ไม่เกี่ยวข้อง พร้อมเหตุผล" if details.get("not_applicable")
                        else "แก้ผลการดำเนินการ")
                found.append(Change(event.at, _who(event), what))
            continue
        names_item = details.get("item") == item.full_code
        if (event.action in ON_ITEM and names_item) or (event.action not in ON_ITEM and event.object_id in attached):
            title = details.get("title") or details.get("name") or details.get("url") or f"หมายเลข {event.object_id}"
            found.append(Change(event.at, _who(event), f"{EVIDENCE_ACTIONS[event.action]} “{title}”"))
    return found, _answer_changes(agency_id, cycle_id, item, since)


def _who(event: AuditEvent) -> str:
    return event.actor.display_name if event.actor else (event.actor_name or "")


def _answer_changes(agency_id: int, cycle_id: int, item: ChecklistItem, since: datetime) -> list[AnswerChange]:
    questions = db.session.scalars(select(Question).where(Question.sub_item_id == item.sub_item_id)
                                   .order_by(Question.position)).all()
    answers = {a.question_id: a for a in db.session.scalars(select(Answer).where(
        Answer.agency_id == agency_id, Answer.cycle_id == cycle_id,
        Answer.question_id.in_([q.id for q in questions])))}
    changed = []
    for question in questions:
        answer = answers.get(question.id)
        if answer is None or aware(answer.updated_at) <= since:
            continue
        count = len(structure.slots(question.text, question.bullets))
        earlier = db.session.scalar(select(AnswerRevision).where(
            AnswerRevision.answer_id == answer.id, AnswerRevision.saved_at <= since)
            .order_by(AnswerRevision.saved_at.desc(), AnswerRevision.id.desc()).limit(1))
        before = structure.fitted(earlier.parts if earlier else [], count)
        after = structure.fitted(answer.parts, count)
        if before != after:
            changed.append(AnswerChange(question.code, before, after))
    return changed
