"""Extraction of one evidence, run by the background worker: claim, extract with
limits, store the pages, record the outcome. Safe to run twice for the same evidence.
No transaction is open while the file is read or OCRed (that took SQLite's write lock
for minutes): each step that writes is its own short transaction (portal/database.py)."""
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import or_, select, update

from portal import effects
from portal.database import DatabaseBusy, end_transaction, reading, write
from portal.evidence.extract import ExtractionError
from portal.evidence.pool import extract_with_limits
from portal.evidence.metadata import DocumentMetadata, title_from
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.metrics import EXTRACTION_FAILURES
from portal.models.evidence import Evidence, EvidencePage
from portal.models.outbox import OutboxEffect

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 0.5
OUTCOME_ATTEMPTS = 10  # the outcome must be recorded; the outbox re-runs a job that could not
ORPHAN_AFTER = timedelta(minutes=1)  # younger "queued" evidence may still have its row on the way


@dataclass(frozen=True)
class Claim:
    """One job's hold on one evidence: `started_at` tells it from a later claim."""

    evidence_id: int
    started_at: datetime


def _dead_before() -> datetime:
    return datetime.now(timezone.utc) - timedelta(seconds=current_app.config["JOB_DEAD_SECONDS"])


def _claim_lapsed(dead_before: datetime):
    """Extracting, but the job's heartbeat stopped: its worker died."""
    return (Evidence.extraction_status == "extracting") & or_(
        Evidence.extraction_heartbeat_at < dead_before,
        Evidence.extraction_heartbeat_at.is_(None) & or_(Evidence.extraction_started_at.is_(None),
                                                         Evidence.extraction_started_at < dead_before))


def claim(evidence_id: int) -> Claim | None:
    """Atomically take the job: only one worker extracts an evidence at a time."""
    now = datetime.now(timezone.utc)
    result = write(lambda: db.session.execute(
        update(Evidence)
        .where(Evidence.id == evidence_id, Evidence.deleted_at.is_(None), Evidence.kind == "file")
        .where(or_(Evidence.extraction_status == "queued", _claim_lapsed(_dead_before())))
        .values(extraction_status="extracting", extraction_started_at=now, extraction_heartbeat_at=now,
                pages_done=0, pages_total=0, extraction_error=None)
    ), attempts=OUTCOME_ATTEMPTS)
    return Claim(evidence_id, now) if result.rowcount == 1 else None


def _held(claim: Claim):
    return (Evidence.id == claim.evidence_id, Evidence.extraction_status == "extracting",
            Evidence.extraction_started_at == claim.started_at)


def renew(claim: Claim) -> None:
    """The heartbeat of a running extraction (inside the job's heartbeat transaction);
    updated_at stays: the evidence itself has not changed."""
    db.session.execute(update(Evidence).where(*_held(claim))
                       .values(extraction_heartbeat_at=datetime.now(timezone.utc), updated_at=Evidence.updated_at))


def held_elsewhere(evidence_id: int) -> bool:
    """Whether a live job is extracting this evidence."""
    with reading():
        evidence = db.session.get(Evidence, evidence_id)
        busy = evidence is not None and evidence.deleted_at is None and evidence.extraction_status == "extracting"
    end_transaction()
    return busy


def orphaned_evidence_ids() -> list[int]:
    """Evidence waiting for an extraction no outbox row asks for (left by an older
    release, or a row removed by hand), its claim lapsed if it had one."""
    waiting_for = select(OutboxEffect.id).where(OutboxEffect.kind == "extract", OutboxEffect.target_id == Evidence.id)
    settled = datetime.now(timezone.utc) - ORPHAN_AFTER
    return list(db.session.scalars(
        select(Evidence.id).where(Evidence.deleted_at.is_(None), Evidence.kind == "file", ~waiting_for.exists())
        .where(or_((Evidence.extraction_status == "queued") & (Evidence.updated_at < settled),
                   _claim_lapsed(_dead_before())))
        .order_by(Evidence.id)
    ))


def run_extraction(evidence_id: int, job: "effects.Job | None" = None) -> bool:
    """Extract the evidence if it waits for it. False: another live job holds its claim,
    so the caller's effect is not done (it may die yet). The job's heartbeat renews the
    claim; without a job (tests) nothing renews it."""
    held = claim(evidence_id)
    if held is None:
        return not held_elsewhere(evidence_id)
    if job is not None:
        job.also_beat(lambda: renew(held))
    with reading():
        version = db.session.get(Evidence, evidence_id).current_version
        kind, path = version.file_kind, BlobStore(current_app.config["UPLOAD_DIR"]).path_for(version.sha256)
    end_transaction()
    last_report = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last_report
        if time.monotonic() - last_report < PROGRESS_EVERY_SECONDS and done != total:
            return
        last_report = time.monotonic()
        try:
            write(lambda: db.session.execute(update(Evidence).where(*_held(held))
                                             .values(pages_done=done, pages_total=total)), attempts=1)
        except DatabaseBusy:
            pass  # a progress figure is a courtesy: the next one, or the outcome, follows

    try:
        if not path.is_file():
            raise ExtractionError("ไม่พบไฟล์ในที่จัดเก็บ (อาจถูกลบจากดิสก์) กรุณาอัปโหลดใหม่")
        extracted = extract_with_limits(
            path, kind, progress=progress,
            timeout_s=current_app.config["EXTRACTION_TIMEOUT_SECONDS"],
            memory_mb=current_app.config["EXTRACTION_MEMORY_MB"],
        )
    except ExtractionError as error:
        EXTRACTION_FAILURES.labels("error").inc()
        _finish(held, "failed", error=str(error))
        return True
    except Exception:  # a bug must not leave the evidence "extracting" forever
        log.exception("extraction of evidence %s crashed", evidence_id)
        EXTRACTION_FAILURES.labels("crash").inc()
        _finish(held, "failed", error="เกิดข้อผิดพลาดภายในระหว่างดึงข้อความ กรุณาลองใหม่")
        return True
    _finish(held, "done", pages=extracted.pages, metadata=extracted.metadata)
    return True


def _finish(held: Claim, status: str, error: str | None = None, pages: list | None = None,
            metadata: DocumentMetadata | None = None) -> None:
    """The outcome, with the pages, in one short write transaction; the index follows. A
    claim taken over meanwhile (the file replaced, or this job presumed dead) keeps the
    newer job's work: this outcome is dropped."""
    def record() -> None:
        evidence = db.session.scalar(select(Evidence).where(*_held(held)))
        if evidence is None:
            log.info("extraction of evidence %s was superseded; its outcome is dropped", held.evidence_id)
            return
        if pages is not None:
            evidence.pages.clear()
            db.session.flush()
            for page in pages:
                evidence.pages.append(EvidencePage(number=page.number, label=page.label, text=page.text,
                                                   ocr=page.ocr, original_text=page.original,
                                                   ocr_confidence=page.ocr_confidence))
            evidence.pages_done = evidence.pages_total = len(pages)
        if metadata is not None:
            _take_metadata(evidence, metadata)
        evidence.extraction_status = status
        evidence.extraction_error = error
        evidence.extraction_heartbeat_at = None
        effects.record(db.session, "index", [held.evidence_id])

    write(record, attempts=OUTCOME_ATTEMPTS)


def _take_metadata(evidence: Evidence, metadata: DocumentMetadata) -> None:
    """The document's own title and date, where the person uploading gave none: a title
    still made from the file's name, an empty document date. Never over their words."""
    version = evidence.current_version
    if metadata.title and version is not None and evidence.title == title_from(version.original_name):
        evidence.title = metadata.title
    if metadata.document_date and evidence.document_date is None:
        evidence.document_date = metadata.document_date
