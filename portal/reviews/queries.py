"""Read side of reviews: statuses, visible threads, read marks, unread counts.

Every thread query goes through permissions.visible_threads_clause, so internal threads
never reach agency users in pages, counts or inboxes."""
import hashlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from flask import abort, request
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal import cycles
from portal.access import hidden
from portal.extensions import db, htmx
from portal.models import ChecklistItem, User
from portal.models.review import Comment, CommentThread, ItemReview, ThreadRead
from portal.reviews.changes import changes_since
from portal.reviews.permissions import ReviewRights, can_read_thread, visible_threads_clause
from portal.submissions.lock import editable


def review_statuses(agency_id: int, cycle_id: int) -> dict[int, ItemReview]:
    """checklist item id → its review (items never reviewed are absent)."""
    rows = db.session.scalars(select(ItemReview).where(ItemReview.agency_id == agency_id,
                                                       ItemReview.cycle_id == cycle_id))
    return {review.checklist_item_id: review for review in rows}


def accepted_item_ids(agency_id: int, cycle_id: int) -> set[int]:
    """Items whose review status is accepted: the "ผ่านการพิจารณา" view of levels."""
    return set(db.session.scalars(select(ItemReview.checklist_item_id).where(
        ItemReview.agency_id == agency_id, ItemReview.cycle_id == cycle_id,
        ItemReview.status == "accepted")))


def thread_or_404(thread_id: int) -> CommentThread:
    """Another agency's thread, or an internal one for agency users, does not exist."""
    thread = db.session.get(CommentThread, thread_id)
    if thread is None:
        abort(404)
    if not can_read_thread(thread):
        hidden("thread", thread.id, thread.agency_id)
    return thread


def comment_or_404(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    if not can_read_thread(comment.thread):
        hidden("comment", comment.id, comment.thread.agency_id)
    return comment


def _with_comments(statement):
    return statement.options(selectinload(CommentThread.comments).selectinload(Comment.author))


def threads_by_item(agency_id: int, cycle_id: int, item_ids: list[int]) -> dict[int, list[CommentThread]]:
    """item id → the user's visible threads on it: open ones first, oldest first."""
    rows = db.session.scalars(_with_comments(
        select(CommentThread)
        .where(CommentThread.agency_id == agency_id, CommentThread.cycle_id == cycle_id,
               CommentThread.checklist_item_id.in_(item_ids), visible_threads_clause())
        .order_by(CommentThread.resolved_at.is_not(None), CommentThread.created_at, CommentThread.id)))
    result: dict[int, list[CommentThread]] = {item_id: [] for item_id in item_ids}
    for thread in rows:
        result[thread.checklist_item_id].append(thread)
    return result


def _unread_condition(user_id: int):
    read = (select(ThreadRead.read_at)
            .where(ThreadRead.thread_id == CommentThread.id, ThreadRead.user_id == user_id)
            .scalar_subquery())
    return or_(read.is_(None), read < CommentThread.last_activity_at)


def unread_thread_ids(thread_ids: list[int], user: User | None = None) -> set[int]:
    user = user or current_user
    if not thread_ids or not user.is_authenticated:
        return set()
    return set(db.session.scalars(select(CommentThread.id).where(
        CommentThread.id.in_(thread_ids), _unread_condition(user.id))))


def unread_count(user: User | None = None) -> int:
    """Open threads of the current cycle with activity newer than the user's last read:
    one query, for the badge in the navigation."""
    user = user or current_user
    if not user.is_authenticated:
        return 0
    return db.session.scalar(
        select(func.count(CommentThread.id))
        .where(cycles.in_current_cycle(CommentThread.cycle_id), CommentThread.resolved_at.is_(None),
               visible_threads_clause(user), _unread_condition(user.id))) or 0


@dataclass
class Feedback:
    """The outcome of the last review action, shown where it happened (e.g. "thread-5")."""

    where: str
    error: str | None = None
    message: str | None = None
    form: str | None = None  # which form keeps the typed text, e.g. "reply-12"
    body: str = ""
    choice: str = ""  # the status the reviewer picked, kept with the reason
    field: str | None = None  # the input the error is about ("status", "visibility"), else the text


@dataclass
class ItemReviews:
    """Everything the review part of an item panel needs, for one or many items."""

    rights: ReviewRights
    statuses: dict[int, ItemReview]
    threads: dict[int, list[CommentThread]]
    unread: set[int]
    feedback: Feedback | None = None
    _stamps: dict = field(default_factory=dict)

    def feedback_at(self, where: str) -> Feedback | None:
        return self.feedback if self.feedback and self.feedback.where == where else None

    def changes(self, item: ChecklistItem):
        """For a resubmitted item: what the agency changed since the reviewer's decision
        (asked only where it is shown: a reviewer's view of a resubmitted item)."""
        review = self.statuses.get(item.id)
        if review is None or review.resubmitted_at is None or review.decided_at is None:
            return [], []
        return changes_since(review.agency_id, review.cycle_id, item, review.decided_at)

    @property
    def can_resubmit(self) -> bool:
        """Resubmitting is the agency's work, refused while it is submitted (comments are not)."""
        return editable(self.rights.agency_id)

    @property
    def inbox_args(self) -> dict:
        """The inbox filter the reviewer came with (inbox links carry it as inbox_*), for
        the item's "รายการถัดไป" link; an htmx fragment reads it from the page's address."""
        query = urlsplit(htmx.current_url).query if htmx and htmx.current_url else request.query_string.decode()
        return {name: value for name, value in parse_qsl(query) if name.startswith("inbox_")}

    def stamp(self, item_id: int) -> str:
        """Changes whenever what the list shows changes, so a poll can answer 204 otherwise."""
        parts = [(t.id, str(t.resolved_at), str(t.last_activity_at), t.id in self.unread,
                  [(c.id, str(c.edited_at), str(c.deleted_at)) for c in t.comments])
                 for t in self.threads.get(item_id, [])]
        return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]


def item_reviews(agency_id: int, cycle_id: int, item_ids: list[int],
                 feedback: Feedback | None = None) -> ItemReviews:
    threads = threads_by_item(agency_id, cycle_id, item_ids)
    thread_ids = [t.id for ts in threads.values() for t in ts]
    return ItemReviews(ReviewRights.for_agency(agency_id), review_statuses(agency_id, cycle_id),
                       threads, unread_thread_ids(thread_ids), feedback)
