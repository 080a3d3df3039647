"""Category 7: the result metrics an agency reports per dimension and metric group."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency, AssessmentCycle
from portal.models.criteria import MetricGroup
from portal.models.evidence import Evidence
from portal.models.user import utcnow


class ResultMetric(db.Model):
    """One indicator with its target and three fiscal years of results (oldest first)."""

    __tablename__ = "result_metric"
    __table_args__ = (
        CheckConstraint("direction IN ('higher', 'lower')", name="direction_known"),
        Index("ix_result_metric_agency_cycle", "agency_id", "cycle_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("assessment_cycle.id", ondelete="RESTRICT"))
    metric_group_id: Mapped[int] = mapped_column(ForeignKey("metric_group.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(64), default="")
    direction: Mapped[str] = mapped_column(String(8))
    target: Mapped[float | None] = mapped_column(Float)
    # Results of fiscal years cycle−2, cycle−1 and the cycle's own year.
    value_two_years_ago: Mapped[float | None] = mapped_column(Float)
    value_last_year: Mapped[float | None] = mapped_column(Float)
    value_this_year: Mapped[float | None] = mapped_column(Float)
    # The mandatory indicator (from the criteria file) this metric answers, if any.
    mandatory_indicator: Mapped[str] = mapped_column(Text, default="")
    # The metric's definition (issue 16): how it is computed, from what data, its baseline,
    # who owns it, and the process sub-item of categories 1–6 it measures ("2.3"; "" none).
    formula: Mapped[str] = mapped_column(Text, default="")
    data_source: Mapped[str] = mapped_column(Text, default="")
    baseline: Mapped[float | None] = mapped_column(Float)
    responsible_unit: Mapped[str] = mapped_column(String(255), default="")
    process_sub_item: Mapped[str] = mapped_column(String(16), default="")
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)  # portal/versions.py

    agency: Mapped[Agency] = relationship()
    cycle: Mapped[AssessmentCycle] = relationship()
    group: Mapped[MetricGroup] = relationship()
    evidence_links: Mapped[list["ResultMetricEvidence"]] = relationship(
        back_populates="metric", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class ResultMetricEvidence(db.Model):
    __tablename__ = "result_metric_evidence"
    __table_args__ = (UniqueConstraint("metric_id", "evidence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("result_metric.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)

    metric: Mapped[ResultMetric] = relationship(back_populates="evidence_links")
    evidence: Mapped[Evidence] = relationship()
