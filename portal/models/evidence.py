"""Evidence: files and links an agency attaches to checklist items, with file versions,
extracted pages, and the attachments that make one evidence support many items."""
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency, AssessmentCycle
from portal.models.criteria import ChecklistItem
from portal.models.user import User, utcnow

EXTRACTION_STATES = ("queued", "extracting", "done", "failed", "not_applicable")


class Evidence(db.Model):
    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint("kind IN ('file', 'link')", name="kind_known"),
        # A link has its URL; a file has none (its bytes live in file versions).
        CheckConstraint("(kind = 'link') = (url IS NOT NULL)", name="file_or_link"),
        CheckConstraint(
            "extraction_status IN ('queued', 'extracting', 'done', 'failed', 'not_applicable')",
            name="extraction_status_known",
        ),
        Index("ix_evidence_agency_cycle_live", "agency_id", "cycle_id", "deleted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    document_date: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    extraction_status: Mapped[str] = mapped_column(String(16), default="not_applicable")
    extraction_error: Mapped[str | None] = mapped_column(Text)
    pages_done: Mapped[int] = mapped_column(default=0)
    pages_total: Mapped[int] = mapped_column(default=0)
    # The claim of the job extracting it (portal/evidence/pipeline.py): when it was taken,
    # and the job's last heartbeat; a claim whose heartbeat stopped may be taken again.
    extraction_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    extraction_heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)  # of what people edit: details, file (portal/versions.py)
    # The evidence of the previous cycle this one was carried over from (portal/answers/carry_over.py);
    # a plain id, not a foreign key: SQLite cannot add one in place, and the old row may be purged.
    carried_from_id: Mapped[int | None] = mapped_column(Integer)

    agency: Mapped[Agency] = relationship()
    cycle: Mapped[AssessmentCycle] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    versions: Mapped[list["FileVersion"]] = relationship(
        back_populates="evidence", order_by="FileVersion.number", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["EvidenceAttachment"]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan"
    )
    pages: Mapped[list["EvidencePage"]] = relationship(
        back_populates="evidence", order_by="EvidencePage.number", cascade="all, delete-orphan"
    )

    # Checked on every UPDATE but bumped only by people's edits: the worker's progress
    # updates must neither make an open form stale nor fail because of one.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @property
    def current_version(self) -> "FileVersion | None":
        return self.versions[-1] if self.versions else None

    @property
    def is_live(self) -> bool:
        return self.deleted_at is None


class FileVersion(db.Model):
    """One uploaded file of an evidence; replacing the file adds a version."""

    __tablename__ = "file_version"
    __table_args__ = (UniqueConstraint("evidence_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    mime: Mapped[str] = mapped_column(String(128))
    file_kind: Mapped[str] = mapped_column(String(16))
    original_name: Mapped[str] = mapped_column(Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    evidence: Mapped[Evidence] = relationship(back_populates="versions")


OCR_LOW_CONFIDENCE = 75.0  # below this mean word confidence (0–100) a page is shown as unreliable


class EvidencePage(db.Model):
    """Extracted text of one page/sheet/slide of the current file version. `text` is what
    is shown and indexed; `original_text` is the text as the file gave it, kept only when
    the Thai repair changed it (NULL: `text` is the file's own text), so a better repair
    can run again without the file."""

    __tablename__ = "evidence_page"
    __table_args__ = (UniqueConstraint("evidence_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    label: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    ocr: Mapped[bool] = mapped_column(default=False)
    original_text: Mapped[str | None] = mapped_column(Text)
    ocr_confidence: Mapped[float | None]  # Tesseract's mean word confidence, 0–100; OCR pages only

    evidence: Mapped[Evidence] = relationship(back_populates="pages")

    @property
    def ocr_unreliable(self) -> bool:
        return self.ocr and self.ocr_confidence is not None and self.ocr_confidence < OCR_LOW_CONFIDENCE


class EvidenceAttachment(db.Model):
    __tablename__ = "evidence_attachment"
    __table_args__ = (UniqueConstraint("evidence_id", "checklist_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    checklist_item_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_item.id", ondelete="RESTRICT"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)  # of the note (portal/versions.py)
    # Carried over from the previous cycle and not yet confirmed by the agency: shown, not counted.
    awaiting_confirmation: Mapped[bool] = mapped_column(default=False)

    evidence: Mapped[Evidence] = relationship(back_populates="attachments")
    checklist_item: Mapped[ChecklistItem] = relationship()

    __mapper_args__ = {"version_id_col": version}
