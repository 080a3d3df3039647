"""`flask demo load`: sample agencies, cycles and one account per role for local trials."""
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal import cycles
from portal.extensions import db
from portal.models import ROLES, Agency, AssessmentCycle, MetricGroup, ResultMetric, RoleGrant, User

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
    ("signer", "อธิบดี ลงนาม (หัวหน้าส่วนราชการ)", "signer-demo-2569", [("agency_signer", "DEMO-DEPT")]),
    ("province", "มานะ ตั้งใจ (เจ้าหน้าที่จังหวัด)", "province-demo-2569", [("agency_editor", "DEMO-PROV")]),
    ("reviewer", "วิชัย ตรวจสอบ (ผู้ตรวจ)", "reviewer-demo-2569",
     [("reviewer", "DEMO-DEPT"), ("reviewer", "DEMO-PROV")]),
    ("assessor", "ประเมิน สุจริต (ผู้ประเมิน)", "assessor-demo-2569", [("assessor", None)]),
    ("assessor2", "สมใจ เที่ยงธรรม (ผู้ประเมิน)", "assessor2-demo-2569", [("assessor", None)]),
    ("admin", "ผู้ดูแลระบบ", "admin-demo-2569", [("admin", None)]),
]
# The demo department's assessment team in the current cycle: (username, lead), so a new
# user signed in as an assessor finds the assessment pages with an agency to work on.
DEMO_TEAMS = {"DEMO-DEPT": [("assessor", True), ("assessor2", False)]}

# Category 7 for the demo department: (group, name, unit, direction, target,
# results of the last three fiscal years oldest first, mandatory indicator answered).
DIGITAL_READINESS = "ระดับความพร้อมรัฐบาลดิจิทัลของหน่วยงานภาครัฐ (ผลประเมินของ สพร.)"
DEMO_METRICS = [
    ("7.1.1", "ร้อยละของบริการภาครัฐที่ยื่นคำขอผ่านระบบดิจิทัลได้ครบทุกขั้นตอน", "ร้อยละ", "higher",
     80, (62, 71, 86.5), ""),
    ("7.1.1", "จำนวนหน่วยงานที่เชื่อมโยงข้อมูลผ่านแพลตฟอร์มกลาง", "หน่วยงาน", "higher",
     120, (85, 104, 126), ""),
    ("7.2.1", "ร้อยละความพึงพอใจของกลุ่มผู้รับบริการหลักของหน่วยงาน", "ร้อยละ", "higher",
     88, (84.2, 86.1, 87.4), ""),
    ("7.2.2", "ร้อยละของการให้บริการที่ปรับสู่ดิจิทัลเต็มรูปแบบ", "ร้อยละ", "higher",
     70, (48, 60, 78), "ร้อยละของการให้บริการที่ปรับสู่ดิจิทัลเต็มรูปแบบ"),
    ("7.3.2", "ดัชนีการพัฒนาสมรรถนะด้านดิจิทัลของบุคลากร", "คะแนน", "higher", 3.6, (3.1, 3.4, 3.8),
     "ดัชนีการพัฒนาสมรรถนะด้านดิจิทัลของบุคลากร (digital capability) (ผลประเมินตัววัดย่อยของ สพร.)"),
    ("7.4.1", "จำนวนรางวัลเลิศรัฐที่ได้รับ", "รางวัล", "higher", 3, (1, 2, 3), ""),
    ("7.5.1", "ดัชนีการรับรู้การทุจริต (CPI) ด้านการให้บริการของหน่วยงาน", "คะแนน", "higher",
     36, (35, 34, 36.5), ""),
    ("7.6.1", "ต้นทุนการให้บริการต่อคำขอ", "บาท", "lower", 1250, (1480, 1390, 1105), ""),
    ("7.6.4", "ร้อยละของชุดข้อมูลดิจิทัลที่เปิดเผยต่อสาธารณะ (Open Data)", "ร้อยละ", "higher", 60,
     (35, 48, 63), "ร้อยละของชุดข้อมูลดิจิทัลที่เปิดเผยต่อสาธารณะ (Open Data)"),
    ("7.6.3", "ระดับความพร้อมรัฐบาลดิจิทัล", "ระดับ", "higher", 4, (3, 3.5, 4.2), DIGITAL_READINESS),
]


def _load_demo_metrics(agency: Agency, cycle: AssessmentCycle) -> None:
    """Category 7 sample metrics, once, when the criteria are loaded."""
    groups = {g.code: g for g in db.session.scalars(select(MetricGroup))}
    has_metrics = db.session.scalar(select(ResultMetric.id).where(
        ResultMetric.agency_id == agency.id, ResultMetric.cycle_id == cycle.id).limit(1))
    if has_metrics is not None or not groups:
        return
    for position, (group, name, unit, direction, target, values, indicator) in enumerate(DEMO_METRICS):
        db.session.add(ResultMetric(
            agency_id=agency.id, cycle_id=cycle.id, metric_group_id=groups[group].id, name=name,
            unit=unit, direction=direction, target=target, value_two_years_ago=values[0],
            value_last_year=values[1], value_this_year=values[2], mandatory_indicator=indicator,
            position=position))


def _load_demo_teams(agencies: dict[str, Agency], cycle: AssessmentCycle) -> None:
    """The demo teams, once per agency and cycle: a team someone has changed stays as it is."""
    from portal.assessment import teams

    for code, members in DEMO_TEAMS.items():
        if teams.team(agencies[code], cycle):
            continue
        for username, lead in members:
            user = db.session.scalar(select(User).where(User.username == username))
            if user is not None and user.active and user.has_role("assessor"):
                teams.assign(agencies[code], cycle, user, lead=lead)


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
    if cycles.current_cycle_or_none() is None:
        db.session.scalar(
            select(AssessmentCycle).where(AssessmentCycle.fiscal_year == current)
        ).is_current = True
    db.session.flush()
    _load_demo_metrics(agencies["DEMO-DEPT"], cycles.current_cycle())

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
    _load_demo_teams(agencies, cycles.current_cycle())
    db.session.commit()
    load_demo_evidence(criteria_version)
    return created


# Per category, documents an agency typically files; one document supports several items.
DEMO_DOCUMENTS = {
    "1": ["รายงานการประชุมผู้บริหารเรื่องทิศทางองค์การ", "ประกาศวิสัยทัศน์และค่านิยมองค์การ"],
    "2": ["แผนยุทธศาสตร์และแผนปฏิบัติราชการ พ.ศ. 2569", "ผลการวิเคราะห์ SWOT และความเสี่ยง"],
    "3": ["ผลสำรวจความพึงพอใจผู้รับบริการ", "ระบบรับเรื่องร้องเรียนและการตอบสนอง"],
    "4": ["แผนพัฒนาระบบฐานข้อมูลและสารสนเทศ", "รายงานการติดตามตัวชี้วัด KPI รายไตรมาส"],
    "5": ["แผนพัฒนาบุคลากรรายบุคคล (IDP)", "ผลสำรวจความผูกพันของบุคลากร"],
    "6": ["คู่มือกระบวนการทำงานหลัก", "รายงานนวัตกรรมการให้บริการดิจิทัล"],
}
# How far each demo agency has got: levels covered per sub-item position (cycling).
DEMO_PROGRESS = {"DEMO-DEPT": (3, 2, 2, 1, 3, 1), "DEMO-PROV": (1, 0, 1, 0)}


def load_demo_evidence(criteria_version: str) -> None:
    """Sample links on checklist items so dashboards show levels and gaps (once per agency)."""
    from portal.evidence import operations as evidence_ops
    from portal.models import Category, ChecklistItem, Evidence, SubItem

    cycle = cycles.current_cycle()
    for code, progress in DEMO_PROGRESS.items():
        agency = db.session.scalar(select(Agency).where(Agency.code == code))
        editor = db.session.scalar(
            select(User).join(RoleGrant).where(RoleGrant.role == "agency_editor", RoleGrant.agency_id == agency.id))
        has_evidence = db.session.scalar(
            select(Evidence.id).where(Evidence.agency_id == agency.id, Evidence.cycle_id == cycle.id).limit(1))
        if editor is None or has_evidence:
            continue
        sub_items = db.session.scalars(
            select(SubItem).join(Category).where(Category.version == criteria_version)
            .order_by(Category.position, SubItem.position))
        for position, sub_item in enumerate(sub_items):
            depth = progress[position % len(progress)]
            levels = ("basic", "advance", "significance")[:depth]
            items = [i for i in db.session.scalars(select(ChecklistItem).where(ChecklistItem.sub_item_id == sub_item.id))
                     if i.level in levels]
            if not items:
                continue
            category = sub_item.code.split(".")[0]
            title = DEMO_DOCUMENTS[category][position % 2]
            evidence = evidence_ops.add_link(
                agency, items[0], f"https://intranet.example.go.th/pmqa/{code.lower()}/{sub_item.code}",
                f"{title} (หัวข้อ {sub_item.code})", editor)
            db.session.flush()
            for item in items[1:]:
                evidence_ops.attach(evidence, item, editor)
    db.session.commit()


@demo_cli.command("load")
def load_command():
    """Load the demo agencies, cycles and accounts (safe to run again); print the accounts."""
    created = {username for username, _ in load_demo()}
    click.echo("บัญชีตัวอย่าง (ใช้ทดลองในเครื่องเท่านั้น ห้ามใช้บนระบบจริง) เข้าสู่ระบบที่ /auth/login")
    click.echo(f"  {'ผู้ใช้':<10} {'รหัสผ่านตั้งต้น':<20} บทบาท (ส่วนราชการ)")
    for username, _, password, grants in DEMO_USERS:
        roles = ", ".join(ROLES[role] + (f" ({agency})" if agency else "") for role, agency in grants)
        click.echo(f"  {username:<10} {password:<20} {roles}")
    for code, members in DEMO_TEAMS.items():
        click.echo(f"ทีมผู้ประเมินของ {code} (รอบปัจจุบัน): "
                   + ", ".join(f"{username}{' (หัวหน้าทีม)' if lead else ''}" for username, lead in members))
    if len(created) < len(DEMO_USERS):
        click.echo("บัญชีที่มีอยู่แล้วไม่ได้ถูกเปลี่ยนรหัสผ่าน")