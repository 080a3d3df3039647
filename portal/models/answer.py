"""The agency's written report: answers to the guide's questions, with their history and
the evidence they cite, and a statement of what was done per checklist item."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency, AssessmentCycle
from portal.models.criteria import ChecklistItem, Question, SubItem
from portal.models.evidence import Evidence
from portal.models.user import User, utcnow


class AgencyWork:
    """Columns of every record an agency writes for a cycle and edits in forms: whose, which
    cycle, who saved it last and when, and the version that refuses a stale save
    (portal/versions.py; a form sends 0 for "no row yet")."""

    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="RESTRICT"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    @declared_attr
    def updated_by(cls) -> Mapped[User | None]:
        return relationship(User, foreign_keys=[cls.updated_by_id])

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.version}


class Answer(AgencyWork, db.Model):
    """One agency's answer to one question in one cycle: one text per blank of the question
    (portal/answers/structure.py), in the order the question prints them."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("agency_id", "cycle_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"), index=True)
    parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    carried_over: Mapped[bool] = mapped_column(default=False)  # copied from last cycle, not yet saved this one

    agency: Mapped[Agency] = relationship()
    cycle: Mapped[AssessmentCycle] = relationship()
    question: Mapped[Question] = relationship()
    revisions: Mapped[list["AnswerRevision"]] = relationship(
        back_populates="answer", order_by="AnswerRevision.id.desc()", cascade="all, delete-orphan")
    citations: Mapped[list["AnswerCitation"]] = relationship(
        back_populates="answer", order_by="AnswerCitation.id", cascade="all, delete-orphan")


class AnswerRevision(db.Model):
    """The answer as one person left it: autosaves by the same person within a few minutes
    are one revision, so the history reads as sittings, not keystrokes."""

    __tablename__ = "answer_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"), index=True)
    parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    answer: Mapped[Answer] = relationship(back_populates="revisions")
    saved_by: Mapped[User | None] = relationship()


class AnswerCitation(db.Model):
    """An answer's reference to the agency's own evidence, at a page when it has pages."""

    __tablename__ = "answer_citation"
    __table_args__ = (
        UniqueConstraint("answer_id", "evidence_id", "page"),
        CheckConstraint("page IS NULL OR page >= 1", name="page_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="RESTRICT"), index=True)
    page: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    answer: Mapped[Answer] = relationship(back_populates="citations")
    evidence: Mapped[Evidence] = relationship()


class ItemStatement(AgencyWork, db.Model):
    """What the agency did for one checklist item ("ผลการดำเนินการ"), with or without evidence;
    or, with `not_applicable`, why the item does not apply to it (the text is the reason)."""

    __tablename__ = "item_statement"
    __table_args__ = (
        UniqueConstraint("agency_id", "cycle_id", "checklist_item_id"),
        CheckConstraint("NOT not_applicable OR length(text) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_item_id: Mapped[int] = mapped_column(ForeignKey("checklist_item.id", ondelete="RESTRICT"),
                                                   index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    not_applicable: Mapped[bool] = mapped_column(default=False)

    checklist_item: Mapped[ChecklistItem] = relationship()


class SubItemClaim(AgencyWork, db.Model):
    """The level the agency asks to be assessed at for one sub-item, beside the computed one."""

    __tablename__ = "sub_item_claim"
    __table_args__ = (
        UniqueConstraint("agency_id", "cycle_id", "sub_item_id"),
        CheckConstraint("level IN ('basic', 'advance', 'significance')", name="level_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_item_id: Mapped[int] = mapped_column(ForeignKey("sub_item.id", ondelete="RESTRICT"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")

    sub_item: Mapped[SubItem] = relationship()
