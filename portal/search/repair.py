"""A damaged index heals itself. An error opening or reading it (truncated segments, bad
pickles, missing files, a damaged SQLite file) answers 503 in Thai and queues ONE rebuild
from the database: requests within REQUEST_AGAIN_AFTER seconds of a request, in any
process, queue nothing more (a marker file beside the index), and one rebuild runs at a
time (a lock file). A rebuild request is the one job enqueued outside the outbox
(portal/effects.py): it repairs the index, it is no effect of a change. Index updates
are outbox rows, retried until done; as a backstop the worker's sweep compares the index
with the database (`stale_evidence_ids`, `stale_answer_ids`) and records what differs."""
import fcntl
import logging
import os
import pickle
import sqlite3
import struct
import time
import zlib
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select
from whoosh.index import IndexError as WhooshIndexError

from portal.database import end_transaction, reading
from portal.extensions import db
from portal.models.answer import Answer
from portal.models.evidence import Evidence
from portal.models.user import aware
from portal.search.answer_documents import text_of
from portal.search.index import SearchUnavailable

log = logging.getLogger(__name__)
REQUEST_AGAIN_AFTER = 600  # seconds: a request older than this (job lost, rebuild failed) may be made again
DAMAGED = "ดัชนีค้นหาเสียหาย ระบบกำลังสร้างใหม่ กรุณาลองอีกครั้งในไม่กี่นาที"
BUSY = "ดัชนีค้นหากำลังถูกปรับปรุง กรุณาลองอีกครั้ง"
# What reading damaged files raises; a bug in the portal's own code (TypeError, …) stays a 500.
READ_ERRORS = (OSError, EOFError, struct.error, pickle.UnpicklingError, zlib.error, UnicodeDecodeError,
               sqlite3.DatabaseError, WhooshIndexError)
WHOOSH_PACKAGE = os.sep + "whoosh" + os.sep
_last_request: dict[str, float] = {}  # per process, before the marker file is even looked at


def _busy(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and \
        (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF in (5, 6)


def is_damage(error: BaseException) -> bool:
    """Whether an error met opening or reading the index means its files are damaged:
    the errors of reading and decoding files, or anything raised inside Whoosh itself."""
    if _busy(error):
        return False
    if isinstance(error, READ_ERRORS):
        return True
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and WHOOSH_PACKAGE in frame.tb_frame.f_code.co_filename


def unavailable(error: BaseException, folder: Path) -> SearchUnavailable:
    """The 503 to answer for this error; a damaged index gets its rebuild requested."""
    if isinstance(error, SearchUnavailable):
        request_rebuild(folder)
        return error
    if _busy(error):
        return SearchUnavailable(BUSY)
    log.error("search index %s cannot be read: rebuilding it", folder, exc_info=error)
    from portal.search.query import forget_searchers

    forget_searchers(folder)
    request_rebuild(folder)
    return SearchUnavailable(DAMAGED)


def _marker(folder: Path) -> Path:
    return folder.with_name(folder.name + ".rebuild-requested")


def request_rebuild(folder: Path) -> bool:
    """Queue a rebuild unless one was requested less than REQUEST_AGAIN_AFTER ago."""
    from portal.queue import enqueue_rebuild

    now = time.time()
    if now - _last_request.get(str(folder), 0) < REQUEST_AGAIN_AFTER:
        return False
    _last_request[str(folder)] = now
    marker = _marker(folder)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        if now - marker.stat().st_mtime < REQUEST_AGAIN_AFTER:
            return False  # another process asked: its rebuild is queued or running
        os.utime(marker)
    except OSError:
        log.warning("could not write %s; the rebuild is requested anyway", marker)
    enqueue_rebuild()
    return True


def rebuild_done(folder: Path) -> None:
    _marker(folder).unlink(missing_ok=True)
    _last_request.pop(str(folder), None)


@contextmanager
def rebuild_lock(folder: Path, wait: bool = True):
    """One rebuild of an index at a time, across processes (they share the .building
    folder). Without `wait`, yields False when another rebuild holds the lock."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.with_name(folder.name + ".rebuild.lock"), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def stale_evidence_ids(indexed: dict, stamp, settle_seconds: int = 0) -> list[int]:
    """Evidence whose documents in the index differ from the database: never indexed,
    changed since, or deleted but still there. `indexed` is the backend's
    {evidence id: stamp}; changes younger than `settle_seconds` are left to the index
    job already queued for them."""
    settled = datetime.now(timezone.utc) - timedelta(seconds=settle_seconds)
    with reading():
        rows = db.session.execute(select(Evidence.id, Evidence.updated_at).where(Evidence.deleted_at.is_(None))).all()
    end_transaction(keep_loaded=True)
    live = {evidence_id: updated_at for evidence_id, updated_at in rows}
    stale = [evidence_id for evidence_id, updated_at in live.items()
             if indexed.get(evidence_id) != stamp(updated_at) and aware(updated_at) <= settled]
    return sorted(stale + [evidence_id for evidence_id in indexed if evidence_id not in live])


def stale_answer_ids(indexed: dict, stamp, settle_seconds: int = 0) -> list[int]:
    """Answers whose document differs from the database, as stale_evidence_ids: written
    since it was indexed, with text but never indexed, or gone. An answer with no text has
    no document, so one missing from the index is asked for only when it has text."""
    settled = datetime.now(timezone.utc) - timedelta(seconds=settle_seconds)
    with reading():
        live = dict(db.session.execute(select(Answer.id, Answer.updated_at)).tuples().all())
        differ = [answer_id for answer_id, updated_at in live.items()
                  if indexed.get(answer_id) != stamp(updated_at) and aware(updated_at) <= settled]
        missing = [answer_id for answer_id in differ if answer_id not in indexed]
        with_text = set()
        for start in range(0, len(missing), 500):  # the texts of those only, a few at a time
            rows = db.session.execute(select(Answer.id, Answer.parts).where(Answer.id.in_(missing[start:start + 500])))
            with_text |= {answer_id for answer_id, parts in rows if text_of(parts)}
    end_transaction(keep_loaded=True)
    stale = [answer_id for answer_id in differ if answer_id in indexed or answer_id in with_text]
    return sorted(stale + [answer_id for answer_id in indexed if answer_id not in live])
