"""The job queue (Huey): the instance and the helpers that hand it work. Plain on purpose:
it imports no area, so operations (through portal.effects) and views can use it while the
tasks (portal/tasks.py), which import the areas, never form an import circle with it.

Embedded default: a SQLite queue in instance/jobs.sqlite3 and `huey_consumer` started by
`make run`. At scale: set REDIS_URL and run consumers on other machines. The database
stays the source of truth: what a job must do is an outbox row (portal/effects.py), so
a queue that is down or a job lost with a killed worker is sent again from there. Only
the outbox (portal/effects.py) and the index repair (portal/search/repair.py) enqueue.
"""
import logging
import os
from functools import wraps

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey

from portal.config import PROJECT_ROOT

log = logging.getLogger(__name__)


def _make_huey():
    if redis_url := os.environ.get("REDIS_URL"):
        from redis import ConnectionPool

        # A Redis that does not answer fails a health check in seconds instead of hanging it.
        return RedisHuey("pmqa-portal", connection_pool=ConnectionPool.from_url(redis_url, socket_connect_timeout=5))
    path = os.environ.get("JOBS_DB", str(PROJECT_ROOT / "instance" / "jobs.sqlite3"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return SqliteHuey("pmqa-portal", filename=path)


huey = _make_huey()
_tasks: dict = {}  # task name → Huey task (require_tasks)
EXTRACT, INDEX, INDEX_ANSWERS, REBUILD, NOTICES = ("extract_evidence_task", "index_evidence_task",
                                                   "index_answers_task", "rebuild_index_task",
                                                   "send_review_notices_task")
_worker_app: Flask | None = None


def run_tasks_in(app: Flask) -> None:
    """The app the worker's tasks run in (portal/worker.py)."""
    global _worker_app
    _worker_app = app


def app_context():
    """A context of its own for each task, hence its own database session: the worker's
    app, or the caller's when the queue runs tasks at once (tests, immediate mode) — a task
    must never expunge or commit the objects of the request that enqueued it."""
    app = current_app._get_current_object() if has_app_context() else _worker_app
    if app is None:
        raise RuntimeError("no app for background tasks: start the worker with portal.worker")
    return app.app_context()


def task(**settings):
    """Declare a worker task (portal/tasks.py): a Huey task that runs inside the app."""

    def declare(function):
        @wraps(function)
        def in_app(*args, **kwargs):
            with app_context():
                return function(*args, **kwargs)

        return huey.task(**settings)(in_app)

    return declare


def require_tasks(declared) -> None:
    """Know the worker's tasks by name (create_app passes portal.tasks.ALL), so nothing
    that enqueues imports them; fail at start-up, not at the first upload, if one is missing."""
    _tasks.update({wrapper.func.__name__: wrapper for wrapper in declared})
    missing = {EXTRACT, INDEX, INDEX_ANSWERS, REBUILD, NOTICES} - set(_tasks)
    if missing:
        raise RuntimeError(f"the queue hands work to tasks nobody declared: {sorted(missing)}")


def enqueue(task_name: str, *args) -> bool:
    """Hand one job to the worker; False when the queue refused it. An unknown task is a
    wiring bug and raises; a queue that is down is logged and never fails the caller."""
    if task_name not in _tasks:
        raise RuntimeError(f"unknown task {task_name!r}: create_app declares portal.tasks.ALL")
    try:
        _tasks[task_name](*args)
        return True
    except Exception:  # noqa: BLE001
        log.exception("could not enqueue %s%r", task_name, args)
        return False


def enqueue_extraction(evidence_id: int, effect_ids: list[int]) -> bool:
    return enqueue(EXTRACT, evidence_id, list(effect_ids))


def enqueue_index(evidence_ids: list[int], effect_ids: list[int]) -> bool:
    return enqueue(INDEX, list(evidence_ids), list(effect_ids))


def enqueue_index_answers(answer_ids: list[int], effect_ids: list[int]) -> bool:
    return enqueue(INDEX_ANSWERS, list(answer_ids), list(effect_ids))


def enqueue_rebuild() -> bool:
    return enqueue(REBUILD)


def enqueue_review_notices(comment_ids: list[int], review_ids: list[int], effect_ids: list[int]) -> bool:
    return enqueue(NOTICES, list(comment_ids), list(review_ids), list(effect_ids))


def pending_count() -> int:
    """Jobs waiting in the queue (none in immediate mode)."""
    return 0 if huey.immediate else huey.pending_count()


def storage_name() -> str:
    return "redis" if isinstance(huey, RedisHuey) else "sqlite"


def depth_or_none() -> int | None:
    """Jobs waiting, or None when the queue's storage does not answer (/healthz, /metrics)."""
    try:
        return pending_count()
    except Exception:  # noqa: BLE001  (Redis down, SQLite file unreadable: reported, not raised)
        log.warning("the job queue (%s) does not answer", storage_name(), exc_info=True)
        return None
