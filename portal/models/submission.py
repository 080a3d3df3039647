"""An agency's submitted self-assessment: a frozen snapshot of its cycle with the hash
that proves it unchanged, who signed and when, and the reopening that ended it."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency, AssessmentCycle
from portal.models.user import User, utcnow


class Submission(db.Model):
    """Number n of the agency's submissions in the cycle. While it is open (not reopened)
    the agency's work in the cycle is read-only (portal/submissions/lock.py)."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("agency_id", "cycle_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("(reopened_at IS NULL) = (reopen_reason IS NULL)", name="reopened_with_reason"),
        # The database itself refuses a second open submission of one agency and cycle.
        Index("uq_submission_one_open", "agency_id", "cycle_id", unique=True,
              sqlite_where=text("reopened_at IS NULL"), postgresql_where=text("reopened_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="RESTRICT"))
    number: Mapped[int]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)
    # SHA-256 of the snapshot's canonical JSON (portal/submissions/snapshot.py).
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict] = mapped_column(JSON)
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    agency: Mapped[Agency] = relationship()
    cycle: Mapped[AssessmentCycle] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reopened_by: Mapped[User | None] = relationship(foreign_keys=[reopened_by_id])

    @property
    def is_open(self) -> bool:
        return self.reopened_at is None
