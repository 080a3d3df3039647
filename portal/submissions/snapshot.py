"""What a submission freezes, built from the stored rows, and the hash that proves it
unchanged. `build` reads the agency's cycle as it is; `manifest` hashes the canonical JSON
of what `build` returned, so anyone can recompute it from the stored snapshot (or from
the live rows at the moment of submission) and get the same 64 hex digits. Levels come
from the dashboard's own computation (portal.coverage.summary), never a second one."""
import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import cycles
from portal.coverage.levels import VIEWS
from portal.coverage.summary import dashboard_context
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, EvidenceAttachment, User
from portal.models.answer import Answer, ItemStatement, SubItemClaim
from portal.models.evidence import Evidence, EvidencePage
from portal.models.user import aware
from portal.results.queries import metrics_of
from portal.thai.dates import BANGKOK

# Bumped when the snapshot's shape changes; a stored snapshot is hashed as stored, so old
# manifests stay checkable. 2: the effective criteria edition, each file's page count and
# each carried-over link's awaiting_confirmation (the report prints from the snapshot).
FORMAT = 2


def canonical(snapshot: dict) -> bytes:
    """One byte string per snapshot: sorted keys, no spaces, UTF-8, no NaN/Infinity."""
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def manifest(snapshot: dict) -> str:
    return hashlib.sha256(canonical(snapshot)).hexdigest()


def moment(at: datetime) -> str:
    """The submission time as the snapshot writes it (UTC, whole seconds)."""
    return aware(at).astimezone(timezone.utc).isoformat(timespec="seconds")


def is_late(cycle: AssessmentCycle, at: datetime) -> bool:
    """Late when submitted after the deadline day, as a Bangkok calendar reads it."""
    return cycle.deadline is not None and aware(at).astimezone(BANGKOK).date() > cycle.deadline


def build(agency: Agency, cycle: AssessmentCycle, number: int, signer: User | None, at: datetime) -> dict:
    """The agency's work of the cycle as stored now, with who submits it and when (no one
    for a draft: the live report is printed from the snapshot a submission would freeze)."""
    by = {"username": signer.username, "display_name": signer.display_name} if signer is not None else None
    return {
        "format": FORMAT,
        "agency": {"code": agency.code, "name": agency.name, "kind": agency.kind, "unit_type": agency.unit_type},
        "cycle": {"fiscal_year": cycle.fiscal_year, "criteria_version": cycles.criteria_edition(cycle),
                  "deadline": cycle.deadline.isoformat() if cycle.deadline else None},
        "submission": {"number": number, "submitted_at": moment(at), "late": is_late(cycle, at),
                       "submitted_by": by},
        "answers": _answers(agency.id, cycle.id),
        "statements": _statements(agency.id, cycle.id),
        "claims": _claims(agency.id, cycle.id),
        "evidence": _evidence(agency.id, cycle.id),
        "categories": _levels(agency, cycle),
        "results": _results(agency.id, cycle.id),
    }


def _answers(agency_id: int, cycle_id: int) -> dict:
    """Question code → the text of each blank and the evidence (and page) it cites."""
    answers = db.session.scalars(
        select(Answer).where(Answer.agency_id == agency_id, Answer.cycle_id == cycle_id)
        .options(selectinload(Answer.question), selectinload(Answer.citations)))
    found = {}
    for answer in answers:
        citations = sorted(({"evidence_id": c.evidence_id, "page": c.page} for c in answer.citations),
                           key=lambda c: (c["evidence_id"], c["page"] or 0))
        if any(part.strip() for part in answer.parts) or citations:
            found[answer.question.code] = {"parts": list(answer.parts), "citations": citations}
    return found


def _statements(agency_id: int, cycle_id: int) -> dict:
    """Item code → what was done, or (not_applicable) why the item does not apply."""
    statements = db.session.scalars(
        select(ItemStatement).where(ItemStatement.agency_id == agency_id, ItemStatement.cycle_id == cycle_id)
        .options(selectinload(ItemStatement.checklist_item)))
    return {s.checklist_item.full_code: {"text": s.text, "not_applicable": s.not_applicable}
            for s in statements if s.text.strip() or s.not_applicable}


def _claims(agency_id: int, cycle_id: int) -> dict:
    """Sub-item code → the level the agency asks to be assessed at, with its note."""
    claims = db.session.scalars(
        select(SubItemClaim).where(SubItemClaim.agency_id == agency_id, SubItemClaim.cycle_id == cycle_id)
        .options(selectinload(SubItemClaim.sub_item)))
    return {c.sub_item.code: {"level": c.level, "note": c.note} for c in claims}


def _evidence(agency_id: int, cycle_id: int) -> list[dict]:
    """Every live evidence of the cycle: a link's address, or the file version in force
    with its SHA-256 (a file replaced later is a new version; this one stays stored)."""
    rows = db.session.scalars(
        select(Evidence).where(Evidence.agency_id == agency_id, Evidence.cycle_id == cycle_id,
                               Evidence.deleted_at.is_(None))
        .options(selectinload(Evidence.versions),
                 selectinload(Evidence.attachments).selectinload(EvidenceAttachment.checklist_item))
        .order_by(Evidence.id))
    pages = dict(db.session.execute(
        select(EvidencePage.evidence_id, func.count()).join(Evidence)
        .where(Evidence.agency_id == agency_id, Evidence.cycle_id == cycle_id, Evidence.deleted_at.is_(None))
        .group_by(EvidencePage.evidence_id)).all())
    found = []
    for evidence in rows:
        entry = {"id": evidence.id, "title": evidence.title, "kind": evidence.kind,
                 "description": evidence.description,
                 "document_date": evidence.document_date.isoformat() if evidence.document_date else None,
                 "items": sorted(({"item": a.checklist_item.full_code, "note": a.note,
                                   "awaiting_confirmation": a.awaiting_confirmation} for a in evidence.attachments),
                                 key=lambda a: a["item"])}
        if evidence.kind == "link":
            entry["url"] = evidence.url
        else:
            file = evidence.current_version
            entry["file"] = {"version": file.number, "sha256": file.sha256, "size": file.size,
                             "original_name": file.original_name, "file_kind": file.file_kind,
                             "pages": pages.get(evidence.id, 0)}
        found.append(entry)
    return found


def _outcome(outcome) -> dict:
    return {"level": outcome.level, "points": outcome.points, "done": outcome.done, "total": outcome.total}


def _levels(agency: Agency, cycle: AssessmentCycle) -> list[dict]:
    """Categories 1–6 and their sub-items: the dashboard's levels in both views, and how
    many of each sub-item's questions are answered."""
    contexts = {view: dashboard_context(agency, cycle, view) for view in VIEWS}
    progress = contexts["covered"]["answer_progress"]
    categories = []
    for n, report in enumerate(contexts["covered"]["reports"]):
        reports = {view: context["reports"][n] for view, context in contexts.items()}
        subs = []
        for m, sub in enumerate(report.sub_items):
            answered = progress[sub.sub_item.id]
            subs.append({"code": sub.sub_item.code, "title": sub.sub_item.title,
                         "levels": {view: _outcome(r.sub_items[m].outcome) for view, r in reports.items()},
                         "questions": {"answered": answered.answered, "partial": answered.partial,
                                       "total": answered.total}})
        categories.append({"code": report.category.code, "title": report.category.title,
                           "levels": {view: _outcome(r.outcome) for view, r in reports.items()},
                           "sub_items": subs})
    return categories


def _results(agency_id: int, cycle_id: int) -> list[dict]:
    """Category 7 metrics with their target, three years of values, linked evidence and definition."""
    return [{"id": m.id, "group": m.group.code, "name": m.name, "unit": m.unit, "direction": m.direction,
             "target": m.target, "mandatory_indicator": m.mandatory_indicator or "",
             "values": [m.value_two_years_ago, m.value_last_year, m.value_this_year],
             "evidence_ids": sorted(link.evidence_id for link in m.evidence_links),
             # Added after format 2 was fixed: readers take them as optional (reports/content.py).
             "definition": {"formula": m.formula or "", "data_source": m.data_source or "",
                            "baseline": m.baseline, "responsible_unit": m.responsible_unit or "",
                            "process_sub_item": m.process_sub_item or ""}}
            for m in metrics_of(agency_id, cycle_id)]
