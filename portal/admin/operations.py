"""Every administrative change goes through here, so the CLI and the pages validate and
audit the same way. Functions raise Refused (422) with a Thai message on bad input; the
caller commits."""
import re
import secrets
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from portal import audit, cycles, versions
from portal.errors import Refused
from portal.evidence import quota
from portal.extensions import db
from portal.models import (
    AGENCY_KINDS,
    AGENCY_SCOPED_ROLES,
    ROLES,
    UNIT_TYPES,
    Agency,
    AssessmentCycle,
    RoleGrant,
    User,
)

EMAIL_PATTERN = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
AGENCY_CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
MIN_PASSWORD_LENGTH = 10


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Refused(422, f"รหัสผ่านต้องยาวอย่างน้อย {MIN_PASSWORD_LENGTH} ตัวอักษร", field="password")
    if len(password) > 256:
        raise Refused(422, "รหัสผ่านยาวเกินไป", field="password")


def create_user(username: str, display_name: str, password: str | None = None,
                email: str | None = None) -> tuple[User, str]:
    """Returns the user and the password (generated when none was given)."""
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise Refused(422, "ชื่อผู้ใช้ต้องเป็นตัวอักษรอังกฤษพิมพ์เล็ก ตัวเลข . _ - ยาว 2–64 ตัว", field="username")
    if db.session.scalar(select(User).where(func.lower(User.username) == username)):
        raise Refused(422, f"มีชื่อผู้ใช้ {username} อยู่แล้ว", field="username")
    display_name = display_name.strip()
    if not display_name or len(display_name) > 200:
        raise Refused(422, "กรุณากรอกชื่อที่แสดง (ไม่เกิน 200 ตัวอักษร)", field="display_name")
    email = clean_email(email)
    password = password or generate_password()
    check_password(password)
    user = User(username=username, display_name=display_name, email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", object_type="user", object_id=user.id, username=username,
                 **({"email": email} if email else {}))
    return user, password


def clean_email(value: str | None) -> str | None:
    """One address or none; checked only for shape — delivery is the mail server's business."""
    email = (value or "").strip()
    if not email:
        return None
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise Refused(422, f"อีเมล “{email[:80]}” ไม่ถูกต้อง (ตัวอย่าง: somchai@agency.go.th)", field="email")
    return email


def update_user(user: User, display_name: str, email: str | None = None, version: int | None = None,
                acting_user: User | None = None) -> None:
    """`version`: what the account form showed (portal/versions.py)."""
    versions.check(user, version, lambda: user_conflict(user, acting_user))
    display_name = display_name.strip()
    if not display_name or len(display_name) > 200:
        raise Refused(422, "กรุณากรอกชื่อที่แสดง (ไม่เกิน 200 ตัวอักษร)", field="display_name")
    email = clean_email(email)
    changes = {}
    if display_name != user.display_name:
        changes["display_name"] = {"from": user.display_name, "to": display_name}
    if email != user.email:
        changes["email"] = {"from": user.email, "to": email}
    if changes:
        with versions.saving(lambda: user_conflict(user, acting_user)):
            for key, change in changes.items():
                setattr(user, key, change["to"])
            versions.bump(user)
        audit.record("user_updated", object_type="user", object_id=user.id, **changes)


def user_conflict(user: User, acting_user: User | None) -> Refused:
    current = [("ชื่อที่แสดง", versions.quoted(user.display_name)), ("อีเมล", user.email or "(ไม่ระบุ)")]
    change = versions.last_audited("user", user.id, ("user_updated",))
    return versions.conflict(f"บัญชี {user.username} ", current, change, acting_user)


def grant_role(user: User, role: str, agency: Agency | None = None) -> RoleGrant:
    if role not in ROLES:
        raise Refused(422, f"ไม่รู้จักบทบาท {role}", field="role")
    if role in AGENCY_SCOPED_ROLES and agency is None:
        raise Refused(422, f"บทบาท {ROLES[role]} ต้องระบุส่วนราชการ", field="agency_id")
    if role not in AGENCY_SCOPED_ROLES:
        agency = None
    for grant in user.grants:
        if grant.role == role and grant.agency_id == (agency.id if agency else None):
            raise Refused(422, "ผู้ใช้มีบทบาทนี้อยู่แล้ว", field="role")
    grant = RoleGrant(role=role, agency=agency)
    user.grants.append(grant)
    db.session.flush()
    audit.record("role_granted", object_type="user", object_id=user.id,
                 agency_id=agency.id if agency else None, role=role, username=user.username)
    return grant


def revoke_role(user: User, grant: RoleGrant) -> None:
    if grant not in user.grants:
        raise Refused(422, "ไม่พบบทบาทนี้ของผู้ใช้")
    audit.record("role_revoked", object_type="user", object_id=user.id,
                 agency_id=grant.agency_id, role=grant.role, username=user.username)
    user.grants.remove(grant)
    user.end_sessions()  # fewer rights take effect now, not at the next sign-in


def set_active(user: User, active: bool, acting_user: User | None = None) -> None:
    if acting_user is not None and acting_user.id == user.id and not active:
        raise Refused(422, "ไม่สามารถระงับบัญชีของตนเองได้")
    if user.active == active:
        return
    user.active = active
    if not active:
        user.end_sessions()
    audit.record("user_reactivated" if active else "user_deactivated",
                 object_type="user", object_id=user.id, username=user.username)


def reset_password(user: User, password: str | None = None) -> str:
    password = password or generate_password()
    check_password(password)
    user.set_password(password)
    user.end_sessions()
    audit.record("password_reset", object_type="user", object_id=user.id, username=user.username)
    return password


def _agency_fields(code: str, name: str, kind: str, unit_type: str) -> dict:
    code = code.strip().upper()
    name = name.strip()
    if not AGENCY_CODE_PATTERN.match(code):
        raise Refused(422, "รหัสส่วนราชการต้องเป็นตัวอักษรอังกฤษพิมพ์ใหญ่ ตัวเลข _ - ยาว 2–32 ตัว", field="code")
    if not name or len(name) > 300:
        raise Refused(422, "กรุณากรอกชื่อส่วนราชการ (ไม่เกิน 300 ตัวอักษร)", field="name")
    if kind not in AGENCY_KINDS:
        raise Refused(422, "ประเภทส่วนราชการต้องเป็น กรม จังหวัด หรือ องค์การมหาชน", field="kind")
    if unit_type not in UNIT_TYPES:
        raise Refused(422, "ลักษณะหน่วยงานต้องเป็น หน่วยบริการ หรือ หน่วยนโยบาย", field="unit_type")
    return {"code": code, "name": name, "kind": kind, "unit_type": unit_type}


def create_agency(code: str, name: str, kind: str, unit_type: str) -> Agency:
    fields = _agency_fields(code, name, kind, unit_type)
    if db.session.scalar(select(Agency).where(Agency.code == fields["code"])):
        raise Refused(422, f"มีรหัสส่วนราชการ {fields['code']} อยู่แล้ว", field="code")
    agency = Agency(**fields)
    db.session.add(agency)
    db.session.flush()
    audit.record("agency_created", object_type="agency", object_id=agency.id,
                 agency_id=agency.id, **fields)
    return agency


def update_agency(agency: Agency, code: str, name: str, kind: str, unit_type: str, active: bool,
                  quota_mb: Decimal | None, version: int | None = None, acting_user: User | None = None) -> None:
    """The admin's row: `quota_mb` is the storage limit (None: the configured default),
    `version` what the row's form showed (portal/versions.py)."""
    versions.check(agency, version, lambda: agency_conflict(agency, acting_user))
    fields = _agency_fields(code, name, kind, unit_type)
    clash = db.session.scalar(select(Agency).where(Agency.code == fields["code"], Agency.id != agency.id))
    if clash:
        raise Refused(422, f"มีรหัสส่วนราชการ {fields['code']} อยู่แล้ว", field="code")
    fields["active"] = bool(active)
    changes = {k: {"from": getattr(agency, k), "to": v} for k, v in fields.items() if getattr(agency, k) != v}
    with versions.saving(lambda: agency_conflict(agency, acting_user)):
        for key, value in fields.items():
            setattr(agency, key, value)
        quota.set_limit(agency, quota_mb)
    if changes:
        audit.record("agency_updated", object_type="agency", object_id=agency.id,
                     agency_id=agency.id, changes=changes)


def agency_conflict(agency: Agency, acting_user: User | None) -> Refused:
    current = [("รหัส", agency.code), ("ชื่อ", versions.quoted(agency.name)),
               ("ประเภท", AGENCY_KINDS[agency.kind]), ("ลักษณะหน่วยงาน", UNIT_TYPES[agency.unit_type]),
               ("สถานะ", "ใช้งาน" if agency.active else "ปิดใช้งาน"),
               ("โควตา", f"{quota.megabytes_text(agency.storage_quota_bytes)} MB"
                if agency.storage_quota_bytes else "ค่าเริ่มต้นของระบบ")]
    change = versions.last_audited("agency", agency.id, ("agency_updated", "agency_quota_set"))
    return versions.conflict(f"ส่วนราชการ {agency.code} ", current, change, acting_user)


def create_cycle(fiscal_year: int, criteria_version: str) -> AssessmentCycle:
    if not 2500 <= fiscal_year <= 2700:
        raise Refused(422, "ปีงบประมาณต้องเป็นปีพุทธศักราช เช่น 2569", field="fiscal_year")
    if db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.fiscal_year == fiscal_year)):
        raise Refused(422, f"มีรอบการประเมินปีงบประมาณ {fiscal_year} อยู่แล้ว", field="fiscal_year")
    if not cycles.edition_loaded(criteria_version):
        raise Refused(422, f"ยังไม่ได้โหลดเกณฑ์รุ่น “{criteria_version}” เข้าสู่ระบบ กรุณาตรวจชื่อรุ่น "
                           "หรือโหลดเกณฑ์ก่อน (flask --app portal criteria load)", field="criteria_version")
    cycle = AssessmentCycle(fiscal_year=fiscal_year, criteria_version=criteria_version)
    db.session.add(cycle)
    db.session.flush()
    audit.record("cycle_created", object_type="cycle", object_id=cycle.id, fiscal_year=fiscal_year)
    return cycle


def make_current(cycle: AssessmentCycle) -> None:
    for other in db.session.scalars(select(AssessmentCycle).where(AssessmentCycle.is_current)):
        other.is_current = False
    db.session.flush()
    cycle.is_current = True
    audit.record("cycle_made_current", object_type="cycle", object_id=cycle.id,
                 fiscal_year=cycle.fiscal_year)


def set_deadline(cycle: AssessmentCycle, deadline: date | None) -> None:
    """The cycle's last day to submit; None removes it. A later submission is still taken,
    marked late (portal/submissions), so the deadline never locks an agency out."""
    if cycle.deadline == deadline:
        return
    audit.record("cycle_deadline_set", object_type="cycle", object_id=cycle.id, fiscal_year=cycle.fiscal_year,
                 deadline={"from": cycle.deadline.isoformat() if cycle.deadline else None,
                           "to": deadline.isoformat() if deadline else None})
    cycle.deadline = deadline
