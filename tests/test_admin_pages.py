"""Admin pages: accounts, roles, agencies (inline edit), cycles, audit log; bad input → 422."""
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Agency, AssessmentCycle, User
from tests.helpers import csrf_token, form_version, login, make_agency, make_user


@pytest.fixture
def admin(app):
    with app.app_context():
        agency = make_agency("ADM-A")
        make_agency("ADM-B", kind="province")
        make_user("root-admin", ("admin", None))
        make_user("staff", ("agency_editor", agency))
        agency_id = agency.id
    client = app.test_client()
    login(client, "root-admin")
    client.token = csrf_token(client, "/admin/users")
    client.agency_id = agency_id
    return client


def hx_post(client, url, data):
    return client.post(url, data={**data, "csrf_token": client.token},
                       headers={"HX-Request": "true", "X-CSRFToken": client.token})


def user_id(app, username):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def test_create_user_shows_the_password_once_and_it_works(app, admin):
    response = hx_post(admin, "/admin/users", {"username": "newbie", "display_name": "ผู้ใช้ใหม่",
                                               "role": "agency_viewer", "agency_id": str(admin.agency_id)})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    password = body.split('class="secret">')[1].split("<")[0]
    assert "newbie" in body and 'hx-swap-oob' in body
    assert login(app.test_client(), "newbie", password).status_code == 302
    assert "secret" not in admin.get("/admin/users").get_data(as_text=True).split("user-table")[0].split("create-user")[1]


@pytest.mark.parametrize("data,message", [
    ({"username": "staff", "display_name": "ซ้ำ"}, "มีชื่อผู้ใช้ staff อยู่แล้ว"),
    ({"username": "ไทย", "display_name": "ชื่อ"}, "ชื่อผู้ใช้ต้องเป็นตัวอักษรอังกฤษ"),
    ({"username": "shorty", "display_name": "สั้น", "password": "short"}, "อย่างน้อย 10 ตัวอักษร"),
    ({"username": "noagency", "display_name": "ไม่มีหน่วยงาน", "role": "agency_editor"}, "ต้องระบุส่วนราชการ"),
    ({"username": "", "display_name": ""}, "กรุณากรอกชื่อผู้ใช้"),
])
def test_bad_new_user_is_422_and_nothing_is_created(app, admin, data, message):
    with app.app_context():
        before = db.session.scalar(select(func.count(User.id)))
    response = hx_post(admin, "/admin/users", data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == before


def test_reviewer_assigned_to_two_agencies_then_revoked(app, admin):
    staff = user_id(app, "staff")
    with app.app_context():
        ids = [a.id for a in db.session.scalars(select(Agency).order_by(Agency.code))]
    for agency_id in ids:
        assert hx_post(admin, f"/admin/users/{staff}/roles", {"role": "reviewer", "agency_id": str(agency_id)}).status_code == 200
    again = hx_post(admin, f"/admin/users/{staff}/roles", {"role": "reviewer", "agency_id": str(ids[0])})
    assert again.status_code == 422 and "มีบทบาทนี้อยู่แล้ว" in again.get_data(as_text=True)
    with app.app_context():
        grants = db.session.get(User, staff).grants
        assert sorted(g.role for g in grants) == ["agency_editor", "reviewer", "reviewer"]
        grant_id = grants[0].id
        admin_id = db.session.scalar(select(User.id).where(User.username == "root-admin"))
    assert hx_post(admin, f"/admin/users/{admin_id}/roles/{grant_id}/delete", {}).status_code == 404
    assert hx_post(admin, f"/admin/users/{staff}/roles/{grant_id}/delete", {}).status_code == 200
    with app.app_context():
        assert len(db.session.get(User, staff).grants) == 2


def test_deactivate_ends_sessions_and_self_deactivation_is_refused(app, admin):
    staff_client = app.test_client()
    login(staff_client, "staff")
    assert staff_client.get("/").status_code == 200
    staff = user_id(app, "staff")
    assert hx_post(admin, f"/admin/users/{staff}/active", {"active": "0"}).status_code == 200
    assert staff_client.get("/").status_code == 302
    assert login(app.test_client(), "staff").status_code == 403
    me = user_id(app, "root-admin")
    response = hx_post(admin, f"/admin/users/{me}/active", {"active": "0"})
    assert response.status_code == 422 and "ไม่สามารถระงับบัญชีของตนเองได้" in response.get_data(as_text=True)


def test_reset_password_shows_a_new_one_and_the_old_stops_working(app, admin):
    staff = user_id(app, "staff")
    body = hx_post(admin, f"/admin/users/{staff}/password", {}).get_data(as_text=True)
    new_password = body.split('class="secret">')[1].split("<")[0]
    assert login(app.test_client(), "staff").status_code == 401
    assert login(app.test_client(), "staff", new_password).status_code == 302


def test_agency_inline_edit(app, admin):
    url = f"/admin/agencies/{admin.agency_id}"
    edit = admin.get(f"{url}/edit", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert edit.lstrip().startswith("<tr") and 'name="code"' in edit and "<html" not in edit
    version = form_version(admin, f"{url}/edit", url, {"HX-Request": "true"})
    saved = hx_post(admin, url, {"code": "ADM-A", "name": "กรมที่แก้ชื่อแล้ว", "kind": "department",
                                 "unit_type": "policy", "active": "y", "version": version})
    assert saved.status_code == 200 and "กรมที่แก้ชื่อแล้ว" in saved.get_data(as_text=True) and "name=\"code\"" not in saved.get_data(as_text=True)
    for bad, message in (({"code": "a b/c"}, "รหัสส่วนราชการ"), ({"code": "ADM-B"}, "มีรหัสส่วนราชการ ADM-B อยู่แล้ว")):
        version = form_version(admin, f"{url}/edit", url, {"HX-Request": "true"})
        response = hx_post(admin, url, {"name": "ชื่อ", "kind": "department", "unit_type": "service",
                                        "version": version, **bad})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        agency = db.session.get(Agency, admin.agency_id)
        assert (agency.code, agency.name, agency.unit_type) == ("ADM-A", "กรมที่แก้ชื่อแล้ว", "policy")
    cancel = admin.get(f"{url}/row", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "แก้ไข" in cancel and 'name="code"' not in cancel


def test_cycles_one_current(app, admin):
    for year in ("2569", "2570"):
        assert admin.post("/admin/cycles", data={"fiscal_year": year, "criteria_version": "pmqa-4.0",
                                                 "csrf_token": admin.token}).status_code == 200
    bad = admin.post("/admin/cycles", data={"fiscal_year": "1990", "criteria_version": "pmqa-4.0", "csrf_token": admin.token})
    assert bad.status_code == 422 and "ปีพุทธศักราช" in bad.get_data(as_text=True)
    with app.app_context():
        ids = list(db.session.scalars(select(AssessmentCycle.id).order_by(AssessmentCycle.fiscal_year)))
    for cycle_id in ids:
        admin.post(f"/admin/cycles/{cycle_id}/current", data={"csrf_token": admin.token})
    with app.app_context():
        assert [c.fiscal_year for c in db.session.scalars(select(AssessmentCycle).where(AssessmentCycle.is_current))] == [2570]


def test_audit_log_lists_and_filters(app, admin):
    hx_post(admin, "/admin/users", {"username": "audited", "display_name": "<script>x</script>"})
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "สร้างบัญชีผู้ใช้" in page and "เข้าสู่ระบบ" in page
    only_created = admin.get("/admin/audit?action=user_created", headers={"HX-Request": "true"})
    body = only_created.get_data(as_text=True)
    assert "<html" not in body and "HX-Request" in only_created.headers["Vary"]
    assert "สร้างบัญชีผู้ใช้" in body and "root-admin" in body and "เข้าสู่ระบบ</td>" not in body
    assert "ไม่พบรายการ" in admin.get("/admin/audit?user=nobody-at-all").get_data(as_text=True)
    bad = admin.get("/admin/audit?from=not-a-date&to=1/10/2568")
    assert bad.status_code == 422
    field = re.search(r'id="from-error"[^>]*>([^<]*)<', bad.get_data(as_text=True)).group(1)
    assert "กรุณากรอกวันที่ เช่น 15 มี.ค. 2569" in field
    assert 'value="not-a-date"' in bad.get_data(as_text=True)  # what was typed stays in the field
    swapped = admin.get("/admin/audit?from=31/2/2569", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="from-error" role="alert" hx-swap-oob="true">ไม่มีวันที่นี้ในปฏิทิน' in swapped
    backwards = admin.get("/admin/audit?from=2/10/2568&to=1/10/2568").get_data(as_text=True)
    assert "วันที่สิ้นสุดต้องไม่ก่อนวันที่เริ่มต้น" in backwards


def test_audit_log_reads_as_thai_text_with_buddhist_era_filters(app, admin):
    from datetime import datetime, timezone

    from portal import audit
    from portal.admin.audit_text import detail_lines
    from portal.models import AuditEvent

    # Details read as Thai lines: a change set one line per field, before → after, vocabularies by name.
    assert detail_lines({"changes": {"display_name": {"from": "ก", "to": "ข"}, "email": {"from": None, "to": "a@b.th"}}}) == [
        ("ชื่อที่แสดง", "ก → ข"), ("อีเมล", "(ว่าง) → a@b.th")]
    assert detail_lines({"item": "1.1-B1", "before": "submitted", "after": "needs_revision", "reason": "ขอฉบับลงนาม"}) == [
        ("เปลี่ยนจาก", "รอพิจารณา → ต้องแก้ไข"), ("รายการ", "1.1-B1"), ("เหตุผล", "ขอฉบับลงนาม")]
    assert detail_lines({"sha256": "a" * 64, "late": False, "role": "agency_signer"}) == [
        ("รหัสไฟล์ (SHA-256)", "aaaaaaaaaaaa…"), ("ส่งช้า", "ไม่ใช่"), ("บทบาท", "ผู้มีอำนาจลงนาม (หัวหน้าส่วนราชการ)")]
    with app.app_context():
        event = audit.record("user_updated", object_type="user", object_id=1,
                             display_name={"from": "นายเก่า", "to": "นายใหม่"})
        event.at = datetime(2025, 10, 5, 3, 0, tzinfo=timezone.utc)  # 5 ต.ค. 2568, Bangkok time 10:00
        db.session.commit()
    page = admin.get("/admin/audit?action=user_updated").get_data(as_text=True)
    assert "ชื่อที่แสดง:</span> นายเก่า → นายใหม่" in page and '{"from"' not in page
    assert 'type="date"' not in page and 'placeholder="เช่น 1/10/2568"' in page
    inside = admin.get("/admin/audit?action=user_updated&from=1/10/2568&to=๕/๑๐/๒๕๖๘").get_data(as_text=True)
    assert "นายใหม่" in inside
    outside = admin.get("/admin/audit?action=user_updated&from=6 ต.ค. 2568").get_data(as_text=True)
    assert "นายใหม่" not in outside
    # Every action the portal records has a Thai label.
    with app.app_context():
        assert all(action in audit.ACTION_LABELS for action in db.session.scalars(select(AuditEvent.action).distinct()))


def test_user_search_is_a_fragment_and_escapes(app, admin):
    hx_post(admin, "/admin/users", {"username": "xss", "display_name": "<img src=x onerror=alert(1)>"})
    response = admin.get("/admin/users?q=xss", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and "&lt;img" in body and "<img" not in body and "staff" not in body


def test_no_form_relies_on_the_browsers_own_validation_bubble(app, admin):
    """Required fields are checked by the server in Thai at the field; the pages carry no
    `required` attribute that would make the browser answer first (in its own language)."""
    import re

    for page in ("/admin/users", "/admin/agencies", "/admin/cycles", "/admin/import", "/auth/login"):
        body = admin.get(page).get_data(as_text=True)
        assert not re.search(r"<(input|select|textarea)\b[^>]*\srequired\b", body), page
    refused = hx_post(admin, "/admin/users", {"username": "", "display_name": ""})
    assert refused.status_code == 422 and "กรุณากรอกชื่อผู้ใช้" in refused.get_data(as_text=True)
