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
