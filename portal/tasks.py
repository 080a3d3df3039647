"""The worker's tasks: each runs one job inside the app (portal.queue.task) for the outbox
rows it was sent for (portal.effects.job: done when the task finished, sent again when it
failed or its worker died). This module may import any area; only the app factory imports
it (handing ALL to the queue, which then enqueues them by name), never an area.

Each worker process also runs the sweeper: a thread that, at start and every
OUTBOX_SWEEP_SECONDS, sends the outbox rows left undone, and every minute looks for work
no row asks for (evidence or answers the index does not match, extractions without a row)."""
import logging
import threading
import time

from portal import effects, queue
from portal.database import reading, write
from portal.evidence.pipeline import orphaned_evidence_ids, run_extraction
from portal.extensions import db
from portal.metrics import INDEX_UPDATE_FAILURES
from portal.reviews.notify import deliver
from portal.search import backend, repair
from portal.search.index import SearchUnavailable

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 60  # the comparisons with the index and the evidence table
_sweeper: threading.Thread | None = None
_sweeper_lock = threading.Lock()


@queue.task()
def extract_evidence_task(evidence_id: int, effect_ids: list[int] = ()) -> None:
    with effects.job(effect_ids, extract=[evidence_id]) as job:
        if job.needed and not run_extraction(evidence_id, job):
            job.retry_later("another job holds the extraction's claim")


@queue.task()
def index_evidence_task(evidence_ids: list[int], effect_ids: list[int] = ()) -> None:
    with effects.job(effect_ids, index=evidence_ids) as job:
        if job.needed and not backend.update_or_repair(evidence_ids):
            INDEX_UPDATE_FAILURES.labels("evidence").inc()
            job.retry_later("the index could not be written (disk full or damaged): see the worker log")


@queue.task()
def index_answers_task(answer_ids: list[int], effect_ids: list[int] = ()) -> None:
    with effects.job(effect_ids, index_answer=answer_ids) as job:
        if job.needed and not backend.update_or_repair(answer_ids=answer_ids):
            INDEX_UPDATE_FAILURES.labels("answers").inc()
            job.retry_later("the index could not be written (disk full or damaged): see the worker log")


@queue.task()
def rebuild_index_task() -> None:
    backend.rebuild(wait=False)  # one running already reads every change made before it ends


@queue.task()
def send_review_notices_task(comment_ids: list[int], review_ids: list[int], effect_ids: list[int] = ()) -> int:
    # An SMTP failure raises: the outbox tries again later.
    with effects.job(effect_ids, comment_notice=comment_ids, review_notice=review_ids) as job:
        return deliver(comment_ids, review_ids) if job.needed else 0


@queue.huey.on_startup()
def _on_worker_start() -> None:
    start_sweeper()


def start_sweeper() -> None:
    """One sweeper thread per worker process (Huey calls this in each worker thread)."""
    global _sweeper
    with _sweeper_lock:
        if _sweeper is None or not _sweeper.is_alive():
            _sweeper = threading.Thread(target=_sweep_forever, name="pmqa-sweeper", daemon=True)
            _sweeper.start()


def _sweep_forever() -> None:
    with queue.app_context() as context:
        every = context.app.config["OUTBOX_SWEEP_SECONDS"]
    last_check = float("-inf")
    while True:
        check = time.monotonic() - last_check >= CHECK_EVERY_SECONDS
        try:
            sweep(check=check)
            last_check = time.monotonic() if check else last_check
        except Exception:  # noqa: BLE001  (the database may be down: try again next time)
            log.exception("outbox sweep failed")
        time.sleep(every)


def sweep(check: bool = True) -> int:
    """Send the outbox rows left undone; with `check`, first record what no row asks for."""
    with queue.app_context():
        if check:
            requeue_interrupted()
            requeue_unindexed()
            requeue_unindexed_answers()
        return effects.sweep()


def requeue_unindexed(settle_seconds: int = 60) -> list[int]:
    """Evidence whose index documents differ from the database and no index row is on its
    way for (an index restored from an older copy, a lost update): recorded for indexing
    again; younger changes are left to the job already on its way."""
    return _requeue_stale("index", backend.stale_evidence_ids, settle_seconds)


def requeue_unindexed_answers(settle_seconds: int = 60) -> list[int]:
    """The same for answers (an answer without text has no document and is not asked for)."""
    return _requeue_stale("index_answer", backend.stale_answer_ids, settle_seconds)


def _requeue_stale(kind: str, find_stale, settle_seconds: int) -> list[int]:
    with queue.app_context():
        try:
            stale = find_stale(settle_seconds)
        except Exception as error:  # noqa: BLE001
            if not (isinstance(error, SearchUnavailable) or repair.is_damage(error)):
                raise
            repair.unavailable(error, backend.index_folder())  # the rebuild reads everything
            return []
        with reading():
            ids = sorted(set(stale) - effects.outstanding(kind, stale))
        if ids:
            write(lambda: effects.record(db.session, kind, ids))
    return ids


def requeue_interrupted() -> list[int]:
    """Evidence waiting for an extraction no outbox row asks for: recorded again."""
    with queue.app_context():
        with reading():
            ids = orphaned_evidence_ids()
        if ids:
            write(lambda: effects.record(db.session, "extract", ids))
    return ids


ALL = (extract_evidence_task, index_evidence_task, index_answers_task, rebuild_index_task, send_review_notices_task)
