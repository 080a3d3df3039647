"""Reviews: threaded comments on an agency's checklist item and the item's review status."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency, AssessmentCycle
from portal.models.criteria import ChecklistItem
from portal.models.user import User, utcnow

REVIEW_STATUSES = ("submitted", "needs_revision", "accepted")
STATUS_LABELS = {"submitted": "รอพิจารณา", "needs_revision": "ต้องแก้ไข", "accepted": "ผ่านการพิจารณา"}
THREAD_VISIBILITIES = ("shared", "internal")


class ItemReview(db.Model):
    """A reviewer's verdict on one item of one agency in one cycle (no row: not reviewed)."""

    __tablename__ = "item_review"
    __table_args__ = (
        UniqueConstraint("agency_id", "cycle_id", "checklist_item_id"),
        CheckConstraint("status IN ('submitted', 'needs_revision', 'accepted')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="RESTRICT"))
    checklist_item_id: Mapped[int] = mapped_column(ForeignKey("checklist_item.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)  # portal/versions.py; a form sends 0 for "no row yet"
    # When a reviewer last decided, kept apart from updated_at: the agency's resubmission
    # also moves the status (back to "submitted", updated_by the editor), and what the
    # reviewer is shown as changed is what changed since `decided_at`.
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resubmitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    agency: Mapped[Agency] = relationship()
    cycle: Mapped[AssessmentCycle] = relationship()
    checklist_item: Mapped[ChecklistItem] = relationship()
    updated_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class CommentThread(db.Model):
    """A discussion on one agency's item; shared with the agency or internal to reviewers."""

    __tablename__ = "comment_thread"
    __table_args__ = (
        CheckConstraint("visibility IN ('shared', 'internal')", name="visibility_known"),
        Index("ix_comment_thread_agency_item", "agency_id", "cycle_id", "checklist_item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="RESTRICT"))
    checklist_item_id: Mapped[int] = mapped_column(ForeignKey("checklist_item.id", ondelete="RESTRICT"))
    visibility: Mapped[str] = mapped_column(String(8))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Bumped by every post so inboxes and unread counts need no scan of comments.
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    agency: Mapped[Agency] = relationship()
    cycle: Mapped[AssessmentCycle] = relationship()
    checklist_item: Mapped[ChecklistItem] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    comments: Mapped[list["Comment"]] = relationship(
        back_populates="thread", order_by="Comment.id", cascade="all, delete-orphan"
    )


class Comment(db.Model):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("comment_thread.id", ondelete="CASCADE"), index=True)
    # None for the thread's opening comment; replies nest under the comment they answer.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)  # portal/versions.py: its author in two windows

    thread: Mapped[CommentThread] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ThreadRead(db.Model):
    """When a user last read a thread: what is newer (and not theirs) is unread."""

    __tablename__ = "thread_read"
    __table_args__ = (UniqueConstraint("user_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("comment_thread.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
