"""`flask users …` and `flask agencies …` do what the admin pages do, with Thai errors."""
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, AuditEvent, User
from tests.helpers import login


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_agencies_create_and_list(app):
    result = run(app, "agencies", "create", "cli-dept", "กรมทดสอบคำสั่ง", "--kind", "department",
                 "--unit-type", "policy")
    assert result.exit_code == 0, result.output
    listing = run(app, "agencies", "list")
    assert "CLI-DEPT" in listing.output and "กรมทดสอบคำสั่ง" in listing.output and "หน่วยนโยบาย" in listing.output


def test_agency_with_bad_code_or_duplicate_fails_in_thai(app):
    run(app, "agencies", "create", "DUP", "กรมหนึ่ง", "--kind", "department", "--unit-type", "service")
    duplicate = run(app, "agencies", "create", "dup", "กรมสอง", "--kind", "department", "--unit-type", "service")
    assert duplicate.exit_code == 1 and "มีรหัสส่วนราชการ DUP อยู่แล้ว" in duplicate.output
    bad = run(app, "agencies", "create", "a/b", "กรม", "--kind", "department", "--unit-type", "service")
    assert bad.exit_code == 1 and "รหัสส่วนราชการ" in bad.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Agency.id))) == 1


def test_users_create_set_role_deactivate_reset(app, client):
    run(app, "agencies", "create", "CLI-A", "กรมเอ", "--kind", "department", "--unit-type", "service")
    created = run(app, "users", "create", "somsak", "--name", "สมศักดิ์", "--role", "agency_editor",
                  "--agency", "CLI-A")
    assert created.exit_code == 0, created.output
    password = created.output.strip().split(": ")[-1]
    assert login(client, "somsak", password).status_code == 302

    assert run(app, "users", "set-role", "somsak", "reviewer", "--agency", "CLI-A").exit_code == 0
    assert run(app, "users", "set-role", "somsak", "assessor").exit_code == 0
    listing = run(app, "users", "list").output
    assert "agency_editor@CLI-A" in listing and "reviewer@CLI-A" in listing and "assessor" in listing
    removed = run(app, "users", "set-role", "somsak", "assessor", "--remove")
    assert removed.exit_code == 0 and "assessor," not in removed.output

    reset = run(app, "users", "reset-password", "somsak", "--password", "a-brand-new-password")
    assert reset.exit_code == 0
    assert client.get("/").status_code == 302  # the old session ended with the reset

    assert run(app, "users", "deactivate", "somsak").exit_code == 0
    assert login(app.test_client(), "somsak", "a-brand-new-password").status_code == 403
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    for action in ("user_created", "role_granted", "role_revoked", "password_reset", "user_deactivated"):
        assert action in actions


def test_user_errors_are_thai_and_change_nothing(app):
    missing_agency = run(app, "users", "create", "nobody", "--name", "ไม่มี", "--role", "agency_editor")
    assert missing_agency.exit_code == 1 and "ต้องระบุส่วนราชการ" in missing_agency.output
    short = run(app, "users", "create", "shorty", "--name", "สั้น", "--password", "short")
    assert short.exit_code == 1 and "อย่างน้อย 10 ตัวอักษร" in short.output
    unknown = run(app, "users", "deactivate", "ghost")
    assert unknown.exit_code == 1 and "ไม่พบผู้ใช้ ghost" in unknown.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_a_new_installation_creates_its_first_cycle_from_the_command_line(app):
    from datetime import date

    from portal.models import AssessmentCycle

    assert "ยังไม่มีรอบการประเมิน" in run(app, "cycles", "list").output
    created = run(app, "cycles", "create", "2569", "--deadline", "30/9/2569", "--current")
    assert created.exit_code == 0, created.output
    assert "ตั้งเป็นรอบปัจจุบัน" in created.output
    assert run(app, "cycles", "create", "2570").exit_code == 0
    listing = run(app, "cycles", "list").output.splitlines()
    assert listing[0].startswith("2569") and "30 ก.ย. 2569" in listing[0] and "รอบปัจจุบัน" in listing[0]
    assert listing[1].startswith("2570") and "รอบปัจจุบัน" not in listing[1]
    assert run(app, "cycles", "set-current", "2570").exit_code == 0
    assert run(app, "cycles", "set-deadline", "2570", "15 ก.ย. 2570").exit_code == 0
    with app.app_context():
        current = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current))
        assert (current.fiscal_year, current.deadline) == (2570, date(2027, 9, 15))
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"cycle_created", "cycle_made_current", "cycle_deadline_set"} <= actions
    assert run(app, "cycles", "set-deadline", "2570", "none").exit_code == 0
    assert "ไม่กำหนดส่ง" in run(app, "cycles", "list").output.splitlines()[1]


def test_cycle_commands_refuse_bad_input_in_thai_and_change_nothing(app):
    from portal.models import AssessmentCycle

    assert run(app, "cycles", "create", "2569").exit_code == 0
    duplicate = run(app, "cycles", "create", "2569")
    assert duplicate.exit_code == 1 and "มีรอบการประเมินปีงบประมาณ 2569 อยู่แล้ว" in duplicate.output
    gregorian = run(app, "cycles", "create", "2026")
    assert gregorian.exit_code == 1 and "ปีพุทธศักราช" in gregorian.output
    unknown = run(app, "cycles", "create", "2571", "--criteria", "pmqa-9.9")
    assert unknown.exit_code == 1 and "ยังไม่ได้โหลดเกณฑ์รุ่น" in unknown.output
    bad_date = run(app, "cycles", "create", "2572", "--deadline", "31/2/2572")
    assert bad_date.exit_code == 1 and "วันกำหนดส่งไม่ถูกต้อง" in bad_date.output
    missing = run(app, "cycles", "set-current", "2590")
    assert missing.exit_code == 1 and "ไม่พบรอบการประเมินปีงบประมาณ 2590" in missing.output
    with app.app_context():
        assert [c.fiscal_year for c in db.session.scalars(select(AssessmentCycle))] == [2569]
