"""Good practice (แนวปฏิบัติที่ดี): once the feedback is published the lead may propose a
sub-item's answers and evidence as good practice; the agency's editor or signer agrees or
declines. Agreed practices are what every agency may read of another: that sub-item's
answers, item statements and evidence as the judged submission froze them, nothing else.
The library's search tokenises Thai with the portal's segmenter (portal/search/analyzer),
so a word inside a Thai sentence matches."""
from dataclasses import dataclass

from flask import abort
from sqlalchemy import select

from portal import audit, cycles
from portal.access import assessment_team_or_404, can_answer_for_agency, hidden
from portal.assessment import publication
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, SubItem, User
from portal.models.assessment import GoodPractice
from portal.models.criteria import Category
from portal.models.user import utcnow
from portal.search.analyzer import words

FORBIDDEN = "เฉพาะผู้แก้ไขหรือผู้ลงนามของส่วนราชการนี้ตอบรับการเผยแพร่แนวปฏิบัติที่ดีได้"
MAX_REASON = 2000


def of_agency(agency_id: int, cycle_id: int) -> dict[str, GoodPractice]:
    return {p.code: p for p in db.session.scalars(select(GoodPractice).where(
        GoodPractice.agency_id == agency_id, GoodPractice.cycle_id == cycle_id))}


def _sub_item_codes(feedback: dict) -> set[str]:
    return {s["code"] for c in feedback["categories"] for s in c["sub_items"]}


def mark(agency: Agency, cycle: AssessmentCycle, code: str, reason: str, lead: User) -> GoodPractice:
    assessment_team_or_404(agency.id, cycle, lead, lead=True)
    state = publication.published_state(agency.id, cycle.id)
    if state is None:
        raise Refused(409, "เสนอแนวปฏิบัติที่ดีได้หลังเผยแพร่ผลการประเมินแล้วเท่านั้น")
    if code not in _sub_item_codes(state.feedback):
        raise Refused(422, "ไม่พบหัวข้อย่อยนี้ในผลการประเมิน")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise Refused(422, f"เหตุผลยาวเกิน {MAX_REASON} ตัวอักษร")
    existing = of_agency(agency.id, cycle.id).get(code)
    if existing is not None and existing.declined_at is None:
        raise Refused(409, f"เสนอหัวข้อ {code} เป็นแนวปฏิบัติที่ดีไว้แล้ว")
    if existing is not None:  # declined before: a new proposal asks the agency again
        db.session.delete(existing)
        db.session.flush()
    practice = GoodPractice(cycle_id=cycle.id, agency_id=agency.id, submission_id=state.submission_id,
                            code=code, reason=reason, marked_by_id=lead.id)
    db.session.add(practice)
    db.session.flush()
    audit.record("good_practice_marked", actor=lead, object_type="good_practice", object_id=practice.id,
                 agency_id=agency.id, code=code, reason=reason)
    return practice


def practice_of_agency_or_404(agency: Agency, practice_id: int) -> GoodPractice:
    practice = db.session.get(GoodPractice, practice_id)
    if practice is None:
        abort(404)
    if practice.agency_id != agency.id:
        hidden("good_practice", practice.id, practice.agency_id)
    return practice


def answer(practice: GoodPractice, agree: bool, user: User) -> GoodPractice:
    if not can_answer_for_agency(practice.agency_id, user):
        abort(403, description=FORBIDDEN)
    if practice.agreed_at is not None or practice.declined_at is not None:
        raise Refused(409, "ส่วนราชการตอบรับหรือปฏิเสธข้อเสนอนี้ไปแล้ว")
    if agree:
        practice.agreed_at, practice.agreed_by_id = utcnow(), user.id
    else:
        practice.declined_at = utcnow()
    audit.record("good_practice_agreed" if agree else "good_practice_declined", actor=user,
                 object_type="good_practice", object_id=practice.id, agency_id=practice.agency_id,
                 code=practice.code)
    return practice


def agreed_or_404(practice_id: int) -> GoodPractice:
    """The library shows agreed practices only; any other id does not exist for it."""
    practice = db.session.get(GoodPractice, practice_id)
    if practice is None or practice.agreed_at is None or practice.declined_at is not None:
        abort(404)
    return practice


@dataclass(frozen=True)
class Listed:
    practice: GoodPractice
    category_code: str
    title: str
    excerpt: str


def _sub_item(practice: GoodPractice) -> SubItem | None:
    edition = practice.submission.snapshot["cycle"]["criteria_version"]
    return db.session.scalar(select(SubItem).join(Category).where(
        Category.version == edition, SubItem.code == practice.code))


def _texts(practice: GoodPractice, sub: SubItem | None) -> list[str]:
    """The sub-item's answers and item statements as submitted."""
    frozen = practice.submission.snapshot
    if sub is None:
        return []
    texts = [part for q in sub.questions for part in frozen["answers"].get(q.code, {}).get("parts", []) if part]
    texts += [s["text"] for code, s in frozen["statements"].items()
              if code.startswith(f"{practice.code}-") and s["text"]]
    return texts


def _tokens(text: str) -> set[str]:
    return {word.casefold() for word, _start, _end in words(text)}


def _matches(query_words: list[str], haystack: str, tokens: set[str]) -> bool:
    # Segmentation may cut a word differently inside a longer run: a query word matches as
    # a whole token or, failing that, inside the text.
    return all(word in tokens or word in haystack for word in query_words)


def library(query: str = "", category: str = "") -> list[Listed]:
    practices = db.session.scalars(select(GoodPractice).where(
        GoodPractice.agreed_at.is_not(None), GoodPractice.declined_at.is_(None))
        .order_by(GoodPractice.code, GoodPractice.agreed_at.desc()))
    query_words = [w.casefold() for w, _s, _e in words(query or "")]
    found = []
    for practice in practices:
        category_code = practice.code.split(".")[0]
        if category and category_code != category:
            continue
        sub = _sub_item(practice)
        title = sub.title if sub is not None else ""
        texts = _texts(practice, sub)
        haystack = " ".join([practice.code, title, practice.agency.name, practice.reason, *texts]).casefold()
        if query_words and not _matches(query_words, haystack, _tokens(haystack)):
            continue
        excerpt = texts[0] if texts else practice.reason
        found.append(Listed(practice, category_code, title, excerpt[:240] + ("…" if len(excerpt) > 240 else "")))
    return found


def categories() -> list[tuple[str, str]]:
    """Categories 1–6 to filter by (practices are sub-items of process categories)."""
    edition = cycles.criteria_edition(cycles.current_cycle())
    return [(c.code, c.title) for c in db.session.scalars(
        select(Category).where(Category.version == edition).order_by(Category.position)) if not c.is_results]


def _attached(practice: GoodPractice, entry: dict) -> bool:
    return any(a["item"].startswith(f"{practice.code}-") and not a.get("awaiting_confirmation")
               for a in entry["items"])


def openable_ids(practice: GoodPractice) -> set[int]:
    """Evidence of the practice's sub-item as the submission froze it: what is attached to
    that sub-item's items in the snapshot."""
    return {e["id"] for e in practice.submission.snapshot["evidence"] if _attached(practice, e)}


def evidence_entry_or_404(practice: GoodPractice, evidence_id: int) -> dict:
    """Only the sub-item's own evidence; any other id does not exist here."""
    for entry in practice.submission.snapshot["evidence"]:
        if entry["id"] == evidence_id and _attached(practice, entry):
            return entry
    abort(404)
