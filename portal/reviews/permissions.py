"""Who may read and write review threads — decided here, next to portal/access.py.

Reviewers assigned to an agency and assessors do the review work (start shared or internal
threads, reply, resolve, set an item's status). The agency's editors read shared threads,
reply to them and may start a shared thread to ask the reviewers something; they never
see internal threads and never resolve. Viewers read shared threads. Admins read
everything, internal threads included, but write nothing: they run the system, they do
not assess. Anyone who cannot see the agency gets 404 (portal.access).
"""
from dataclasses import dataclass

from flask_login import current_user
from sqlalchemy import and_, or_, true

from portal.access import can_edit_agency, can_see_agency, visible_agency_ids
from portal.models import User
from portal.models.review import Comment, CommentThread

FORBIDDEN_REVIEW = "เฉพาะผู้ตรวจที่ได้รับมอบหมายให้ดูแลส่วนราชการนี้และผู้ประเมินเท่านั้นที่ทำรายการนี้ได้"
FORBIDDEN_WRITE = "บัญชีของท่านอ่านความเห็นได้ แต่ไม่มีสิทธิ์เขียนความเห็นในกระทู้นี้"
FORBIDDEN_INTERNAL = "เจ้าหน้าที่ส่วนราชการเริ่มได้เฉพาะกระทู้ที่แสดงต่อส่วนราชการ"
FORBIDDEN_OWN = "แก้ไขหรือลบได้เฉพาะความเห็นของท่านเอง"


def _user(user: User | None) -> User:
    return user if user is not None else current_user


def _includes(ids: set[int] | None, agency_id: int) -> bool:
    return ids is None or agency_id in ids


def reviewer_agency_ids(user: User | None = None) -> set[int] | None:
    """Agencies whose review work the user does; None means every agency (assessors)."""
    user = _user(user)
    if not user.is_authenticated:
        return set()
    if user.has_role("assessor"):
        return None
    return {g.agency_id for g in user.grants if g.role == "reviewer"}


def internal_agency_ids(user: User | None = None) -> set[int] | None:
    """Agencies whose internal threads the user may read: reviewers, assessors, admins."""
    user = _user(user)
    if user.is_authenticated and user.has_role("admin"):
        return None
    return reviewer_agency_ids(user)


def can_review(agency_id: int, user: User | None = None) -> bool:
    return _includes(reviewer_agency_ids(user), agency_id)


def can_read_internal(agency_id: int, user: User | None = None) -> bool:
    return can_see_agency(agency_id, user) and _includes(internal_agency_ids(user), agency_id)


def can_read_thread(thread: CommentThread, user: User | None = None) -> bool:
    return can_see_agency(thread.agency_id, user) and (
        thread.visibility == "shared" or can_read_internal(thread.agency_id, user))


def can_start(agency_id: int, visibility: str, user: User | None = None) -> bool:
    return can_review(agency_id, user) or (visibility == "shared" and can_edit_agency(agency_id, user))


def can_reply(thread: CommentThread, user: User | None = None) -> bool:
    return can_review(thread.agency_id, user) or (
        thread.visibility == "shared" and can_edit_agency(thread.agency_id, user))


def can_change(comment: Comment, user: User | None = None) -> bool:
    """Only the author, and only while they may still write in the thread."""
    user = _user(user)
    return (user.is_authenticated and comment.author_id == user.id
            and comment.deleted_at is None and can_reply(comment.thread, user))


def visible_threads_clause(user: User | None = None):
    """SQL condition for the threads the user may read: used by every list and count."""
    agencies, internal = visible_agency_ids(user), internal_agency_ids(user)
    conditions = [true()]
    if agencies is not None:
        conditions.append(CommentThread.agency_id.in_(agencies))
    if internal is not None:
        conditions.append(or_(CommentThread.visibility == "shared", CommentThread.agency_id.in_(internal)))
    return and_(*conditions)


@dataclass
class ReviewRights:
    """One user's rights on one agency's reviews, computed once per page for the templates."""

    agency_id: int
    user_id: int | None
    can_review: bool
    can_read_internal: bool
    can_edit_agency: bool

    @classmethod
    def for_agency(cls, agency_id: int, user: User | None = None) -> "ReviewRights":
        user = _user(user)
        return cls(agency_id, user.id if user.is_authenticated else None, can_review(agency_id, user),
                   can_read_internal(agency_id, user), can_edit_agency(agency_id, user))

    @property
    def can_start_any(self) -> bool:
        return self.can_review or self.can_edit_agency

    def can_reply(self, thread: CommentThread) -> bool:
        return self.can_review or (thread.visibility == "shared" and self.can_edit_agency)

    def can_change(self, comment: Comment) -> bool:
        return (comment.author_id == self.user_id and comment.deleted_at is None
                and self.can_reply(comment.thread))
