"""The worker's tasks: each runs one job inside the app (portal.queue.task). This module
may import any area; only the app factory imports it (handing ALL to the queue, which then
enqueues them by name), never an area."""
from huey import crontab

from portal import queue
from portal.evidence.pipeline import interrupted_evidence_ids, run_extraction
from portal.reviews.notify import build_notices, send
from portal.search import backend, repair
from portal.search.index import SearchUnavailable


@queue.task()
def extract_evidence_task(evidence_id: int) -> None:
    run_extraction(evidence_id)


@queue.task()
def index_evidence_task(evidence_ids: list[int]) -> None:
    backend.update_or_repair(evidence_ids)


@queue.task()
def rebuild_index_task() -> None:
    backend.rebuild(wait=False)  # one running already reads every change made before it ends


@queue.task(retries=3, retry_delay=60)
def send_review_notices_task(comment_ids: list[int], review_ids: list[int]) -> int:
    return send(build_notices(comment_ids, review_ids))


@queue.huey.periodic_task(crontab(minute="*"))
def requeue_interrupted_task() -> None:
    requeue_interrupted()
    requeue_unindexed()


@queue.huey.on_startup()
def _on_worker_start() -> None:
    requeue_interrupted()
    requeue_unindexed()


def requeue_unindexed(settle_seconds: int = 60) -> list[int]:
    """Evidence whose index documents differ from the database (an index job lost with
    a killed worker, or failed on a full disk) is queued for indexing again; younger
    changes are left to the job already on its way."""
    with queue.app_context():
        try:
            ids = backend.stale_evidence_ids(settle_seconds)
        except Exception as error:  # noqa: BLE001
            if not (isinstance(error, SearchUnavailable) or repair.is_damage(error)):
                raise
            repair.unavailable(error, backend.index_folder())  # the rebuild reads everything
            return []
    if ids:
        queue.enqueue_index(ids)
    return ids


def requeue_interrupted() -> list[int]:
    with queue.app_context():
        ids = interrupted_evidence_ids()
    for evidence_id in ids:
        queue.enqueue_extraction(evidence_id)
    return ids


ALL = (extract_evidence_task, index_evidence_task, rebuild_index_task, send_review_notices_task)
