"""The assessment of a submitted self-assessment: who assesses which agency in a cycle,
each assessor's judgement per sub-item and category (level, strengths, opportunities for
improvement, private notes), the lead's consensus, the published feedback, the agency's
improvement plan, and the good practices other agencies may read.

Judgements name what they judge by code ("1.1" a sub-item, "1" a category) because the
assessor works on the submission's snapshot, which names things by code too."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency, AssessmentCycle
from portal.models.submission import Submission
from portal.models.user import User, utcnow

# What an assessor may judge a sub-item or category to have reached.
JUDGED_LEVELS = ("below_basic", "basic", "advance", "significance")
FINDING_KINDS = ("strength", "ofi")
FINDING_LABELS = {"strength": "จุดแข็ง", "ofi": "โอกาสในการปรับปรุง"}
PLAN_STATUSES = ("planned", "in_progress", "done")
PLAN_STATUS_LABELS = {"planned": "วางแผนแล้ว", "in_progress": "กำลังดำเนินการ", "done": "ดำเนินการแล้ว"}


def _listed(names) -> str:
    return ", ".join(f"'{name}'" for name in names)


class AssessmentAssignment(db.Model):
    """An assessor on an agency's team for a cycle; one of the team is its lead."""

    __tablename__ = "assessment_assignment"
    __table_args__ = (
        UniqueConstraint("cycle_id", "agency_id", "assessor_id"),
        # The database itself refuses a second lead for one agency and cycle.
        Index("uq_assessment_assignment_one_lead", "cycle_id", "agency_id", unique=True,
              sqlite_where=text("is_lead"), postgresql_where=text("is_lead")),
        Index("ix_assessment_assignment_assessor", "assessor_id", "cycle_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="RESTRICT"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    is_lead: Mapped[bool] = mapped_column(default=False)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    cycle: Mapped[AssessmentCycle] = relationship()
    agency: Mapped[Agency] = relationship()
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id])


class Judgement(db.Model):
    """One assessor's judgement of one sub-item or category; the row without an assessor
    is the team's consensus, written by the lead."""

    __tablename__ = "judgement"
    __table_args__ = (
        CheckConstraint(f"level IS NULL OR level IN ({_listed(JUDGED_LEVELS)})", name="level_known"),
        CheckConstraint("scope IN ('sub_item', 'category')", name="scope_known"),
        Index("uq_judgement_assessor", "cycle_id", "agency_id", "code", "assessor_id", unique=True,
              sqlite_where=text("assessor_id IS NOT NULL"), postgresql_where=text("assessor_id IS NOT NULL")),
        Index("uq_judgement_consensus", "cycle_id", "agency_id", "code", unique=True,
              sqlite_where=text("assessor_id IS NULL"), postgresql_where=text("assessor_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="RESTRICT"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    scope: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(16))
    # NULL: the consensus. An assessor removed from the team keeps no judgement.
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    level: Mapped[str | None] = mapped_column(String(16))
    # Never shown to the agency, nor printed in the feedback report.
    private_note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)  # portal/versions.py

    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])
    findings: Mapped[list["Finding"]] = relationship(
        back_populates="judgement", order_by="(Finding.kind, Finding.position, Finding.id)",
        cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_consensus(self) -> bool:
        return self.assessor_id is None


class Finding(db.Model):
    """A strength or an opportunity for improvement, tied to where it comes from: the
    checklist items, questions and evidence it names (`refs`: [{"type": "item"|"question"|
    "evidence", "ref": code or id}])."""

    __tablename__ = "finding"
    __table_args__ = (CheckConstraint(f"kind IN ({_listed(FINDING_KINDS)})", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judgement_id: Mapped[int] = mapped_column(ForeignKey("judgement.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    refs: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    # A consensus finding taken from an assessor's: where it came from (kept if that goes).
    source_finding_id: Mapped[int | None] = mapped_column(ForeignKey("finding.id", ondelete="SET NULL"))

    judgement: Mapped[Judgement] = relationship(back_populates="findings")


class AssessmentState(db.Model):
    """Where the team stands with one agency in one cycle: which submission it judges,
    when the lead marked the consensus done, when the feedback was published."""

    __tablename__ = "assessment_state"
    __table_args__ = (
        UniqueConstraint("cycle_id", "agency_id"),
        CheckConstraint("published_at IS NULL OR consensus_done_at IS NOT NULL", name="published_after_consensus"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="RESTRICT"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    # The submission the feedback answers (set when published; NULL while judging).
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id", ondelete="RESTRICT"))
    consensus_done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consensus_done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # The feedback as published: the consensus frozen, so later edits never change it.
    feedback: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)

    agency: Mapped[Agency] = relationship()
    cycle: Mapped[AssessmentCycle] = relationship()
    submission: Mapped[Submission | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ImprovementPlanEntry(db.Model):
    """What the agency will do about one opportunity for improvement; an entry not done
    carries into the next cycle (carried_from_id points at the entry it continues)."""

    __tablename__ = "improvement_plan_entry"
    __table_args__ = (
        CheckConstraint(f"status IN ({_listed(PLAN_STATUSES)})", name="status_known"),
        Index("ix_improvement_plan_entry_agency_cycle", "agency_id", "cycle_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="RESTRICT"))
    # The published OFI it answers, by sub-item or category code and text (the feedback is
    # frozen JSON, so the entry keeps its own copy).
    code: Mapped[str] = mapped_column(String(16))
    ofi_text: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("improvement_plan_entry.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    agency: Mapped[Agency] = relationship()
    cycle: Mapped[AssessmentCycle] = relationship()

    __mapper_args__ = {"version_id_col": version}


class GoodPractice(db.Model):
    """A sub-item's answer and evidence that the lead marks as good practice after the
    feedback is published; every agency may read it once the agency agrees."""

    __tablename__ = "good_practice"
    __table_args__ = (UniqueConstraint("cycle_id", "agency_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="RESTRICT"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(16))  # the sub-item
    reason: Mapped[str] = mapped_column(Text, default="")
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    declined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    agency: Mapped[Agency] = relationship()
    cycle: Mapped[AssessmentCycle] = relationship()
    submission: Mapped[Submission] = relationship()
