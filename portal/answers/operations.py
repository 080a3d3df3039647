"""Every change to the agency's written report: answers to questions (autosaved, versioned,
with their revisions), their citations of evidence, and per-item statements. Views call
these and commit; a refusal is Refused with a Thai message."""
from datetime import timedelta

from sqlalchemy import func, select

from portal import audit, cycles, effects, versions
from portal.access import can_edit_agency
from portal.answers import structure
from portal.answers.queries import CLAIM_LABELS, answer_of, claim_of, statement_of
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, ChecklistItem, ItemReview, Question, SubItem, User
from portal.models.answer import Answer, AnswerCitation, AnswerRevision, ItemStatement, SubItemClaim
from portal.models.evidence import Evidence
from portal.models.user import aware, utcnow
from portal.submissions.lock import require_open
from portal.text import clean_text

FORBIDDEN_WRITE = "เฉพาะเจ้าหน้าที่ของส่วนราชการนี้ (สิทธิ์แก้ไข) เท่านั้นที่เขียนคำตอบได้"
ONE_SITTING = timedelta(minutes=10)  # autosaves by one person this close together are one revision
MAX_STATEMENT = 3000
MAX_CITATIONS = 30


def _require_writer(agency: Agency, user: User) -> None:
    """The agency's editor, while its report of the current cycle is not submitted."""
    if not can_edit_agency(agency.id, user):
        raise Refused(403, FORBIDDEN_WRITE)
    require_open(agency.id, cycles.current_cycle().id)


def answer_conflict(agency: Agency, question: Question, user: User | None) -> Refused | None:
    """409: the answer someone saved since this form was shown, quoted so nothing is lost."""
    answer = answer_of(agency.id, cycles.current_cycle().id, question.id)
    if answer is None:
        return None
    current = [("คำตอบ", versions.quoted(" / ".join(p for p in answer.parts if p.strip())))]
    return versions.conflict(f"คำตอบข้อ {question.code} ", current,
                             versions.changed_by(answer.updated_at, answer.updated_by), user)


def save_answer(agency: Agency, question: Question, parts: list[str], user: User,
                version: int | None) -> Answer:
    """The whole answer as the form holds it; an unchanged save writes nothing. `version`:
    the answer's as the form showed it, 0 when there was none yet (portal/versions.py)."""
    _require_writer(agency, user)
    cycle = cycles.current_cycle()
    count = len(structure.slots(question.text, question.bullets))
    if len(parts) != count:
        raise Refused(422, f"แบบฟอร์มคำตอบข้อ {question.code} ไม่ตรงกับคำถาม กรุณาโหลดหน้าใหม่")
    parts = [clean_text(part, f"คำตอบช่องที่ {n}", limit=structure.MAX_PART_CHARS, required=False)
             for n, part in enumerate(parts, start=1)]
    answer = answer_of(agency.id, cycle.id, question.id)
    versions.check(answer, version, lambda: answer_conflict(agency, question, user))
    if answer is not None and structure.fitted(answer.parts, count) == parts and not answer.carried_over:
        return answer
    if answer is None and not any(parts):
        raise Refused(422, f"คำตอบข้อ {question.code} ยังว่างอยู่")
    now = utcnow()
    # Two editors' first saves meet at the unique (agency, cycle, question) row: one is
    # written, the other request runs again and its check shows it the winner's text.
    with versions.saving(lambda: answer_conflict(agency, question, user)):
        if answer is None:
            answer = Answer(agency_id=agency.id, cycle_id=cycle.id, question_id=question.id)
            db.session.add(answer)
        answer.parts, answer.updated_by_id, answer.updated_at = parts, user.id, now
        answer.carried_over = False  # saved in this cycle: no longer last year's draft
        _keep_revision(answer, parts, user, now)
    # The search document follows in the worker, from this same transaction's outbox row.
    effects.record(db.session, "index_answer", [answer.id])
    return answer


def _keep_revision(answer: Answer, parts: list[str], user: User, now) -> None:
    latest = answer.revisions[0] if answer.id is not None and answer.revisions else None
    if (latest is not None and latest.saved_by_id == user.id and now - aware(latest.saved_at) < ONE_SITTING
            and not _decided_since(answer, latest.saved_at)):
        latest.parts, latest.saved_at = parts, now
        return
    answer.revisions.append(AnswerRevision(parts=parts, saved_by_id=user.id, started_at=now, saved_at=now))
    audit.record("answer_saved", actor=user, object_type="question", object_id=answer.question_id,
                 agency_id=answer.agency_id, question=answer.question.code if answer.question else None)


def _decided_since(answer: Answer, moment) -> bool:
    """A reviewer decided on an item of the answer's sub-item since `moment`: the sitting ends
    there, so the revision the reviewer saw stays as it was (portal/reviews/changes.py)."""
    return db.session.scalar(
        select(func.count()).select_from(ItemReview).join(ChecklistItem)
        .where(ItemReview.agency_id == answer.agency_id, ItemReview.cycle_id == answer.cycle_id,
               ChecklistItem.sub_item_id == answer.question.sub_item_id, ItemReview.decided_at > moment)) > 0


def cite(agency: Agency, question: Question, evidence: Evidence, page: int | None, user: User) -> AnswerCitation:
    """Cite one of the agency's own evidence (another agency's is not found: 404) in the
    answer, at a page it has."""
    _require_writer(agency, user)
    cycle = cycles.current_cycle()
    if evidence.agency_id != agency.id or evidence.cycle_id != cycle.id or evidence.deleted_at is not None:
        raise Refused(404, "ไม่พบหลักฐานนี้ในรอบการประเมินปัจจุบันของส่วนราชการ")
    if page is not None and evidence.kind == "file":
        pages = len(evidence.pages)
        if pages and not 1 <= page <= pages:
            raise Refused(422, f"หลักฐาน “{evidence.title}” มี {pages} หน้า (ระบุหน้า 1–{pages})", field="page")
    if page is not None and evidence.kind != "file":
        raise Refused(422, "ลิงก์ไม่มีเลขหน้า เว้นช่องหน้าว่างไว้", field="page")
    answer = answer_of(agency.id, cycle.id, question.id)
    if answer is None:
        answer = Answer(agency_id=agency.id, cycle_id=cycle.id, question_id=question.id, parts=[],
                        updated_by_id=user.id)
        db.session.add(answer)
        db.session.flush()
    if any(c.evidence_id == evidence.id and c.page == page for c in answer.citations):
        raise Refused(422, "อ้างอิงหลักฐานนี้ (หน้านี้) ไว้แล้ว")
    if len(answer.citations) >= MAX_CITATIONS:
        raise Refused(422, f"อ้างอิงหลักฐานได้ไม่เกิน {MAX_CITATIONS} รายการต่อข้อ")
    citation = AnswerCitation(evidence_id=evidence.id, page=page, created_by_id=user.id)
    answer.citations.append(citation)
    audit.record("answer_citation_added", actor=user, object_type="question", object_id=question.id,
                 agency_id=agency.id, question=question.code, evidence_id=evidence.id, page=page)
    return citation


def uncite(agency: Agency, question: Question, citation_id: int, user: User) -> None:
    _require_writer(agency, user)
    answer = answer_of(agency.id, cycles.current_cycle().id, question.id)
    citation = db.session.scalar(select(AnswerCitation).where(
        AnswerCitation.id == citation_id, AnswerCitation.answer_id == (answer.id if answer else None)))
    if citation is None:
        raise Refused(404, "ไม่พบการอ้างอิงนี้ (อาจถูกลบไปแล้ว)")
    answer.citations.remove(citation)
    audit.record("answer_citation_removed", actor=user, object_type="question", object_id=question.id,
                 agency_id=agency.id, question=question.code, evidence_id=citation.evidence_id)


def statement_conflict(agency: Agency, item: ChecklistItem, user: User | None) -> Refused | None:
    statement = statement_of(agency.id, cycles.current_cycle().id, item.id)
    if statement is None:
        return None
    current = [("ข้อความ", versions.quoted(statement.text))]
    if statement.not_applicable:
        current.insert(0, ("รายการนี้", "“ไม่เกี่ยวข้อง”"))
    return versions.conflict(f"ผลการดำเนินการรายการ {item.code} ", current,
                             versions.changed_by(statement.updated_at, statement.updated_by), user)


def save_statement(agency: Agency, item: ChecklistItem, text: str, user: User,
                   version: int | None, not_applicable: bool = False) -> ItemStatement:
    """What the agency did for the item, with or without evidence ("ผลการดำเนินการ"); or
    that the item does not apply to it, which needs a reason (reviewers read it, and the
    computed level counts the item as decided: portal/coverage/queries.py)."""
    _require_writer(agency, user)
    cycle = cycles.current_cycle()
    label = "เหตุผลที่รายการนี้ไม่เกี่ยวข้อง" if not_applicable else "ผลการดำเนินการ"
    text = clean_text(text, label, limit=MAX_STATEMENT, required=not_applicable)
    statement = statement_of(agency.id, cycle.id, item.id)
    versions.check(statement, version, lambda: statement_conflict(agency, item, user))
    before = (statement.text, statement.not_applicable) if statement else ("", False)
    if before == (text, not_applicable):
        raise Refused(422, "ข้อความไม่เปลี่ยนแปลง")
    with versions.saving(lambda: statement_conflict(agency, item, user)):
        if statement is None:
            statement = ItemStatement(agency_id=agency.id, cycle_id=cycle.id, checklist_item_id=item.id)
            db.session.add(statement)
        statement.text, statement.not_applicable = text, not_applicable
        statement.updated_by_id, statement.updated_at = user.id, utcnow()
    audit.record("item_statement_saved", actor=user, object_type="checklist_item", object_id=item.id,
                 agency_id=agency.id, item=item.full_code, not_applicable=not_applicable,
                 was_not_applicable=before[1])
    return statement


def claim_conflict(agency: Agency, sub_item: SubItem, user: User | None) -> Refused | None:
    claim = claim_of(agency.id, cycles.current_cycle().id, sub_item.id)
    if claim is None:
        return None
    return versions.conflict(f"ระดับที่ขอรับการประเมินของหัวข้อ {sub_item.code} ",
                             [("ระดับ", f"“{CLAIM_LABELS[claim.level]}”")],
                             versions.changed_by(claim.updated_at, claim.updated_by), user)


def save_claim(agency: Agency, sub_item: SubItem, level: str, note: str, user: User,
               version: int | None) -> SubItemClaim:
    """The level the agency asks to be assessed at; the computed level stays beside it."""
    _require_writer(agency, user)
    if level not in CLAIM_LABELS:
        raise Refused(422, "กรุณาเลือกระดับที่ขอรับการประเมิน", field="claim-level")
    note = clean_text(note, "หมายเหตุ", limit=MAX_STATEMENT, required=False, field="claim-note")
    cycle = cycles.current_cycle()
    claim = claim_of(agency.id, cycle.id, sub_item.id)
    versions.check(claim, version, lambda: claim_conflict(agency, sub_item, user))
    before = claim.level if claim else None
    if claim is not None and (claim.level, claim.note) == (level, note):
        raise Refused(422, f"ขอรับการประเมินที่{CLAIM_LABELS[level]}อยู่แล้ว", field="claim-level")
    with versions.saving(lambda: claim_conflict(agency, sub_item, user)):
        if claim is None:
            claim = SubItemClaim(agency_id=agency.id, cycle_id=cycle.id, sub_item_id=sub_item.id)
            db.session.add(claim)
        claim.level, claim.note, claim.updated_by_id, claim.updated_at = level, note, user.id, utcnow()
    audit.record("level_claimed", actor=user, object_type="sub_item", object_id=sub_item.id,
                 agency_id=agency.id, sub_item=sub_item.code, before=before, after=level)
    return claim
