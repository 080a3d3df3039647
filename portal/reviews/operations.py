"""Every change to threads, comments and review statuses: check rights, validate, write,
audit. Views call these and commit; a refusal is Refused with a Thai message."""
from datetime import datetime

from sqlalchemy import select

from portal import audit, cycles, versions
from portal.access import can_edit_agency
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, ChecklistItem, User
from portal.models.review import (REVIEW_STATUSES, STATUS_LABELS, THREAD_VISIBILITIES, Comment,
                                  CommentThread, ItemReview, ThreadRead)
from portal.models.user import aware, utcnow
from portal.text import clean_text
from portal.reviews import notify
from portal.submissions.lock import require_open
from portal.reviews import permissions as perm

MAX_BODY = 10_000


def clean_body(value: str | None, label: str = "ความเห็น", required: bool = True) -> str:
    return clean_text(value, label, limit=MAX_BODY, required=required)


def mark_read(user: User, thread: CommentThread, at: datetime | None = None) -> None:
    at = at or utcnow()
    mark = db.session.scalar(select(ThreadRead).where(ThreadRead.user_id == user.id,
                                                      ThreadRead.thread_id == thread.id))
    if mark is None:
        db.session.add(ThreadRead(user_id=user.id, thread_id=thread.id, read_at=at))
    elif mark.read_at is None or aware(mark.read_at) < aware(at):
        mark.read_at = at


def _audit(action: str, user: User, thread: CommentThread, **details) -> None:
    audit.record(action, actor=user, object_type="comment_thread", object_id=thread.id,
                 agency_id=thread.agency_id, item=thread.checklist_item.full_code,
                 visibility=thread.visibility, **details)


def start_thread(agency: Agency, item: ChecklistItem, visibility: str, body: str, user: User) -> CommentThread:
    if not perm.can_start(agency.id, "shared", user):
        raise Refused(403, perm.FORBIDDEN_WRITE)
    if visibility not in THREAD_VISIBILITIES:
        raise Refused(422, "กรุณาเลือกว่าจะแสดงกระทู้ต่อส่วนราชการ หรือเฉพาะผู้ตรวจ", field="visibility")
    if not perm.can_start(agency.id, visibility, user):
        raise Refused(403, perm.FORBIDDEN_INTERNAL)
    text = clean_body(body)
    now = utcnow()
    thread = CommentThread(agency_id=agency.id, cycle_id=cycles.current_cycle().id, checklist_item=item,
                           visibility=visibility, created_by_id=user.id, created_at=now,
                           last_activity_at=now)
    thread.comments.append(Comment(author_id=user.id, body=text, created_at=now))
    db.session.add(thread)
    db.session.flush()
    mark_read(user, thread, now)
    _audit("thread_started", user, thread, comment_id=thread.comments[0].id)
    notify.after_commit(comment=thread.comments[0])
    return thread


def reply(thread: CommentThread, parent_id: int | None, body: str, user: User) -> Comment:
    """Replies nest under the comment they answer (the opening comment when none is named)."""
    if not perm.can_reply(thread, user):
        raise Refused(403, perm.FORBIDDEN_WRITE)
    if thread.resolved_at is not None:
        raise Refused(422, "กระทู้นี้ปิดแล้ว (ได้ข้อยุติ) ผู้ตรวจต้องเปิดกระทู้อีกครั้งก่อนจึงจะตอบได้")
    parent = next((c for c in thread.comments if c.id == parent_id), None) if parent_id else thread.comments[0]
    if parent is None:
        raise Refused(422, "ไม่พบความเห็นที่ต้องการตอบในกระทู้นี้")
    if parent.deleted_at is not None:
        raise Refused(422, "ความเห็นนี้ถูกลบแล้ว ตอบไม่ได้")
    text = clean_body(body, "คำตอบ")
    now = utcnow()
    comment = Comment(parent_id=parent.id, author_id=user.id, body=text, created_at=now)
    thread.comments.append(comment)
    thread.last_activity_at = now
    db.session.flush()
    mark_read(user, thread, now)
    _audit("comment_posted", user, thread, comment_id=comment.id, parent_id=parent.id)
    notify.after_commit(comment=comment)
    return comment


def _own(comment: Comment, user: User) -> None:
    if comment.author_id != user.id:
        raise Refused(403, perm.FORBIDDEN_OWN)
    if not perm.can_reply(comment.thread, user):
        raise Refused(403, perm.FORBIDDEN_WRITE)
    if comment.deleted_at is not None:
        raise Refused(422, "ความเห็นนี้ถูกลบแล้ว")


def edit_comment(comment: Comment, body: str, user: User, version: int | None = None) -> bool:
    """The previous text goes to the audit log: what a reviewer told an agency stays on record.
    `version`: what the edit form showed (portal/versions.py)."""
    _own(comment, user)
    versions.check(comment, version, lambda: comment_conflict(comment, user))
    text = clean_body(body)
    if text == comment.body:
        return False
    previous = comment.body
    with versions.saving(lambda: comment_conflict(comment, user)):
        comment.body, comment.edited_at = text, utcnow()
    _audit("comment_edited", user, comment.thread, comment_id=comment.id, previous=previous)
    return True


def comment_conflict(comment: Comment, user: User | None) -> Refused:
    """Only its author edits a comment: the other save came from another window of theirs."""
    if comment.deleted_at is not None:
        return Refused(422, "ความเห็นนี้ถูกลบแล้ว")
    change = versions.changed_by(comment.edited_at or comment.created_at, comment.author)
    return versions.conflict("ความเห็นนี้", [("ข้อความ", versions.quoted(comment.body))], change, user)


def delete_comment(comment: Comment, user: User) -> None:
    """The text disappears from the pages ("ลบแล้ว"); replies under it stay."""
    _own(comment, user)
    previous, comment.body, comment.deleted_at = comment.body, "", utcnow()
    _audit("comment_deleted", user, comment.thread, comment_id=comment.id, previous=previous)


def resolve(thread: CommentThread, user: User) -> None:
    if not perm.can_review(thread.agency_id, user):
        raise Refused(403, perm.FORBIDDEN_REVIEW)
    if thread.resolved_at is not None:
        raise Refused(422, "กระทู้นี้ปิดไปแล้ว")
    thread.resolved_at, thread.resolved_by_id = utcnow(), user.id
    _audit("thread_resolved", user, thread)


def reopen(thread: CommentThread, user: User) -> None:
    if not perm.can_review(thread.agency_id, user):
        raise Refused(403, perm.FORBIDDEN_REVIEW)
    if thread.resolved_at is None:
        raise Refused(422, "กระทู้นี้ยังเปิดอยู่")
    thread.resolved_at = thread.resolved_by_id = None
    _audit("thread_reopened", user, thread)


def _review_of(agency: Agency, item: ChecklistItem, cycle_id: int) -> ItemReview | None:
    return db.session.scalar(select(ItemReview).where(
        ItemReview.agency_id == agency.id, ItemReview.cycle_id == cycle_id,
        ItemReview.checklist_item_id == item.id))


def review_conflict(agency: Agency, item: ChecklistItem, user: User | None) -> Refused | None:
    """409: the status another reviewer saved since the form was shown (None: there is none)."""
    review = _review_of(agency, item, cycles.current_cycle().id)
    if review is None:
        return None
    current = [("สถานะ", f"“{STATUS_LABELS[review.status]}”")]
    if review.reason:
        current.append(("เหตุผล", versions.quoted(review.reason)))
    return versions.conflict(f"ผลการพิจารณารายการ {item.code} ", current,
                             versions.changed_by(review.updated_at, review.updated_by), user)


def set_status(agency: Agency, item: ChecklistItem, status: str, reason: str, user: User,
               version: int | None = None) -> ItemReview:
    """Any move between the three statuses; "needs revision" must say why. `version`: the
    review's as the form showed it, 0 when it showed none (portal/versions.py)."""
    if not perm.can_review(agency.id, user):
        raise Refused(403, perm.FORBIDDEN_REVIEW)
    cycle = cycles.current_cycle()
    review = _review_of(agency, item, cycle.id)
    versions.check(review, version, lambda: review_conflict(agency, item, user))
    if status not in REVIEW_STATUSES:
        raise Refused(422, "กรุณาเลือกสถานะการพิจารณา", field="status")
    reason = clean_body(reason, "เหตุผล", required=False)
    if status == "needs_revision" and not reason:
        raise Refused(422, "กรุณาระบุเหตุผลที่ต้องแก้ไข")
    before = review.status if review else None
    if review is not None and review.status == status and review.reason == reason:
        raise Refused(422, f"สถานะเป็น “{STATUS_LABELS[status]}” อยู่แล้ว", field="status")
    # Two reviewers saving the first status at once: the unique (agency, cycle, item) row
    # lets one in; the other request runs again and its check shows it what that says.
    with versions.saving(lambda: review_conflict(agency, item, user)):
        if review is None:
            review = ItemReview(agency_id=agency.id, cycle_id=cycle.id, checklist_item_id=item.id)
            db.session.add(review)
        review.status, review.reason, review.updated_by_id = status, reason, user.id
        review.updated_at = review.decided_at = utcnow()
        review.resubmitted_at = None
    notify.after_commit(review=review)
    audit.record("review_status_changed", actor=user, object_type="checklist_item", object_id=item.id,
                 agency_id=agency.id, item=item.full_code, before=before, after=status, reason=reason)
    return review


def resubmit(agency: Agency, item: ChecklistItem, user: User, version: int | None = None) -> ItemReview:
    """The agency sends an item returned "ต้องแก้ไข" back for review, once it changed what was
    asked: the status returns to "submitted", marked resubmitted, and the reviewer is shown
    what changed since their decision (portal/reviews/changes.py)."""
    if not can_edit_agency(agency.id, user):
        raise Refused(403, "เฉพาะเจ้าหน้าที่ของส่วนราชการนี้ (สิทธิ์แก้ไข) เท่านั้นที่ส่งรายการให้พิจารณาอีกครั้งได้")
    # Resubmitting says the agency changed its work, which it cannot while submitted.
    require_open(agency.id, cycles.current_cycle().id)
    review = _review_of(agency, item, cycles.current_cycle().id)
    versions.check(review, version, lambda: review_conflict(agency, item, user))
    if review is None or review.status != "needs_revision":
        raise Refused(422, f"รายการ {item.code} ไม่ได้อยู่ในสถานะ “ต้องแก้ไข” จึงส่งให้พิจารณาอีกครั้งไม่ได้")
    with versions.saving(lambda: review_conflict(agency, item, user)):
        review.status, review.updated_by_id = "submitted", user.id
        review.updated_at = review.resubmitted_at = utcnow()
    audit.record("item_resubmitted", actor=user, object_type="checklist_item", object_id=item.id,
                 agency_id=agency.id, item=item.full_code)
    return review
