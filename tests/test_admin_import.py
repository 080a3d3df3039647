"""Bulk import of agencies and accounts (issue 17 item 9): parsing and planning as pure
functions, then upload → preview → confirm through the pages, all or nothing."""
import io
import re
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import select

from portal.admin import imports
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, AuditEvent, User
from tests.helpers import PASSWORD, csrf_token, login, make_agency, make_user

BOM = "\ufeff"
AGENCIES_CSV = (BOM + "รหัส,ชื่อ,ประเภท,ประเภทหน่วยงาน\r\n"
                "IMP-A,กรมนำเข้าหนึ่ง,กรม,หน่วยบริการ\r\n"
                "IMP-B,จังหวัดนำเข้า,province,policy\r\n")
USERS_CSV = (BOM + "ชื่อผู้ใช้,ชื่อที่แสดง,อีเมล,บทบาท,รหัสส่วนราชการ,รหัสผ่านเริ่มต้น\r\n"
             "imp.editor,บรรณาธิการนำเข้า,editor@imp.go.th,เจ้าหน้าที่ส่วนราชการ (แก้ไข),IMP-X,\r\n"
             "imp.assessor,ผู้ประเมินนำเข้า,,assessor,,รหัสผ่านยาวพอแล้ว1\r\n")
BAD_USERS_CSV = (BOM + "ชื่อผู้ใช้,ชื่อที่แสดง,บทบาท,รหัสส่วนราชการ\r\n"
                 "bad.one,คนหนึ่ง,พระราชา,IMP-X\r\n"
                 "bad.two,คนสอง,agency_viewer,\r\n"
                 "bad.one,คนหนึ่งซ้ำ,assessor,\r\n"
                 "good.one,คนดี,assessor,\r\n")


def table(kind, text, name="f.csv"):
    return imports.read_table(kind, name, text.encode("utf-8"))


# --- pure functions -------------------------------------------------------------------

def test_csv_with_bom_and_thai_headers_is_read_by_column():
    rows = table("agencies", AGENCIES_CSV)
    assert [r.number for r in rows] == [2, 3]
    assert rows[0].values == {"code": "IMP-A", "name": "กรมนำเข้าหนึ่ง", "kind": "กรม", "unit_type": "หน่วยบริการ"}


def test_english_headers_semicolons_and_blank_rows():
    rows = table("agencies", "code;name;kind;unit_type\n\nimp-c;ค;public_org;service\n")
    assert len(rows) == 1 and rows[0].number == 3 and rows[0].values["code"] == "imp-c"


def test_missing_required_column_is_named_in_thai():
    with pytest.raises(Refused) as refused:
        table("users", "ชื่อผู้ใช้,บทบาท\nx,assessor\n")
    assert refused.value.status == 422 and "ชื่อที่แสดง" in refused.value.message


@pytest.mark.parametrize("name, data", [
    ("report.pdf", b"%PDF-1.4 whatever"),
    ("fake.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
    ("noise.csv", bytes(range(256)) * 4),
    ("noise.xlsx", bytes(range(256)) * 4),
    ("zip.xlsx", b"PK\x03\x04" + b"\x00" * 100),
])
def test_wrong_types_are_415(name, data):
    with pytest.raises(Refused) as refused:
        imports.read_table("agencies", name, data)
    assert refused.value.status == 415 and "ไฟล์" in refused.value.message


def test_too_large_is_413():
    with pytest.raises(Refused) as refused:
        imports.read_table("agencies", "big.csv", b"a" * (imports.MAX_BYTES + 1))
    assert refused.value.status == 413


def test_plan_agencies_creates_updates_and_reports_unchanged_and_errors():
    existing = {"IMP-A": SimpleNamespace(name="กรมนำเข้าหนึ่ง", kind="department", unit_type="service"),
                "IMP-B": SimpleNamespace(name="ชื่อเดิม", kind="province", unit_type="policy")}
    text = AGENCIES_CSV + "IMP-N,ใหม่,องค์การมหาชน,service\r\nIMP-N,ซ้ำ,กรม,service\r\nIMP-Z,ผิด,อำเภอ,service\r\n"
    plan = imports.plan_agencies(table("agencies", text), existing)
    actions = [(r.number, r.action) for r in plan.rows]
    assert actions[:3] == [(2, "unchanged"), (3, "update"), (4, "create")]
    assert "ชื่อเดิม → จังหวัดนำเข้า" in plan.rows[1].note
    assert plan.rows[3].errors == [("รหัส", "รหัส IMP-N ซ้ำกับแถวที่ 4 ในไฟล์นี้")]
    assert plan.rows[4].errors[0][0] == "ประเภท" and "อำเภอ" in plan.rows[4].errors[0][1]


def test_plan_users_errors_per_row_and_column():
    plan = imports.plan_users(table("users", BAD_USERS_CSV), {}, {"IMP-X"})
    errors = {r.number: r.errors for r in plan.rows}
    assert errors[2][0][0] == "บทบาท" and "พระราชา" in errors[2][0][1]
    assert errors[3] == [("รหัสส่วนราชการ", "บทบาท เจ้าหน้าที่ส่วนราชการ (อ่านอย่างเดียว) ต้องระบุรหัสส่วนราชการ")]
    assert errors[4] == [("ชื่อผู้ใช้", "ชื่อผู้ใช้ bad.one ซ้ำกับแถวที่ 2 ในไฟล์นี้")]
    assert errors[5] == [] and plan.errors == 3


def test_plan_users_existing_account_gets_a_grant_or_exists():
    rows = table("users", "username,display_name,role,agency_code\nold,x,agency_editor,IMP-X\n"
                          "older,y,assessor,\nnew,z,agency_viewer,NOPE\n")
    plan = imports.plan_users(rows, {"old": set(), "older": {("assessor", None)}}, {"IMP-X"})
    assert [r.action for r in plan.rows[:2]] == ["grant", "exists"]
    assert plan.rows[2].errors[0][0] == "รหัสส่วนราชการ" and "NOPE" in plan.rows[2].errors[0][1]


def test_template_csv_reads_back_as_one_valid_row():
    for kind in imports.KINDS:
        rows = imports.read_table(kind, "t.csv", imports.template_csv(kind))
        assert len(rows) == 1


# --- pages ---------------------------------------------------------------------------

@pytest.fixture
def admin(app):
    with app.app_context():
        make_agency("IMP-X")
        make_user("imp-admin", ("admin", None))
    client = app.test_client()
    login(client, "imp-admin")
    client.token = csrf_token(client, "/admin/import")
    return client


def upload(client, kind, data, name):
    return client.post(f"/admin/import/{kind}", content_type="multipart/form-data",
                       data={"csrf_token": client.token, "file": (io.BytesIO(data), name)})


def confirm(client, kind, page):
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)
    return client.post(f"/admin/import/{kind}/confirm", data={"csrf_token": client.token, "token": token,
                                                             "sha256": sha})


def test_good_csv_previews_then_imports_audited(app, admin):
    preview = upload(admin, "agencies", AGENCIES_CSV.encode("utf-8"), "agencies.csv")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "สร้างใหม่" in page and "ยืนยันนำเข้า 2 แถว" in page
    with app.app_context():
        assert db.session.scalar(select(Agency).where(Agency.code == "IMP-A")) is None  # a dry run
    done = confirm(admin, "agencies", page)
    assert done.status_code == 200 and "นำเข้าส่วนราชการแล้ว" in done.get_data(as_text=True)
    with app.app_context():
        b = db.session.scalar(select(Agency).where(Agency.code == "IMP-B"))
        assert (b.name, b.kind, b.unit_type) == ("จังหวัดนำเข้า", "province", "policy")
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions.count("agency_created") == 3 and actions[-1] == "bulk_import"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "bulk_import"))
        assert event.details["create"] == 2 and event.details["import_of"] == "agencies"
    # The same file again: nothing to change; the stashed file was used up.
    assert confirm(admin, "agencies", page).status_code == 422
    again = upload(admin, "agencies", AGENCIES_CSV.replace("จังหวัดนำเข้า", "จังหวัดใหม่").encode(), "a.csv")
    text = again.get_data(as_text=True)
    assert "มีอยู่แล้ว ไม่เปลี่ยน" in text and "มีอยู่แล้ว จะแก้ไข ชื่อ: จังหวัดนำเข้า → จังหวัดใหม่" in text
    assert confirm(admin, "agencies", text).status_code == 200
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "agency_updated")).one()
        assert event.details["changes"]["name"] == {"from": "จังหวัดนำเข้า", "to": "จังหวัดใหม่"}


def test_good_xlsx_of_users_imports_and_shows_generated_passwords_once(app, admin):
    book = openpyxl.Workbook()
    sheet = book.active
    for line in USERS_CSV.lstrip(BOM).strip().split("\r\n"):
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    preview = upload(admin, "users", buffer.getvalue(), "users.xlsx")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    assert "สร้างใหม่ พร้อมบทบาท เจ้าหน้าที่ส่วนราชการ (แก้ไข) · IMP-X (ระบบสุ่มรหัสผ่าน)" in page
    done = confirm(admin, "users", page)
    result = done.get_data(as_text=True)
    password = re.search(r'imp\.editor</td><td data-label="รหัสผ่านเริ่มต้น"><span class="secret">([^<]+)<', result).group(1)
    assert "imp.assessor</td>" not in result.split("import-passwords")[1].split("</table>")[0]
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.username == "imp.editor"))
        assert editor.email == "editor@imp.go.th" and editor.check_password(password)
        assert [(g.role, g.agency.code) for g in editor.grants] == [("agency_editor", "IMP-X")]
        assessor = db.session.scalar(select(User).where(User.username == "imp.assessor"))
        assert assessor.check_password("รหัสผ่านยาวพอแล้ว1") and assessor.has_role("assessor")
        actions = [e.action for e in db.session.scalars(select(AuditEvent))
                   if (e.details or {}).get("username", "").startswith("imp.") or e.action == "bulk_import"]
        assert sorted(actions) == ["bulk_import", "role_granted", "role_granted", "user_created", "user_created"]
    # An existing account: a role it lacks is added, one it has is left.
    again = upload(admin, "users", ("username,display_name,role,agency_code\nimp.editor,x,agency_viewer,IMP-X\n"
                                    "imp.assessor,y,assessor,\n").encode(), "u.csv").get_data(as_text=True)
    assert "มีอยู่แล้ว จะเพิ่มบทบาท" in again and "มีอยู่แล้ว (มีบทบาท ผู้ประเมิน แล้ว)" in again
    assert confirm(admin, "users", again).status_code == 200
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.username == "imp.editor"))
        assert sorted(g.role for g in editor.grants) == ["agency_editor", "agency_viewer"]


def test_bad_rows_are_listed_nothing_imported_and_confirm_refused(app, admin):
    preview = upload(admin, "users", BAD_USERS_CSV.encode("utf-8"), "bad.csv")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 422
    assert "แถวที่ 2 · บทบาท: ไม่รู้จักบทบาท “พระราชา”" in page
    assert "แถวที่ 3 · รหัสส่วนราชการ:" in page and "แถวที่ 4 · ชื่อผู้ใช้: ชื่อผู้ใช้ bad.one ซ้ำกับแถวที่ 2" in page
    assert "ยืนยันนำเข้า" not in page and 'name="token"' not in page
    # A confirm made by hand for that file (its token from the stash) is refused.
    folder = app.instance_path + "/imports"
    import pathlib
    stashed = sorted(pathlib.Path(folder).glob("users-*.csv"), key=lambda p: p.stat().st_mtime)[-1]
    token = stashed.name[len("users-"):-len(".csv")]
    refused = admin.post("/admin/import/users/confirm", data={
        "csrf_token": admin.token, "token": token, "sha256": imports.digest(stashed.read_bytes())})
    assert refused.status_code == 422 and "ไม่นำเข้าข้อมูลใดเลย" in refused.get_data(as_text=True)
    bad_kind = upload(admin, "agencies", (BOM + "รหัส,ชื่อ,ประเภท,ประเภทหน่วยงาน\nIMP-Q,ก,อำเภอ,service\n").encode(), "a.csv")
    assert bad_kind.status_code == 422 and "แถวที่ 2 · ประเภท: ไม่รู้จักประเภท “อำเภอ”" in bad_kind.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username.in_(["good.one", "bad.one"]))) is None
        assert db.session.scalar(select(Agency).where(Agency.code == "IMP-Q")) is None
        assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "bulk_import"))


def test_tampered_or_unknown_confirm_is_422(app, admin):
    page = upload(admin, "agencies", AGENCIES_CSV.encode(), "a.csv").get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    for data in ({"token": token, "sha256": "0" * 64}, {"token": "../../etc/passwd", "sha256": ""}):
        assert admin.post("/admin/import/agencies/confirm", data={"csrf_token": admin.token, **data}).status_code == 422


@pytest.mark.parametrize("name, data", [("report.pdf", b"%PDF-1.4\n"), ("fake.csv", b"%PDF-1.4\n\x00\x01"),
                                        ("fake.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)])
def test_wrong_file_type_is_415_in_thai_at_the_field(admin, name, data):
    response = upload(admin, "agencies", data, name)
    page = response.get_data(as_text=True)
    assert response.status_code == 415 and 'class="field-error" id="file-agencies-error"' in page
    assert "ไฟล์" in page


def test_no_file_is_422_and_template_downloads(admin):
    response = admin.post("/admin/import/users", data={"csrf_token": admin.token})
    assert response.status_code == 422 and "กรุณาเลือกไฟล์" in response.get_data(as_text=True)
    template = admin.get("/admin/import/users.csv")
    assert template.status_code == 200 and template.data.startswith(BOM.encode())
    assert "ชื่อผู้ใช้,ชื่อที่แสดง" in template.data.decode("utf-8-sig")
    assert admin.get("/admin/import/other.csv").status_code == 404


def test_non_admins_get_403(app):
    with app.app_context():
        agency = make_agency("IMP-Y")
        make_user("imp-staff", ("agency_editor", agency))
    client = app.test_client()
    login(client, "imp-staff", PASSWORD)
    assert client.get("/admin/import").status_code == 403
    token = csrf_token(client, "/")
    response = client.post("/admin/import/agencies", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(AGENCIES_CSV.encode()), "a.csv")})
    assert response.status_code == 403


def test_bulk_import_event_reads_in_thai():
    from portal.admin.audit_text import detail_lines
    from portal.audit import ACTION_LABELS

    assert ACTION_LABELS["bulk_import"] == "นำเข้าข้อมูลจากไฟล์"
    lines = detail_lines({"import_of": "users", "rows": 3, "create": 2, "grant": 1})
    assert lines == [("นำเข้า", "บัญชีผู้ใช้"), ("จำนวนแถว", "3"), ("สร้างใหม่", "2"), ("เพิ่มบทบาท", "1")]
