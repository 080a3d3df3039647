"""Background jobs (Huey). Extraction never runs inside a web request.

Embedded default: a SQLite queue in instance/jobs.sqlite3 and `huey_consumer` started by
`make run`. At scale: set REDIS_URL and run consumers on other machines. The database
stays the source of truth: a job lost with a killed worker is found again by
`requeue_interrupted`, which runs at worker start and every minute.
"""
import logging
import os
from contextlib import nullcontext

from flask import has_app_context
from huey import RedisHuey, SqliteHuey, crontab

from portal.config import PROJECT_ROOT

log = logging.getLogger(__name__)


def _make_huey():
    if redis_url := os.environ.get("REDIS_URL"):
        return RedisHuey("pmqa-portal", url=redis_url)
    path = os.environ.get("JOBS_DB", str(PROJECT_ROOT / "instance" / "jobs.sqlite3"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return SqliteHuey("pmqa-portal", filename=path)


huey = _make_huey()
_worker_app = None


def _app_context():
    """Tasks run in the worker, which builds its own app; in tests they run in-process."""
    global _worker_app
    if has_app_context():
        return nullcontext()
    if _worker_app is None:
        from portal import create_app

        _worker_app = create_app()
    return _worker_app.app_context()


@huey.task()
def extract_evidence_task(evidence_id: int) -> None:
    from portal.evidence.pipeline import run_extraction

    with _app_context():
        run_extraction(evidence_id)


@huey.task()
def index_evidence_task(evidence_ids: list[int]) -> None:
    from portal.search import backend

    with _app_context():
        backend.update_or_repair(evidence_ids)


@huey.task()
def rebuild_index_task() -> None:
    from portal.search import backend

    with _app_context():
        backend.rebuild(wait=False)  # one running already reads every change made before it ends


def enqueue_index(evidence_ids: list[int]) -> None:
    try:
        index_evidence_task(list(evidence_ids))
    except Exception:  # noqa: BLE001  (reindex repairs a lost update)
        log.exception("could not enqueue indexing of evidence %s", evidence_ids)


def enqueue_rebuild() -> None:
    try:
        rebuild_index_task()
    except Exception:  # noqa: BLE001
        log.exception("could not enqueue an index rebuild")


@huey.task(retries=3, retry_delay=60)
def send_review_notices_task(comment_ids: list[int], review_ids: list[int]) -> int:
    from portal.reviews.notify import build_notices, send

    with _app_context():
        return send(build_notices(comment_ids, review_ids))


def enqueue_review_notices(comment_ids: list[int], review_ids: list[int]) -> None:
    try:
        send_review_notices_task(comment_ids, review_ids)
    except Exception:  # noqa: BLE001  (a notice is a courtesy: the inbox still shows everything)
        log.exception("could not enqueue review notices for comments %s, reviews %s", comment_ids, review_ids)


@huey.periodic_task(crontab(minute="*"))
def requeue_interrupted_task() -> None:
    requeue_interrupted()
    requeue_unindexed()


@huey.on_startup()
def _on_worker_start() -> None:
    requeue_interrupted()
    requeue_unindexed()


def requeue_unindexed(settle_seconds: int = 60) -> list[int]:
    """Evidence whose index documents differ from the database (an index job lost with
    a killed worker, or failed on a full disk) is queued for indexing again; younger
    changes are left to the job already on its way."""
    from portal.search import backend, repair
    from portal.search.index import SearchUnavailable

    with _app_context():
        try:
            ids = backend.stale_evidence_ids(settle_seconds)
        except Exception as error:  # noqa: BLE001
            if not (isinstance(error, SearchUnavailable) or repair.is_damage(error)):
                raise
            repair.unavailable(error, backend.index_folder())  # the rebuild reads everything
            return []
    if ids:
        enqueue_index(ids)
    return ids


def requeue_interrupted() -> list[int]:
    from portal.evidence.pipeline import interrupted_evidence_ids

    with _app_context():
        ids = interrupted_evidence_ids()
    for evidence_id in ids:
        enqueue_extraction(evidence_id)
    return ids


def enqueue_extraction(evidence_id: int) -> None:
    """Never fail the user's request because the queue is down: the evidence stays
    'queued' in the database and the periodic sweep enqueues it again."""
    try:
        extract_evidence_task(evidence_id)
    except Exception:  # noqa: BLE001
        log.exception("could not enqueue extraction of evidence %s", evidence_id)
