"""Running extraction again over stored evidence, after the readers, the OCR or the Thai
repair improved (`flask evidence reextract`).

Two ways: the repair alone over the text each page kept as the file gave it (fast, no
files read), or the whole extraction queued again for the worker. Either way evidence is
taken in id order and the last one finished is recorded in the instance folder, so an
interrupted run continues where it stopped. Changed pages reach the search index, and
queued evidence the worker, once each batch commits (portal/effects.py).
"""
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from portal import effects
from portal.evidence.extract import needs_repair, repaired
from portal.extensions import db
from portal.models.evidence import Evidence

PROGRESS_FILE = "reextract-progress.json"
BATCH = 50  # evidence per commit (and per recorded step)
REQUEUED_STATES = ("done", "failed")  # queued or running evidence is extracted anew anyway


@dataclass
class Outcome:
    evidence: int = 0  # evidence looked at in this run
    changed: int = 0  # repair: evidence whose text changed; full: evidence queued
    resumed_after: int = 0  # evidence already done by an interrupted run


def _progress_path() -> Path:
    return Path(current_app.instance_path) / PROGRESS_FILE


def _run_key(mode: str, agency_id: int | None) -> dict:
    """What a recorded step belongs to: the same database, way and agency."""
    return {"database": db.engine.url.render_as_string(hide_password=True), "mode": mode, "agency_id": agency_id}


def _resume_point(mode: str, agency_id: int | None) -> int:
    try:
        state = json.loads(_progress_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return 0
    same_run = {key: state.get(key) for key in ("database", "mode", "agency_id")} == _run_key(mode, agency_id)
    return int(state.get("done_through", 0)) if same_run else 0


def _record(mode: str, agency_id: int | None, done_through: int) -> None:
    path = _progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(_run_key(mode, agency_id) | {"done_through": done_through}), encoding="utf-8")
    temporary.replace(path)


def evidence_ids(agency_id: int | None, after: int = 0) -> list[int]:
    """Live file evidence (of one agency, or all), in id order, after `after`."""
    statement = (select(Evidence.id).where(Evidence.kind == "file", Evidence.deleted_at.is_(None), Evidence.id > after)
                 .order_by(Evidence.id))
    if agency_id is not None:
        statement = statement.where(Evidence.agency_id == agency_id)
    return list(db.session.scalars(statement))


def repair_again(evidence: Evidence) -> bool:
    """Run the current repair over each repairable page's original text; True if a page changed."""
    kind = evidence.current_version.file_kind if evidence.current_version else ""
    changed = False
    for page in evidence.pages:
        if not needs_repair(kind, page.ocr):
            continue
        original = page.original_text if page.original_text is not None else page.text
        text, kept = repaired(original)
        if (text, kept) != (page.text, page.original_text):
            page.text, page.original_text = text, kept
            changed = True
    return changed


def queue_again(evidence: Evidence) -> bool:
    """Mark finished evidence for extraction from its stored file; True if it was marked.
    Its pages stay searchable until the new extraction replaces them. A statement, not the
    loaded object: that would UPDATE only while the evidence keeps the version it was
    loaded with (portal/versions.py), and an editor saving meanwhile must not fail the batch."""
    if evidence.extraction_status not in REQUEUED_STATES:
        return False
    db.session.execute(update(Evidence).where(Evidence.id == evidence.id)
                       .values(extraction_status="queued", extraction_error=None))
    return True


def run(repair_only: bool, agency_id: int | None = None, fresh: bool = False,
        progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Re-run the repair (repair_only: changed evidence is re-indexed) or queue every
    evidence for extraction; both follow each batch's commit (portal.effects).
    progress(done, total)."""
    mode = "repair" if repair_only else "full"
    done_through = 0 if fresh else _resume_point(mode, agency_id)
    todo = evidence_ids(agency_id, after=done_through)
    outcome = Outcome(resumed_after=len(evidence_ids(agency_id)) - len(todo) if done_through else 0)
    total = outcome.resumed_after + len(todo)
    if progress:
        progress(outcome.resumed_after, total)
    for chunk in _batches(todo, BATCH):
        batch = list(db.session.scalars(select(Evidence).where(Evidence.id.in_(chunk)).order_by(Evidence.id)
                                        .options(selectinload(Evidence.pages), selectinload(Evidence.versions))))
        queued = [e.id for e in batch if (repair_again(e) if repair_only else queue_again(e))]
        if queued:
            effects.record(db.session, "index" if repair_only else "extract", queued)
        db.session.commit()
        _record(mode, agency_id, chunk[-1])
        outcome.evidence += len(chunk)
        outcome.changed += len(queued)
        db.session.expunge_all()
        if progress:
            progress(outcome.resumed_after + outcome.evidence, total)
    _progress_path().unlink(missing_ok=True)
    return outcome


def _batches(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
