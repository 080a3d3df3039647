"""Extraction of one evidence, run by the background worker: claim, extract with
limits, store the pages, record the outcome. Safe to run twice for the same evidence.
No transaction is open while the file is read or OCRed (that took SQLite's write lock
for minutes): each step that writes is its own short transaction (portal/database.py)."""
import logging
import time
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import or_, select, update

from portal import effects
from portal.database import DatabaseBusy, end_transaction, reading, write
from portal.evidence.extract import ExtractionError, extract_with_limits
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.models.evidence import Evidence, EvidencePage

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 0.5
OUTCOME_ATTEMPTS = 10  # the outcome must be recorded; the sweep re-runs a job that could not


def _stale_before() -> datetime:
    return datetime.now(timezone.utc) - timedelta(seconds=current_app.config["EXTRACTION_STALE_SECONDS"])


def claim(evidence_id: int) -> bool:
    """Atomically take the job: only one worker extracts an evidence at a time."""
    result = write(lambda: db.session.execute(
        update(Evidence)
        .where(Evidence.id == evidence_id, Evidence.deleted_at.is_(None), Evidence.kind == "file")
        .where(or_(Evidence.extraction_status == "queued",
                   (Evidence.extraction_status == "extracting")
                   & (Evidence.extraction_started_at < _stale_before())))
        .values(extraction_status="extracting", extraction_started_at=datetime.now(timezone.utc),
                pages_done=0, pages_total=0, extraction_error=None)
    ), attempts=OUTCOME_ATTEMPTS)
    return result.rowcount == 1


def interrupted_evidence_ids() -> list[int]:
    """Queued a while ago but never started, or started by a worker that died."""
    queued_long_ago = datetime.now(timezone.utc) - timedelta(minutes=2)
    return list(db.session.scalars(
        select(Evidence.id).where(Evidence.deleted_at.is_(None), Evidence.kind == "file").where(or_(
            (Evidence.extraction_status == "queued") & (Evidence.updated_at < queued_long_ago),
            (Evidence.extraction_status == "extracting") & (Evidence.extraction_started_at < _stale_before()),
        ))
    ))


def run_extraction(evidence_id: int) -> None:
    if not claim(evidence_id):
        return
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
            write(lambda: db.session.execute(update(Evidence).where(Evidence.id == evidence_id)
                                             .values(pages_done=done, pages_total=total)), attempts=1)
        except DatabaseBusy:
            pass  # a progress figure is a courtesy: the next one, or the outcome, follows

    try:
        if not path.is_file():
            raise ExtractionError("ไม่พบไฟล์ในที่จัดเก็บ (อาจถูกลบจากดิสก์) กรุณาอัปโหลดใหม่")
        pages = extract_with_limits(
            path, kind, progress=progress,
            timeout_s=current_app.config["EXTRACTION_TIMEOUT_SECONDS"],
            memory_mb=current_app.config["EXTRACTION_MEMORY_MB"],
        )
    except ExtractionError as error:
        _finish(evidence_id, "failed", error=str(error))
        return
    except Exception:  # a bug must not leave the evidence "extracting" forever
        log.exception("extraction of evidence %s crashed", evidence_id)
        _finish(evidence_id, "failed", error="เกิดข้อผิดพลาดภายในระหว่างดึงข้อความ กรุณาลองใหม่")
        return
    _finish(evidence_id, "done", pages=pages)


def _finish(evidence_id: int, status: str, error: str | None = None, pages: list | None = None) -> None:
    """The outcome, with the pages, in one short write transaction; the index follows."""
    def record() -> None:
        evidence = db.session.get(Evidence, evidence_id)
        if pages is not None:
            evidence.pages.clear()
            db.session.flush()
            for page in pages:
                evidence.pages.append(EvidencePage(number=page.number, label=page.label, text=page.text,
                                                   ocr=page.ocr, original_text=page.original,
                                                   ocr_confidence=page.ocr_confidence))
            evidence.pages_done = evidence.pages_total = len(pages)
        evidence.extraction_status = status
        evidence.extraction_error = error
        effects.record(db.session, "index", [evidence_id])

    write(record, attempts=OUTCOME_ATTEMPTS)
