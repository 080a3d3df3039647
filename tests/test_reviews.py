"""Threads on checklist items: start, nested replies, edit/delete own, resolve/reopen,
bad input answered with Thai messages, review status transitions — all audited."""
import pytest
from sqlalchemy import func, select

from portal.audit import ACTION_LABELS
from portal.extensions import db
from portal.models import AssessmentCycle, AuditEvent
from portal.models.review import Comment, CommentThread
from portal.reviews.queries import accepted_item_ids, review_statuses
from tests.helpers import make_user, stored_text_evidence
from tests.review_helpers import Client, make_world, panel_url, threads_url, workspace_url


@pytest.fixture
def w(app):
    return make_world(app)


def start(client, w, body="กรุณาแนบรายงานการประชุม", visibility="shared", item="B1"):
    return client.post(threads_url(w, item), body=body, visibility=visibility)


def only_thread(app):
    with app.app_context():
        thread = db.session.scalar(select(CommentThread))
        return thread.id, [c.id for c in thread.comments]


def test_threading_replies_nest_under_the_comment_they_answer(app, w):
    reviewer, editor = Client(app, "reviewer"), Client(app, "editor")
    response = start(reviewer, w)
    assert response.status_code == 200 and "เริ่มกระทู้แล้ว" in response.get_data(as_text=True)
    thread_id, (root,) = only_thread(app)
    answer = editor.post(f"/threads/{thread_id}/replies", body="แนบแล้วค่ะ\nดู https://intra.go.th/a",
                         parent_id=root)
    assert answer.status_code == 200
    _, (_, editor_reply) = only_thread(app)
    reviewer.post(f"/threads/{thread_id}/replies", body="ขอบคุณครับ", parent_id=editor_reply)
    with app.app_context():
        parents = {c.body: c.parent_id for c in db.session.scalars(select(Comment))}
    assert parents["ขอบคุณครับ"] == editor_reply and parents["แนบแล้วค่ะ\nดู https://intra.go.th/a"] == root
    page = editor.text(f"/threads/{thread_id}")
    nested = page.index(f'id="comment-{editor_reply}"')
    assert nested < page.index("ขอบคุณครับ")  # the reply to the reply sits inside it
    assert 'แนบแล้วค่ะ<br>\nดู <a href="https://intra.go.th/a" rel="noopener nofollow"' in page


def test_replying_to_a_comment_of_another_thread_is_refused(app, w):
    reviewer = Client(app, "reviewer")
    start(reviewer, w, body="กระทู้แรก")
    start(reviewer, w, body="กระทู้ที่สอง", item="B2")
    with app.app_context():
        first, second = db.session.scalars(select(CommentThread).order_by(CommentThread.id)).all()
        foreign = second.comments[0].id
        first_id = first.id
    response = reviewer.post(f"/threads/{first_id}/replies", body="ตอบผิดที่", parent_id=foreign)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "ไม่พบความเห็นที่ต้องการตอบในกระทู้นี้" in page and f'id="thread-{first_id}"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 2


@pytest.mark.parametrize("data,message", [
    ({"body": "   ", "visibility": "shared"}, "กรุณาพิมพ์ความเห็น"),
    ({"body": "ก" * 10_001, "visibility": "shared"}, "ยาวเกิน 10,000 ตัวอักษร"),
    ({"body": "ข้อความที่พิมพ์ไว้", "visibility": "public"}, "กรุณาเลือกว่าจะแสดงกระทู้"),
])
def test_bad_input_rerenders_the_form_with_a_thai_message(app, w, data, message):
    reviewer = Client(app, "reviewer")
    response = reviewer.post(threads_url(w), **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert 'id="threads-' in page  # the thread list and its form, not an error page
    if data["body"].strip() and len(data["body"]) < 100:
        assert data["body"] in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count(CommentThread.id))) == 0


def test_exactly_ten_thousand_characters_is_accepted(app, w):
    assert start(Client(app, "reviewer"), w, body="ก" * 10_000).status_code == 200


def test_edit_and_delete_only_your_own(app, w):
    reviewer, editor = Client(app, "reviewer"), Client(app, "editor")
    start(reviewer, w, body="ข้อความเดิม")
    thread_id, (root,) = only_thread(app)
    editor.post(f"/threads/{thread_id}/replies", body="คำตอบของหน่วยงาน", parent_id=root)
    assert editor.post(f"/comments/{root}/edit", body="แก้แทน").status_code == 403
    assert editor.post(f"/comments/{root}/delete").status_code == 403
    thread = f"/threads/{thread_id}"
    edited = reviewer.submit(thread, f"/comments/{root}/edit", body="ข้อความใหม่")
    assert edited.status_code == 200 and "แก้ไขแล้ว" in edited.get_data(as_text=True)
    assert reviewer.submit(thread, f"/comments/{root}/edit", body="").status_code == 422
    deleted = reviewer.post(f"/comments/{root}/delete").get_data(as_text=True)
    assert "ลบแล้ว" in deleted and "ข้อความใหม่" not in deleted
    assert "คำตอบของหน่วยงาน" in deleted  # replies stay
    assert reviewer.post(f"/comments/{root}/edit", body="อีกครั้ง").status_code == 422
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
                   if e.object_type == "comment_thread"]
        edit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "comment_edited"))
        assert edit.details["previous"] == "ข้อความเดิม"
    assert actions == ["thread_started", "comment_posted", "comment_edited", "comment_deleted"]


def test_resolve_and_reopen_rules(app, w):
    reviewer, editor, assessor = Client(app, "reviewer"), Client(app, "editor"), Client(app, "assessor")
    start(reviewer, w)
    thread_id, _ = only_thread(app)
    assert editor.post(f"/threads/{thread_id}/resolve").status_code == 403
    assert Client(app, "admin").post(f"/threads/{thread_id}/resolve").status_code == 403
    resolved = reviewer.post(f"/threads/{thread_id}/resolve")
    assert resolved.status_code == 200 and "ปิดแล้ว" in resolved.get_data(as_text=True)
    assert reviewer.post(f"/threads/{thread_id}/resolve").status_code == 422
    closed = editor.post(f"/threads/{thread_id}/replies", body="ยังตอบได้ไหม")
    assert closed.status_code == 422 and "กระทู้นี้ปิดแล้ว" in closed.get_data(as_text=True)
    assert assessor.post(f"/threads/{thread_id}/reopen").status_code == 200
    assert editor.post(f"/threads/{thread_id}/replies", body="ตอบได้แล้ว").status_code == 200
    with app.app_context():
        labels = [ACTION_LABELS[e.action] for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert labels[-3:] == ["ปิดกระทู้ (ได้ข้อยุติ)", "เปิดกระทู้อีกครั้ง", "ตอบความเห็น"]


def test_who_may_start_threads(app, w):
    editor, viewer, admin = Client(app, "editor"), Client(app, "viewer"), Client(app, "admin")
    assert start(editor, w, body="หน่วยงานขอสอบถาม").status_code == 200  # shared: allowed
    refused = start(editor, w, visibility="internal")
    assert refused.status_code == 403 and "เฉพาะกระทู้ที่แสดงต่อส่วนราชการ" in refused.get_data(as_text=True)
    assert start(viewer, w).status_code == 403
    assert start(admin, w).status_code == 403
    assert start(Client(app, "assessor"), w, visibility="internal").status_code == 200
    with app.app_context():
        shared = db.session.scalar(select(CommentThread).where(CommentThread.visibility == "shared"))
        shared_id = shared.id
    assert viewer.post(f"/threads/{shared_id}/replies", body="ผู้อ่านตอบ").status_code == 403


def test_review_status_transitions_and_required_reason(app, w):
    reviewer, editor = Client(app, "reviewer"), Client(app, "editor")
    url, form_page = f"/agencies/{w['a']}/items/{w['items']['B1']}/review", panel_url(w)
    missing = reviewer.submit(form_page, url, status="needs_revision", reason="  ")
    assert missing.status_code == 422 and "กรุณาระบุเหตุผลที่ต้องแก้ไข" in missing.get_data(as_text=True)
    assert reviewer.submit(form_page, url, status="rejected").status_code == 422
    assert editor.post(url, status="accepted").status_code == 403
    assert reviewer.submit(form_page, url, status="submitted").status_code == 200
    ok = reviewer.submit(form_page, url, status="needs_revision", reason="แผนยังไม่ระบุตัวชี้วัด")
    assert ok.status_code == 200 and "บันทึกสถานะ “ต้องแก้ไข” แล้ว" in ok.get_data(as_text=True)
    assert reviewer.submit(form_page, url, status="needs_revision", reason="แผนยังไม่ระบุตัวชี้วัด").status_code == 422
    panel = editor.text(workspace_url(w))
    assert "ต้องแก้ไข" in panel and "แผนยังไม่ระบุตัวชี้วัด" in panel and "บันทึกผลการพิจารณา" not in panel
    with app.app_context():
        cycle_id = db.session.scalar(select(AssessmentCycle.id))
        assert accepted_item_ids(w["a"], cycle_id) == set()
    assert Client(app, "assessor").submit(form_page, url, status="accepted").status_code == 200
    with app.app_context():
        assert accepted_item_ids(w["a"], cycle_id) == {w["items"]["B1"]}
        assert accepted_item_ids(w["b"], cycle_id) == set()
        assert review_statuses(w["a"], cycle_id)[w["items"]["B1"]].reason == ""
    assert reviewer.submit(form_page, url, status="needs_revision", reason="พบข้อมูลไม่ตรง").status_code == 200  # back
    with app.app_context():
        changes = [(e.details["before"], e.details["after"]) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "review_status_changed").order_by(AuditEvent.id))]
    assert changes == [(None, "submitted"), ("submitted", "needs_revision"),
                       ("needs_revision", "accepted"), ("accepted", "needs_revision")]


def test_xss_in_a_comment_and_in_an_evidence_title_renders_as_text(app, w):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)> javascript:alert(1)'
    with app.app_context():
        from portal.models import Agency, ChecklistItem, User

        editor = db.session.scalar(select(User).where(User.username == "rv-editor"))
        stored_text_evidence(db.session.get(Agency, w["a"]), db.session.get(ChecklistItem, w["items"]["B1"]),
                             editor, attack)
    start(Client(app, "reviewer"), w, body=attack)
    for role in ("editor", "reviewer"):
        page = Client(app, role).text(workspace_url(w))
        assert "<script>alert" not in page and "<img src=x" not in page and 'href="javascript' not in page
        assert page.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 2  # title and comment


def test_polling_answers_204_until_something_changes(app, w):
    reviewer, editor = Client(app, "reviewer"), Client(app, "editor")
    start(reviewer, w)
    page = editor.text(threads_url(w), htmx=True)
    since = page.split("since=")[1].split('"')[0]
    assert editor.get(f"{threads_url(w)}?since={since}").status_code == 204
    thread_id, _ = only_thread(app)
    reviewer.post(f"/threads/{thread_id}/replies", body="ความเห็นเพิ่มเติม")
    fresh = editor.get(f"{threads_url(w)}?since={since}")
    assert fresh.status_code == 200 and "ความเห็นเพิ่มเติม" in fresh.get_data(as_text=True)
    assert editor.get(threads_url(w), htmx=False).status_code == 302  # no bare fragment pages


def test_a_removed_author_still_shows(app, w):
    start(Client(app, "reviewer"), w, body="ความเห็นของผู้ที่ถูกลบบัญชี")
    with app.app_context():
        from portal.models import User

        db.session.delete(db.session.scalar(select(User).where(User.username == "rv-reviewer")))
        db.session.commit()
        make_user("spare")
    assert "ผู้ใช้ที่ถูกลบ" in Client(app, "editor").text(workspace_url(w))


def test_without_a_current_cycle_review_routes_answer_in_thai(app):
    with app.app_context():
        from tests.helpers import make_agency

        agency = make_agency("RV-NOCYCLE")
        make_user("rv-nocycle", ("reviewer", agency))
        from portal.models import ChecklistItem

        item_id = db.session.scalar(select(func.min(ChecklistItem.id)))
        agency_id = agency.id
    from tests.helpers import csrf_token, login

    client = app.test_client()
    login(client, "rv-nocycle")
    token = csrf_token(client, "/")
    response = client.post(f"/agencies/{agency_id}/items/{item_id}/threads", data={"body": "x", "visibility": "shared"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 409 and "ยังไม่ได้กำหนดรอบการประเมินปัจจุบัน" in response.get_data(as_text=True)
    polled = client.get(f"/agencies/{agency_id}/items/{item_id}/threads", headers={"HX-Request": "true"})
    assert polled.status_code == 409
