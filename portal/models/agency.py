"""Agencies and the yearly assessment cycles their evidence belongs to."""
from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

# Category 7's mandatory metrics depend on both the kind and the unit type.
AGENCY_KINDS = {"department": "กรม", "province": "จังหวัด", "public_org": "องค์การมหาชน"}
UNIT_TYPES = {"service": "หน่วยบริการ", "policy": "หน่วยนโยบาย"}


class Agency(db.Model):
    __tablename__ = "agency"
    __table_args__ = (
        CheckConstraint("kind IN ('department', 'province', 'public_org')", name="kind_known"),
        CheckConstraint("unit_type IN ('service', 'policy')", name="unit_type_known"),
        CheckConstraint("storage_quota_bytes IS NULL OR storage_quota_bytes > 0", name="storage_quota_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    unit_type: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # Set by an admin; NULL: the configured default (AGENCY_QUOTA_MB), or no limit (portal/evidence/quota.py).
    storage_quota_bytes: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(default=1)  # portal/versions.py

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        return AGENCY_KINDS[self.kind]

    @property
    def unit_type_label(self) -> str:
        return UNIT_TYPES[self.unit_type]


class AssessmentCycle(db.Model):
    """A fiscal year in the Buddhist era (e.g. 2569); exactly one is current."""

    __tablename__ = "assessment_cycle"
    __table_args__ = (
        CheckConstraint("fiscal_year BETWEEN 2500 AND 2700", name="fiscal_year_be"),
        # The database itself refuses a second current cycle.
        Index("uq_assessment_cycle_one_current", "is_current", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(unique=True)
    criteria_version: Mapped[str] = mapped_column(String(32))
    is_current: Mapped[bool] = mapped_column(default=False)
    # The last day to submit (set by an admin); a later submission is accepted, marked late.
    deadline: Mapped[date | None] = mapped_column(Date)
