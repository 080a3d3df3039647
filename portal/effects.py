"""What has to follow a commit: extracting an evidence's text, indexing evidence and
answers, mailing review notices. The one after-commit path of the portal, durable: an outbox.

    effects.record(db.session, "extract", [evidence.id])

- `record()` adds outbox rows (portal/models/outbox.py) to the operation's own
  transaction: committed with the change, gone with a rollback.
- Once the outermost transaction has committed, a session hook hands its rows to the queue
  at once (the fast path). A dispatcher first claims rows with one conditional UPDATE,
  so two processes never send the same row; a queue that refuses the job puts the row
  back to waiting with a backoff.
- A row is done when its job has FINISHED: the job (`job()`) takes its rows when it
  starts, beats their heartbeat while it runs (a thread, every JOB_HEARTBEAT_SECONDS) and
  deletes them at the end; a job that fails puts them back with a backoff. So every job
  must be safe to run twice (extraction claims the evidence, indexing rewrites it).
- `sweep()`, run by the worker at start and every OUTBOX_SWEEP_SECONDS (portal/tasks.py),
  sends what is left: rows never handed over (queue down, process killed after the commit),
  rows past their backoff, rows whose job stopped beating for JOB_DEAD_SECONDS (the worker
  died), and rows queued long ago that no job started while the queue is empty (a queue that
  lost them; while it is busy they are still in it, so nothing is sent twice for nothing).
"""
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

from flask import current_app
from sqlalchemy import delete, event, inspect, or_, select, update
from sqlalchemy.orm import Session

from portal import queue
from portal.database import end_transaction, reading, write
from portal.extensions import db
from portal.models.outbox import OutboxEffect
from portal.models.user import utcnow

log = logging.getLogger(__name__)
# kind → what the ids are; the same id recorded twice in a transaction is one row
KINDS = {
    "extract": "evidence whose file text the worker extracts",
    "index": "evidence whose search index entries the worker rewrites",
    "index_answer": "answers whose search index document the worker rewrites (or removes when empty)",
    "comment_notice": "comments mailed to the thread's readers (recorded only when mail is on)",
    "review_notice": "item reviews mailed to the agency's editors (recorded only when mail is on)",
}
NOTICES = ("comment_notice", "review_notice")
GIVE_UP_NOTICES_AFTER = timedelta(hours=24)  # a notice that late is noise; index and extract never give up
QUEUED_GRACE = timedelta(minutes=10)  # a job handed over but not started: presumed lost only after this
SWEEP_BATCH = 500
INDEX_BATCH = 200  # evidence per index job
PENDING = "pmqa_effects"  # session.info: (kind, id) → the row added in the open transaction
COMMITTED = "pmqa_effects_committed"


def record(session, kind: str, ids: Iterable[int]) -> None:
    """After this session's transaction commits, do `kind` for `ids` (flushed ids)."""
    if kind not in KINDS:
        raise ValueError(f"unknown effect {kind!r}; known: {', '.join(KINDS)}")
    ids = set(ids)
    if None in ids:
        raise ValueError(f"{kind}: record ids after a flush, not None")
    rows = session.info.setdefault(PENDING, {})
    now = utcnow()
    for target_id in sorted(ids - {target for known, target in rows if known == kind}):
        row = OutboxEffect(kind=kind, target_id=target_id, created_at=now, next_attempt_at=now, attempts=0)
        session.add(row)
        rows[(kind, target_id)] = row


def pending(session) -> dict[str, set[int]]:
    """What the open transaction will send when it commits (for tests and checks)."""
    result: dict[str, set[int]] = {}
    for kind, target_id in session.info.get(PENDING, {}):
        result.setdefault(kind, set()).add(target_id)
    return result


def outstanding(kind: str, ids: Iterable[int]) -> set[int]:
    """Which of these targets still have `kind` to be done (any state)."""
    ids = list(ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(OutboxEffect.target_id).distinct()
                                  .where(OutboxEffect.kind == kind, OutboxEffect.target_id.in_(ids))))


# --- sending -------------------------------------------------------------------------

def _seconds(name: str) -> timedelta:
    return timedelta(seconds=current_app.config[name])


def retry_delay(attempts: int) -> timedelta:
    """Backoff after a failed hand-over or job: OUTBOX_RETRY_SECONDS, doubled each attempt."""
    base, most = current_app.config["OUTBOX_RETRY_SECONDS"], current_app.config["OUTBOX_RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), most))


def _due(now, queue_idle: bool):
    waiting = OutboxEffect.sent_at.is_(None) & (OutboxEffect.next_attempt_at <= now)
    dead = OutboxEffect.heartbeat_at < now - _seconds("JOB_DEAD_SECONDS")
    if not queue_idle:
        return or_(waiting, dead)
    lost = (OutboxEffect.sent_at.is_not(None) & OutboxEffect.heartbeat_at.is_(None)
            & (OutboxEffect.next_attempt_at <= now))
    return or_(waiting, dead, lost)


def _claim(which=None, queue_idle: bool = False) -> list:
    """Mark due rows as handed to the queue, atomically: a row another dispatcher claimed a
    moment ago is no longer due, so the UPDATE skips it (PostgreSQL re-checks the WHERE
    after waiting for the row; SKIP LOCKED spares the wait)."""
    now = utcnow()
    due = _due(now, queue_idle)
    chosen = select(OutboxEffect.id).where(due).order_by(OutboxEffect.id).limit(SWEEP_BATCH)
    if which is not None:
        chosen = chosen.where(which)
    if db.engine.dialect.name == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    statement = (update(OutboxEffect).where(OutboxEffect.id.in_(chosen.scalar_subquery()), due)
                 .values(sent_at=now, attempts=OutboxEffect.attempts + 1, heartbeat_at=None,
                         next_attempt_at=now + QUEUED_GRACE)
                 .returning(OutboxEffect.id, OutboxEffect.kind, OutboxEffect.target_id, OutboxEffect.attempts))
    return sorted(db.session.execute(statement).all())


def _release(ids: list[int], attempts: int, error: str) -> None:
    """Back to waiting, to be sent again after the backoff."""
    db.session.execute(update(OutboxEffect).where(OutboxEffect.id.in_(ids))
                       .values(sent_at=None, heartbeat_at=None, last_error=error[:2000],
                               next_attempt_at=utcnow() + retry_delay(attempts)))


def _jobs(rows: list) -> list[tuple]:
    """(enqueue, its rows): one job per evidence to extract, index jobs of up to
    INDEX_BATCH evidence or answers, one job for the notices."""
    by_kind = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    jobs = []
    for evidence_id in sorted({r.target_id for r in by_kind["extract"]}):
        group = [r for r in by_kind["extract"] if r.target_id == evidence_id]
        jobs.append((partial(queue.enqueue_extraction, evidence_id, _ids(group)), group))
    for kind, enqueue in (("index", queue.enqueue_index), ("index_answer", queue.enqueue_index_answers)):
        index = sorted(by_kind[kind], key=lambda r: r.target_id)
        for batch in (index[start:start + INDEX_BATCH] for start in range(0, len(index), INDEX_BATCH)):
            jobs.append((partial(enqueue, sorted({r.target_id for r in batch}), _ids(batch)), batch))
    comments, reviews = by_kind["comment_notice"], by_kind["review_notice"]
    if comments or reviews:
        jobs.append((partial(queue.enqueue_review_notices, sorted(r.target_id for r in comments),
                             sorted(r.target_id for r in reviews), _ids(comments + reviews)), comments + reviews))
    return jobs


def _ids(rows: list) -> list[int]:
    return [row.id for row in rows]


def _hand_over(rows: list) -> int:
    """Enqueue claimed rows as jobs; rows the queue refused go back to waiting. Returns
    how many rows were handed over."""
    refused = [row for enqueue, group in _jobs(rows) if not enqueue() for row in group]
    if refused:
        write(lambda: _release(_ids(refused), max(r.attempts for r in refused), "the queue did not take the job"))
    return len(rows) - len(refused)


def dispatch(ids: list[int]) -> None:
    """The fast path: hand these just-committed rows to the queue. Never fails the caller;
    whatever is not handed over is left to the sweep."""
    try:
        with current_app.app_context():  # a session of its own: the caller's has just ended its transaction
            # One try: a request must not wait its answer on contention; the sweep is seconds away.
            _hand_over(write(lambda: _claim(OutboxEffect.id.in_(ids)), attempts=1))
    except Exception:  # noqa: BLE001
        log.exception("effects %s not handed to the queue yet; the worker's sweep sends them", ids)


def sweep() -> int:
    """Send every row that is due (see the module docstring); drop notices too late to
    matter. Returns how many rows were handed to the queue."""
    now = utcnow()
    queue_idle = queue.pending_count() == 0
    too_late = OutboxEffect.kind.in_(NOTICES) & (OutboxEffect.created_at < now - GIVE_UP_NOTICES_AFTER)
    with reading():  # most sweeps find nothing: no write lock for them
        anything = db.session.scalar(select(OutboxEffect.id).where(or_(_due(now, queue_idle), too_late)).limit(1))
    end_transaction()
    if anything is None:
        return 0
    dropped = write(lambda: db.session.execute(delete(OutboxEffect).where(too_late)).rowcount)
    if dropped:
        log.error("gave up %s e-mail notices not sent within %s", dropped, GIVE_UP_NOTICES_AFTER)
    sent = 0
    while rows := write(lambda: _claim(queue_idle=queue_idle)):
        sent += _hand_over(rows)
        if len(rows) < SWEEP_BATCH:
            break
    return sent


# --- the job side ----------------------------------------------------------------------

class Job:
    """The outbox rows one task carries out. `needed` is False when every row it was sent
    for is already done or running in another live job (a copy sent twice)."""

    def __init__(self, ids: Iterable[int], covers: dict[str, Iterable[int]]):
        self.ids = sorted(set(ids))
        self.covers = {kind: sorted(set(targets)) for kind, targets in covers.items()}
        self.owned: list[int] = []
        self.attempts = 0
        self.retry_reason: str | None = None
        self.beats: list = []

    @property
    def needed(self) -> bool:
        return not self.ids or bool(self.owned)

    def also_beat(self, beat) -> None:
        """Run `beat()` in each heartbeat's transaction (an extraction renews its claim)."""
        self.beats.append(beat)

    def retry_later(self, reason: str) -> None:
        """Not done: the rows go back to waiting with a backoff instead of being deleted."""
        self.retry_reason = reason


def _take(job: Job) -> None:
    """Only rows of what the job does: a queue that outlived its database (a restore) may
    hold jobs whose row ids now name other rows."""
    now = utcnow()
    own = or_(*[(OutboxEffect.kind == kind) & OutboxEffect.target_id.in_(targets)
                for kind, targets in job.covers.items()])
    rows = db.session.execute(
        update(OutboxEffect).where(OutboxEffect.id.in_(job.ids), own,
                                   or_(OutboxEffect.heartbeat_at.is_(None),
                                       OutboxEffect.heartbeat_at < now - _seconds("JOB_DEAD_SECONDS")))
        .values(heartbeat_at=now).returning(OutboxEffect.id, OutboxEffect.attempts)).all()
    job.owned, job.attempts = sorted(r.id for r in rows), max((r.attempts for r in rows), default=0)


def _beat(job: Job) -> None:
    if job.owned:
        db.session.execute(update(OutboxEffect).where(OutboxEffect.id.in_(job.owned)).values(heartbeat_at=utcnow()))
    for beat in job.beats:
        beat()


def _heartbeat(app, job: Job, stop: threading.Event) -> None:
    with app.app_context():
        every = app.config["JOB_HEARTBEAT_SECONDS"]
        while not stop.wait(every):
            try:
                write(lambda: _beat(job), attempts=1)
            except Exception:  # noqa: BLE001  (the next beat, well before JOB_DEAD_SECONDS)
                log.warning("heartbeat of effects %s missed", job.owned, exc_info=True)


def _settle(job: Job, error: str | None) -> None:
    if not job.owned:
        return
    reason = error or job.retry_reason
    try:
        if reason:
            write(lambda: _release(job.owned, job.attempts, reason))
        else:
            write(lambda: db.session.execute(delete(OutboxEffect).where(OutboxEffect.id.in_(job.owned))))
    except Exception:  # noqa: BLE001  (the rows stop beating: the sweep sends them again)
        log.exception("could not settle effects %s", job.owned)


@contextmanager
def job(ids: Iterable[int], **covers: Iterable[int]):
    """Run a task for these outbox rows, which do `kind` for the targets named by each
    keyword (index=[3, 4]): take them, beat while the block runs, then delete them, or put
    them back with a backoff when the block raised or called retry_later()."""
    current = Job(ids, covers)
    if current.ids:
        write(lambda: _take(current))
    stop = threading.Event()
    beater = threading.Thread(target=_heartbeat, args=(current_app._get_current_object(), current, stop),
                              name="pmqa-heartbeat", daemon=True)
    beater.start()
    error = None
    try:
        yield current
    except BaseException as failure:  # a worker shutting down mid-job has not done it either
        error = f"{type(failure).__name__}: {failure}"
        raise
    finally:
        stop.set()
        beater.join()
        _settle(current, error)


# --- the session hook ------------------------------------------------------------------

def _committed(session) -> None:
    session.info[COMMITTED] = True


def _rolled_back(session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(COMMITTED, None)


def _ended(session, transaction) -> None:
    """Send once the outermost transaction is over: a task run at once (tests, immediate
    mode) then finds the rows committed."""
    if transaction.parent is not None:
        return
    rows = session.info.pop(PENDING, None)
    if not (session.info.pop(COMMITTED, False) and rows):
        return
    # The identity outlives the commit's expiry (reading row.id would query again).
    ids = [key.identity[0] for key in map(inspect, rows.values()) if key.identity]
    if ids:
        dispatch(ids)


def listen() -> None:
    """Install the hook on every session (create_app calls this; safe to call again)."""
    for name, listener in (("after_commit", _committed), ("after_rollback", _rolled_back),
                           ("after_transaction_end", _ended)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
