"""Two people editing one record: each form carries the version it showed, and the second
save answers 409 with the first person's change in Thai, keeps what the second person
typed in the form, and leaves the first save in the database (portal/versions.py).
Every record type people edit in a form, through the pages, htmx and plain posts."""
import html
import io
import re

import pytest
from sqlalchemy import func, select

from portal.admin import operations as admin_ops
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.models import (Agency, AuditEvent, Comment, Evidence, EvidenceAttachment, FileVersion,
                           ItemReview, MetricGroup, ResultMetric, User)
from portal.reviews import operations as review_ops
from tests.helpers import checklist_item, csrf_token, form_version, login, make_agency, make_user, stored_text_evidence

HX = {"HX-Request": "true"}
OTHERS_CHANGE = "มีผู้อื่นแก้ไข"
CHECK_AGAIN = "กรุณาตรวจสอบแล้วบันทึกอีกครั้ง"


class Person:
    """One signed-in browser: loads a form (its version) and later sends it."""

    def __init__(self, app, username):
        self.http = app.test_client()
        assert login(self.http, username).status_code == 302
        self.token = csrf_token(self.http, "/")

    def open_form(self, page, action, htmx_page=False) -> str:
        return form_version(self.http, page, action, HX if htmx_page else None)

    def send(self, url, data, htmx=True, **kwargs):
        headers = {"X-CSRFToken": self.token, **(HX if htmx else {})}
        return self.http.post(url, data={**data, "csrf_token": self.token}, headers=headers, **kwargs)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def form_version_in(response) -> str:
    """The version a refused form carries now: the one the other person saved."""
    return re.search(r'name="version" value="(\d+)"', response.get_data(as_text=True)).group(1)


def stored_files(app) -> int:
    return len(list(BlobStore(app.config["UPLOAD_DIR"]).all_hashes()))


@pytest.fixture
def ce(app):
    """Agency A with two editors and two reviewers, two admins, a current cycle, one
    evidence on item B1, one category 7 metric, one comment."""
    with app.app_context():
        agency = make_agency("CE-A", "กรมทดสอบการแก้ไขพร้อมกัน")
        ana = make_user("ce-ana", ("agency_editor", agency))
        make_user("ce-bee", ("agency_editor", agency))
        rev = make_user("ce-rev1", ("reviewer", agency))
        make_user("ce-rev2", ("reviewer", agency))
        make_user("ce-admin1", ("admin", None))
        make_user("ce-admin2", ("admin", None))
        cycle = admin_ops.create_cycle(2569, "pmqa-4.0")
        admin_ops.make_current(cycle)
        db.session.commit()
        item = checklist_item()
        evidence = stored_text_evidence(agency, item, ana, "แผนยุทธศาสตร์ 2569")
        group = db.session.scalar(select(MetricGroup).where(MetricGroup.code == "7.2.1"))
        metric = ResultMetric(agency_id=agency.id, cycle_id=cycle.id, metric_group_id=group.id,
                              name="ร้อยละความพึงพอใจ", unit="ร้อยละ", direction="higher", target=80.0,
                              value_two_years_ago=70.0, value_last_year=75.0, value_this_year=82.0)
        db.session.add(metric)
        thread = review_ops.start_thread(agency, item, "shared", "กรุณาแนบรายงานการประชุม", rev)
        db.session.commit()
        return {"agency": agency.id, "item": item.id, "evidence": evidence.id, "metric": metric.id,
                "comment": thread.comments[0].id, "thread": thread.id}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_evidence_details(app, ce, htmx):
    ana, bee = Person(app, "ce-ana"), Person(app, "ce-bee")
    url = f"/evidence/{ce['evidence']}"
    ana_version, bee_version = ana.open_form(url, url), bee.open_form(url, url)
    first = ana.send(url, {"title": "แผนฉบับปรับปรุงของอนา", "document_date": "15 มี.ค. 2569",
                           "description": "", "version": ana_version}, htmx)
    assert first.status_code in (200, 302)
    second = bee.send(url, {"title": "แผนของบี", "document_date": "1 เม.ย. 2569",
                            "description": "คำอธิบายที่บีพิมพ์", "version": bee_version}, htmx)
    body = text(second)
    assert second.status_code == 409
    assert f"{OTHERS_CHANGE}หลักฐานนี้ไปแล้วเมื่อ" in body and "โดย ผู้ใช้ ce-ana" in body
    assert "ชื่อหลักฐาน “แผนฉบับปรับปรุงของอนา”" in body and "วันที่ของเอกสาร 15 มี.ค. 2569" in body
    assert CHECK_AGAIN in body
    assert 'value="แผนของบี"' in body and 'value="1 เม.ย. 2569"' in body and "คำอธิบายที่บีพิมพ์</textarea>" in body
    assert ("<html" in body) is not htmx  # htmx: the page's content swapped in place; plain: the page
    with app.app_context():
        evidence = db.session.get(Evidence, ce["evidence"])
        assert (evidence.title, evidence.description) == ("แผนฉบับปรับปรุงของอนา", "")
        refusal = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "edit_conflict"))
        assert refusal.actor_name == "ce-bee" and refusal.details["status"] == 409
        assert refusal.details["reason"].startswith(f"{OTHERS_CHANGE}หลักฐานนี้")
    # Saving again from the refused form is a decision made in sight of Ana's change: it goes in.
    again = bee.send(url, {"title": "แผนของบี", "document_date": "1 เม.ย. 2569", "description": "",
                           "version": form_version_in(second)}, htmx)
    assert again.status_code in (200, 302)
    with app.app_context():
        assert db.session.get(Evidence, ce["evidence"]).title == "แผนของบี"


def test_replacing_a_file_someone_replaced_meanwhile(app, ce):
    ana, bee = Person(app, "ce-ana"), Person(app, "ce-bee")
    page, url = f"/evidence/{ce['evidence']}", f"/evidence/{ce['evidence']}/replace"
    ana_version, bee_version = ana.open_form(page, url), bee.open_form(page, url)

    def replace(person, version, name, body):
        return person.send(url, {"file": (io.BytesIO(body), name), "version": version},
                           content_type="multipart/form-data")

    assert replace(ana, ana_version, "ฉบับของอนา.txt", "ฉบับที่สองของอนา".encode()).status_code == 200
    files = stored_files(app)
    refused = replace(bee, bee_version, "ฉบับของบี.txt", "ฉบับของบีที่มาทีหลัง".encode())
    body = text(refused)
    assert refused.status_code == 409 and "ไฟล์ “ฉบับของอนา.txt” (ฉบับที่ 2)" in body and "โดย ผู้ใช้ ce-ana" in body
    with app.app_context():
        names = list(db.session.scalars(select(FileVersion.original_name).order_by(FileVersion.number)))
        assert names == ["แผนยุทธศาสตร์ 2569.txt", "ฉบับของอนา.txt"]
    assert stored_files(app) == files  # Bee's bytes are not kept


def test_attachment_note(app, ce):
    ana, bee = Person(app, "ce-ana"), Person(app, "ce-bee")
    panel = f"/agencies/{ce['agency']}/items/{ce['item']}"
    url = f"{panel}/note/{ce['evidence']}"
    ana_version, bee_version = ana.open_form(panel, url, True), bee.open_form(panel, url, True)
    assert ana.send(url, {"note": "ดูหน้า 3", "version": ana_version}).status_code == 200
    second = bee.send(url, {"note": "ดูภาคผนวก ก", "version": bee_version})
    body = text(second)
    assert second.status_code == 409 and f'id="item-{ce["item"]}"' in body  # the item's panel, in place
    assert "หมายเหตุของ “แผนยุทธศาสตร์ 2569” ในรายการ B1 ไปแล้วเมื่อ" in body and "หมายเหตุ “ดูหน้า 3”" in body
    assert 'value="ดูภาคผนวก ก"' in body and '<details class="note-edit" open>' in body
    with app.app_context():
        assert db.session.scalar(select(EvidenceAttachment.note)) == "ดูหน้า 3"


def test_first_review_status_of_an_item_from_two_reviewers(app, ce):
    one, two = Person(app, "ce-rev1"), Person(app, "ce-rev2")
    panel = f"/agencies/{ce['agency']}/items/{ce['item']}"
    url = f"{panel}/review"
    assert one.open_form(panel, url, True) == two.open_form(panel, url, True) == "0"  # no status yet
    assert one.send(url, {"status": "accepted", "reason": "", "version": "0"}).status_code == 200
    second = two.send(url, {"status": "needs_revision", "reason": "ขาดลายมือชื่อผู้บริหาร", "version": "0"})
    body = text(second)
    assert second.status_code == 409 and f'id="item-review-{ce["item"]}"' in body
    assert "มีผู้อื่นแก้ไขผลการพิจารณารายการ B1 ไปแล้วเมื่อ" in body and "โดย ผู้ใช้ ce-rev1" in body
    assert "สถานะ “ผ่านการพิจารณา”" in body
    assert "ขาดลายมือชื่อผู้บริหาร</textarea>" in body and 'value="needs_revision" checked' in body
    with app.app_context():
        assert list(db.session.scalars(select(ItemReview.status))) == ["accepted"]


def test_changing_a_review_status_someone_changed_meanwhile_as_a_plain_form(app, ce):
    """The status box is a fragment: a plain post's refusal is the page's message (in Thai,
    with the current status), and nothing is overwritten."""
    one, two = Person(app, "ce-rev1"), Person(app, "ce-rev2")
    panel = f"/agencies/{ce['agency']}/items/{ce['item']}"
    url = f"{panel}/review"
    one.send(url, {"status": "submitted", "reason": "", "version": "0"})
    one_version, two_version = one.open_form(panel, url, True), two.open_form(panel, url, True)
    one.send(url, {"status": "needs_revision", "reason": "แผนไม่ระบุตัวชี้วัด", "version": one_version}, htmx=False)
    refused = two.send(url, {"status": "accepted", "reason": "", "version": two_version}, htmx=False)
    body = text(refused)
    assert refused.status_code == 409 and "<html" in body
    assert "สถานะ “ต้องแก้ไข” · เหตุผล “แผนไม่ระบุตัวชี้วัด”" in body
    with app.app_context():
        assert db.session.scalar(select(ItemReview.status)) == "needs_revision"


def test_a_comment_edited_in_two_windows_of_its_author(app, ce):
    first, second = Person(app, "ce-rev1"), Person(app, "ce-rev1")
    thread, url = f"/threads/{ce['thread']}", f"/comments/{ce['comment']}/edit"
    first_version, second_version = first.open_form(thread, url), second.open_form(thread, url)
    assert first.send(url, {"body": "กรุณาแนบรายงานการประชุมครั้งที่ 2", "version": first_version}).status_code == 200
    refused = second.send(url, {"body": "กรุณาแนบรายงานฉบับลงนาม", "version": second_version})
    body = text(refused)
    assert refused.status_code == 409 and f'id="thread-{ce["thread"]}"' in body
    assert "ท่านได้บันทึกความเห็นนี้ไปแล้วเมื่อ" in body and "จากหน้าต่างหรืออุปกรณ์อื่น" in body
    assert "ข้อความ “กรุณาแนบรายงานการประชุมครั้งที่ 2”" in body
    assert "กรุณาแนบรายงานฉบับลงนาม</textarea>" in body
    with app.app_context():
        assert db.session.get(Comment, ce["comment"]).body == "กรุณาแนบรายงานการประชุมครั้งที่ 2"


def metric_data(target: str, version: str) -> dict:
    return {"name": "ร้อยละความพึงพอใจ", "unit": "ร้อยละ", "direction": "higher", "target": target,
            "value_two_years_ago": "70", "value_last_year": "75", "value_this_year": "82", "version": version}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_category_7_metric(app, ce, htmx):
    ana, bee = Person(app, "ce-ana"), Person(app, "ce-bee")
    url = f"/agencies/{ce['agency']}/results/{ce['metric']}"
    ana_version, bee_version = ana.open_form(f"{url}/edit", url, True), bee.open_form(f"{url}/edit", url, True)
    assert ana.send(url, metric_data("78", ana_version), htmx).status_code in (200, 302)
    refused = bee.send(url, metric_data("๙๐", bee_version), htmx)
    body = text(refused)
    assert refused.status_code == 409 and 'class="editing"' in body and ("<html" in body) is not htmx
    assert "มีผู้อื่นแก้ไขตัววัด “ร้อยละความพึงพอใจ” ไปแล้วเมื่อ" in body and "ค่าเป้าหมายปี 2569 78" in body
    assert 'value="๙๐"' in body  # as Bee typed it, Thai digits and all
    with app.app_context():
        assert db.session.get(ResultMetric, ce["metric"]).target == 78


def test_an_agency_row_two_admins_edit(app, ce):
    one, two = Person(app, "ce-admin1"), Person(app, "ce-admin2")
    url = f"/admin/agencies/{ce['agency']}"
    one_version, two_version = one.open_form(f"{url}/edit", url, True), two.open_form(f"{url}/edit", url, True)
    row = {"code": "CE-A", "kind": "department", "unit_type": "service", "active": "y", "storage_quota_mb": ""}
    assert one.send(url, {**row, "name": "กรมที่เปลี่ยนชื่อแล้ว", "version": one_version}).status_code == 200
    refused = two.send(url, {**row, "name": "กรมชื่อที่สอง", "storage_quota_mb": "500", "version": two_version})
    body = text(refused)
    assert refused.status_code == 409 and 'class="editing"' in body
    assert "มีผู้อื่นแก้ไขส่วนราชการ CE-A ไปแล้วเมื่อ" in body and "โดย ผู้ใช้ ce-admin1" in body
    assert "ชื่อ “กรมที่เปลี่ยนชื่อแล้ว”" in body and 'value="กรมชื่อที่สอง"' in body and 'value="500"' in body
    with app.app_context():
        agency = db.session.get(Agency, ce["agency"])
        assert (agency.name, agency.storage_quota_bytes) == ("กรมที่เปลี่ยนชื่อแล้ว", None)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_a_user_account_two_admins_edit(app, ce, htmx):
    one, two = Person(app, "ce-admin1"), Person(app, "ce-admin2")
    with app.app_context():
        bee_id = db.session.scalar(select(User.id).where(User.username == "ce-bee"))
    url = f"/admin/users/{bee_id}"
    one_version, two_version = one.open_form(url, url), two.open_form(url, url)
    assert one.send(url, {"display_name": "บี ใจดี", "email": "bee@agency.go.th", "version": one_version},
                    htmx).status_code in (200, 302)
    refused = two.send(url, {"display_name": "บี สุขใจ", "email": "", "version": two_version}, htmx)
    body = text(refused)
    assert refused.status_code == 409 and "มีผู้อื่นแก้ไขบัญชี ce-bee ไปแล้วเมื่อ" in body
    assert "ชื่อที่แสดง “บี ใจดี” · อีเมล bee@agency.go.th" in body and 'value="บี สุขใจ"' in body
    with app.app_context():
        assert db.session.get(User, bee_id).display_name == "บี ใจดี"


def test_a_form_without_its_version_changes_nothing(app, ce):
    """A page cached from before versions, or a hand-made request, is shown the current values."""
    ana = Person(app, "ce-ana")
    url = f"/evidence/{ce['evidence']}"
    refused = ana.send(url, {"title": "ไม่มีฉบับ", "document_date": "", "description": ""})
    assert refused.status_code == 409 and "ชื่อหลักฐาน “แผนยุทธศาสตร์ 2569”" in text(refused)
    for garbled in ("abc", "-3", "9" * 20):
        assert ana.send(url, {"title": "ไม่มีฉบับ", "version": garbled}).status_code == 409
    with app.app_context():
        assert db.session.get(Evidence, ce["evidence"]).title == "แผนยุทธศาสตร์ 2569"
        assert db.session.scalar(select(func.count(FileVersion.id))) == 1
