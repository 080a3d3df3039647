"""`flask demo load`: sample agencies, cycles and one account per role for local trials."""
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, AssessmentCycle, RoleGrant, User

demo_cli = AppGroup("demo", help="ข้อมูลตัวอย่างสำหรับทดลองใช้งานในเครื่อง")

DEMO_AGENCIES = [
    ("DEMO-DEPT", "กรมส่งเสริมการบริการดิจิทัล (ตัวอย่าง)", "department", "service"),
    ("DEMO-PROV", "จังหวัดตัวอย่าง", "province", "service"),
    ("DEMO-PUBORG", "สำนักงานพัฒนานโยบายนวัตกรรม (องค์การมหาชน) (ตัวอย่าง)", "public_org", "policy"),
]
# username, display name, password, [(role, agency code or None)]
DEMO_USERS = [
    ("editor", "สมชาย ใจดี (เจ้าหน้าที่กรม)", "editor-demo-2569", [("agency_editor", "DEMO-DEPT")]),
    ("viewer", "สมหญิง รักงาน (อ่านอย่างเดียว)", "viewer-demo-2569", [("agency_viewer", "DEMO-DEPT")]),
    ("province", "มานะ ตั้งใจ (เจ้าหน้าที่จังหวัด)", "province-demo-2569", [("agency_editor", "DEMO-PROV")]),
    ("reviewer", "วิชัย ตรวจสอบ (ผู้ตรวจ)", "reviewer-demo-2569",
     [("reviewer", "DEMO-DEPT"), ("reviewer", "DEMO-PROV")]),
    ("assessor", "ประเมิน สุจริต (ผู้ประเมิน)", "assessor-demo-2569", [("assessor", None)]),
    ("admin", "ผู้ดูแลระบบ", "admin-demo-2569", [("admin", None)]),
]


def fiscal_year_be(day: date) -> int:
    """Thai fiscal years start on 1 October and are counted in the Buddhist era."""
    return day.year + 543 + (1 if day.month >= 10 else 0)


def load_demo(today: date | None = None, criteria_version: str = "pmqa-4.0") -> list[tuple[str, str]]:
    """Create what is missing and return the credentials of accounts created now."""
    agencies = {}
    for code, name, kind, unit_type in DEMO_AGENCIES:
        agency = db.session.scalar(select(Agency).where(Agency.code == code))
        if agency is None:
            agency = Agency(code=code, name=name, kind=kind, unit_type=unit_type)
            db.session.add(agency)
        agencies[code] = agency

    current = fiscal_year_be(today or date.today())
    for year in (current - 1, current):
        if db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.fiscal_year == year)) is None:
            db.session.add(AssessmentCycle(fiscal_year=year, criteria_version=criteria_version))
    db.session.flush()
    if db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current)) is None:
        db.session.scalar(
            select(AssessmentCycle).where(AssessmentCycle.fiscal_year == current)
        ).is_current = True

    created = []
    for username, display_name, password, grants in DEMO_USERS:
        if db.session.scalar(select(User).where(User.username == username)) is not None:
            continue  # never reset a password someone may have changed
        user = User(username=username, display_name=display_name)
        user.set_password(password)
        user.grants = [RoleGrant(role=role, agency=agencies[code] if code else None)
                       for role, code in grants]
        db.session.add(user)
        created.append((username, password))
    db.session.flush()
    from portal.reviews.demo import load_demo_reviews

    load_demo_reviews(criteria_version)
    db.session.commit()
    return created


@demo_cli.command("load")
def load_command():
    """Load the demo agencies, cycles and accounts (safe to run again)."""
    created = load_demo()
    if not created:
        click.echo("ข้อมูลตัวอย่างมีอยู่แล้ว (ไม่ได้เปลี่ยนรหัสผ่านของบัญชีเดิม)")
        return
    click.echo("บัญชีตัวอย่าง (ใช้ทดลองในเครื่องเท่านั้น ห้ามใช้บนระบบจริง):")
    for username, password in created:
        click.echo(f"  {username:<10} {password}")
