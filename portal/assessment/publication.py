"""Publishing the feedback: the lead releases the team's consensus to the agency once it
is done. What is published is frozen as JSON in AssessmentState.feedback (levels, points,
strengths and OFIs with readable references, the submission judged, who published and
when), so later edits of the judgements never change what the agency read. Private notes
are never part of it: the dict is built from levels and findings only."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.access import assessment_team_or_404
from portal.assessment.material import material
from portal.coverage.scoring import scoring_rules
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, Category, User
from portal.models.assessment import AssessmentState, Judgement
from portal.models.user import utcnow
from portal.templating import REACHED_LABELS

FORMAT = 1
NOT_DONE = "หัวหน้าทีมยังไม่ได้ยืนยันผลฉันทามติ จึงยังเผยแพร่ผลการประเมินไม่ได้"
ALREADY = "เผยแพร่ผลการประเมินของส่วนราชการนี้ในรอบนี้แล้ว ผลที่เผยแพร่แล้วไม่เปลี่ยนแปลง"
NOT_SUBMITTED = "ส่วนราชการยังไม่ได้ส่งรายงาน"


def state_of(agency_id: int, cycle_id: int) -> AssessmentState | None:
    return db.session.scalar(select(AssessmentState).where(
        AssessmentState.agency_id == agency_id, AssessmentState.cycle_id == cycle_id))


def published_state(agency_id: int, cycle_id: int) -> AssessmentState | None:
    state = state_of(agency_id, cycle_id)
    return state if state is not None and state.published_at is not None else None


def points_for(code: str, level: str | None) -> int | None:
    """Points of a judged level: category 7 by its result bands' points, the rest by
    process points (both from criteria/scoring.yaml)."""
    if level is None:
        return None
    rules = scoring_rules()
    if code.split(".")[0] == "7":
        band = next((b for b in rules.result_bands if b.level == level), None)
        return band.points if band is not None else None
    return rules.process_points.for_level(level)


def ref_label(ref: dict, evidence_titles: dict[int, str]) -> str:
    """A finding's reference as people read it: "1.1 B1", "คำถาม 1.1-1", an evidence title."""
    kind, value = ref.get("type"), ref.get("ref")
    if kind == "item":
        return str(value).replace("-", " ", 1)
    if kind == "question":
        return f"คำถาม {value}"
    if kind == "evidence":
        try:
            title = evidence_titles.get(int(value))
        except (TypeError, ValueError):
            title = None
        return f"หลักฐาน: {title}" if title else "หลักฐาน (ไม่อยู่ในรายงานที่ส่ง)"
    return str(value)


def _findings(judgement: Judgement | None, kind: str, titles: dict[int, str]) -> list[dict]:
    if judgement is None:
        return []
    return [{"text": f.text, "refs": [ref_label(r, titles) for r in (f.refs or [])]}
            for f in judgement.findings if f.kind == kind]


def _judged(code: str, judgement: Judgement | None, titles: dict[int, str]) -> dict:
    level = judgement.level if judgement is not None else None
    return {"level": level, "level_label": REACHED_LABELS[level] if level else "ยังไม่ได้ตัดสิน",
            "points": points_for(code, level), "strengths": _findings(judgement, "strength", titles),
            "ofis": _findings(judgement, "ofi", titles)}


def build(agency: Agency, cycle: AssessmentCycle, snapshot: dict) -> dict:
    """The feedback the consensus says now, for the snapshot judged (the preview the team
    sees, and what publish() freezes)."""
    consensus = {j.code: j for j in db.session.scalars(
        select(Judgement).where(Judgement.agency_id == agency.id, Judgement.cycle_id == cycle.id,
                                Judgement.assessor_id.is_(None))
        .options(selectinload(Judgement.findings)))}
    titles = {e["id"]: e["title"] for e in snapshot["evidence"]}
    categories = []
    for category in db.session.scalars(
            select(Category).where(Category.version == snapshot["cycle"]["criteria_version"])
            .order_by(Category.position).options(selectinload(Category.sub_items))):
        entry = {"code": category.code, "title": category.title,
                 **_judged(category.code, consensus.get(category.code), titles), "sub_items": []}
        for sub in category.sub_items:
            entry["sub_items"].append({"code": sub.code, "title": sub.title,
                                       **_judged(sub.code, consensus.get(sub.code), titles)})
        categories.append(entry)
    return {"format": FORMAT, "agency": {"code": agency.code, "name": agency.name},
            "fiscal_year": cycle.fiscal_year, "categories": categories}


def preview(agency: Agency, cycle: AssessmentCycle) -> tuple[dict, bool]:
    """What publishing now would freeze, and whether it reads live data (not submitted)."""
    judged = material(agency, cycle)
    feedback = build(agency, cycle, judged.snapshot)
    if judged.submission is not None:
        feedback["submission"] = _submission(judged.submission)
    return feedback, judged.live


def _submission(submission) -> dict:
    return {"id": submission.id, "number": submission.number, "submitted_at": submission.submitted_at.isoformat()}


def publish(agency: Agency, cycle: AssessmentCycle, lead: User) -> AssessmentState:
    assessment_team_or_404(agency.id, cycle, lead, lead=True)
    state = state_of(agency.id, cycle.id)
    if state is None or state.consensus_done_at is None:
        raise Refused(409, NOT_DONE)
    if state.published_at is not None:
        raise Refused(409, ALREADY)
    judged = material(agency, cycle)
    if judged.submission is None:
        raise Refused(409, NOT_SUBMITTED)
    now = utcnow()
    feedback = build(agency, cycle, judged.snapshot)
    feedback["submission"] = _submission(judged.submission)
    feedback["published_at"] = now.isoformat()
    feedback["published_by"] = lead.display_name or lead.username
    state.submission_id, state.published_at, state.published_by_id = judged.submission.id, now, lead.id
    state.feedback = feedback
    db.session.flush()
    audit.record("feedback_published", actor=lead, object_type="assessment_state", object_id=state.id,
                 agency_id=agency.id, fiscal_year=cycle.fiscal_year, submission=judged.submission.number)
    return state


def published_at(feedback: dict) -> datetime | None:
    raw = feedback.get("published_at")
    return datetime.fromisoformat(raw) if raw else None
