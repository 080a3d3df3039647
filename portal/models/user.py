"""Accounts and the roles they hold; an agency-scoped role names its agency."""
from datetime import datetime, timezone

from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models.agency import Agency

ROLES = {
    "agency_editor": "เจ้าหน้าที่ส่วนราชการ (แก้ไข)",
    "agency_viewer": "เจ้าหน้าที่ส่วนราชการ (อ่านอย่างเดียว)",
    # Reads the agency like a viewer and submits its self-assessment (portal/submissions);
    # an editor who also signs holds both grants.
    "agency_signer": "ผู้มีอำนาจลงนาม (หัวหน้าส่วนราชการ)",
    "reviewer": "ผู้ตรวจ/ผู้ให้ความเห็น",
    "assessor": "ผู้ประเมิน",
    "admin": "ผู้ดูแลระบบ",
}
# These roles only make sense for one agency at a time (reviewers: one row per assignment).
AGENCY_SCOPED_ROLES = ("agency_editor", "agency_viewer", "agency_signer", "reviewer")


def _sql_list(names) -> str:
    return ", ".join(f"'{name}'" for name in names)


# The CHECKs below, also written by migration 0015 (which added the signer).
ROLE_KNOWN = f"role IN ({_sql_list(ROLES)})"
AGENCY_ONLY_FOR_SCOPED_ROLES = f"(role IN ({_sql_list(AGENCY_SCOPED_ROLES)})) = (agency_id IS NOT NULL)"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored in UTC); PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    # Optional: where review notices go when the portal is given an SMTP server.
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout/deactivation so an old session cookie stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)  # of what an admin edits (portal/versions.py)

    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Checked on every UPDATE but bumped only by an admin's edit: signing in and out update
    # the row too, and must neither make the admin's form stale nor fail because of one.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    def get_id(self) -> str:
        """The session remembers the version too, so bumping it ends every old session."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    def end_sessions(self) -> None:
        self.session_version += 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # scrypt

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, role: str) -> bool:
        return any(g.role == role for g in self.grants)

    @property
    def role_names(self) -> list[str]:
        return sorted({g.role for g in self.grants}, key=list(ROLES).index)


class AnonymousUser(AnonymousUserMixin):
    grants: list = []
    role_names: list = []

    def has_role(self, role: str) -> bool:
        return False


class RoleGrant(db.Model):
    __tablename__ = "role_grant"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "agency_id"),
        CheckConstraint(ROLE_KNOWN, name="role_known"),
        CheckConstraint(AGENCY_ONLY_FOR_SCOPED_ROLES, name="agency_only_for_scoped_roles"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship(back_populates="grants")
    agency: Mapped[Agency | None] = relationship()
