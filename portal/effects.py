"""What has to follow a commit: extracting an evidence's text, indexing evidence, mailing
review notices. Operations record it in the transaction that causes it; one session hook
hands it to the queue once that transaction has committed and drops it on a rollback, so
a refused change never starts a job and a committed one always does. This is the one
after-commit path of the portal; making it durable (an outbox table written by record()
and re-sent at worker start) is a change inside this module.

    effects.record(db.session, "extract", [evidence.id])
"""
from collections.abc import Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import queue

# kind → what the ids are; the same id recorded twice in a transaction is sent once
KINDS = {
    "extract": "evidence whose file text the worker extracts",
    "index": "evidence whose search index entries the worker rewrites",
    "comment_notice": "comments mailed to the thread's readers (recorded only when mail is on)",
    "review_notice": "item reviews mailed to the agency's editors (recorded only when mail is on)",
}
PENDING = "pmqa_effects"  # session.info: kind → set of ids, for the open transaction
COMMITTED = "pmqa_effects_committed"


def record(session, kind: str, ids: Iterable[int]) -> None:
    """After this session's transaction commits, do `kind` for `ids` (flushed ids)."""
    if kind not in KINDS:
        raise ValueError(f"unknown effect {kind!r}; known: {', '.join(KINDS)}")
    ids = set(ids)
    if None in ids:
        raise ValueError(f"{kind}: record ids after a flush, not None")
    session.info.setdefault(PENDING, {}).setdefault(kind, set()).update(ids)


def pending(session) -> dict[str, set[int]]:
    """What the open transaction will send when it commits (for tests and checks)."""
    return session.info.get(PENDING, {})


def send(effects: dict[str, set[int]]) -> None:
    """Hand committed effects to the queue, which never fails the caller."""
    for evidence_id in sorted(effects.get("extract", ())):
        queue.enqueue_extraction(evidence_id)
    if effects.get("index"):
        queue.enqueue_index(sorted(effects["index"]))
    comments, reviews = effects.get("comment_notice", set()), effects.get("review_notice", set())
    if comments or reviews:
        queue.enqueue_review_notices(sorted(comments), sorted(reviews))


def _committed(session) -> None:
    session.info[COMMITTED] = True


def _rolled_back(session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(COMMITTED, None)


def _ended(session, transaction) -> None:
    """Send once the outermost transaction is over: a task run at once (tests, immediate
    mode) may then use the same session, which it could not inside after_commit."""
    if transaction.parent is not None:
        return
    effects = session.info.pop(PENDING, None)
    if session.info.pop(COMMITTED, False) and effects:
        send(effects)


def listen() -> None:
    """Install the hook on every session (create_app calls this; safe to call again)."""
    for name, listener in (("after_commit", _committed), ("after_rollback", _rolled_back),
                           ("after_transaction_end", _ended)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
