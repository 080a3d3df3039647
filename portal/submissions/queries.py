"""Read side of submissions, always within one agency: its submissions, one of them (another
agency's is not found), and the figures a summary or receipt shows, read from a snapshot."""
from dataclasses import dataclass

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Agency, Submission


def submissions_of(agency_id: int, cycle_id: int) -> list[Submission]:
    """Newest first."""
    return list(db.session.scalars(
        select(Submission).where(Submission.agency_id == agency_id, Submission.cycle_id == cycle_id)
        .options(selectinload(Submission.submitted_by), selectinload(Submission.reopened_by))
        .order_by(Submission.number.desc())))


def submission_or_404(agency: Agency, submission_id: int) -> Submission:
    """Only this agency's submission exists under its address (the agency is checked first)."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.agency_id != agency.id:
        abort(404, description="ไม่พบรายงานที่ส่งฉบับนี้")
    return submission


def latest_of(agency_id: int, cycle_id: int) -> Submission | None:
    """The newest submission, open or reopened: the one assessors read."""
    return db.session.scalar(select(Submission).where(
        Submission.agency_id == agency_id, Submission.cycle_id == cycle_id)
        .order_by(Submission.number.desc()).limit(1))


def previous_of(submission: Submission) -> Submission | None:
    return db.session.scalar(select(Submission).where(
        Submission.agency_id == submission.agency_id, Submission.cycle_id == submission.cycle_id,
        Submission.number < submission.number).order_by(Submission.number.desc()).limit(1))


@dataclass(frozen=True)
class CategoryFigures:
    code: str
    title: str
    level: str  # covered view ("ตามหลักฐาน")
    accepted_level: str
    points: int
    evidence: int
    answered: int
    questions: int


@dataclass(frozen=True)
class Figures:
    categories: list[CategoryFigures]
    metrics: int
    metric_evidence: int
    evidence: int
    files: int
    links: int
    answers: int
    statements: int


def figures(snapshot: dict) -> Figures:
    """Per category: level, evidence on its items, questions answered in full; category 7's
    metric count; totals. The same for a live summary and a stored snapshot."""
    evidence_by_category: dict[str, set[int]] = {}
    for entry in snapshot["evidence"]:
        for attached in entry["items"]:
            category = attached["item"].split(".", 1)[0]
            evidence_by_category.setdefault(category, set()).add(entry["id"])
    categories = [CategoryFigures(
        code=c["code"], title=c["title"], level=c["levels"]["covered"]["level"],
        accepted_level=c["levels"]["accepted"]["level"], points=c["levels"]["covered"]["points"],
        evidence=len(evidence_by_category.get(c["code"], ())),
        answered=sum(s["questions"]["answered"] for s in c["sub_items"]),
        questions=sum(s["questions"]["total"] for s in c["sub_items"]))
        for c in snapshot["categories"]]
    files = sum(1 for e in snapshot["evidence"] if e["kind"] == "file")
    return Figures(categories=categories, metrics=len(snapshot["results"]),
                   metric_evidence=len({i for m in snapshot["results"] for i in m["evidence_ids"]}),
                   evidence=len(snapshot["evidence"]), files=files, links=len(snapshot["evidence"]) - files,
                   answers=len(snapshot["answers"]), statements=len(snapshot["statements"]))
