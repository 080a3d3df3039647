"""E-mail notices of review comments and statuses: off by default, recipients decided by
the pages' own read rule (an internal thread never mails agency staff), sent through SMTP."""
import pytest
from sqlalchemy import select

from portal import queue, tasks
from portal.extensions import db
from portal.models import OutboxEffect, User
from portal.reviews import notify
from tests.review_helpers import ACCOUNTS, Client, make_world, panel_url, threads_url


@pytest.fixture
def w(app):
    world = make_world(app)
    with app.app_context():
        for username, _role, _agency in ACCOUNTS.values():
            user = db.session.scalar(select(User).where(User.username == username))
            user.email = f"{username}@agency.go.th"
        db.session.commit()
    return world


@pytest.fixture
def mail_on(app, monkeypatch):
    """An SMTP host configured; enqueued notices are captured instead of queued."""
    queued = []
    monkeypatch.setitem(app.config, "MAIL_SMTP_HOST", "smtp.agency.go.th")
    monkeypatch.setattr(queue, "enqueue_review_notices", lambda c, r, rows: queued.append((c, r)) or True)
    return queued


class FakeSMTP:
    sent: list = []
    calls: list = []

    def __init__(self, host, port, timeout):
        FakeSMTP.calls.append(("connect", host, port))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        FakeSMTP.calls.append(("starttls",))

    def login(self, user, password):
        FakeSMTP.calls.append(("login", user, password))

    def send_message(self, message):
        FakeSMTP.sent.append(message)


def notices(app, queued):
    with app.app_context():
        messages = [m for comments, reviews in queued for m in notify.build_notices(comments, reviews)]
        return [(m["To"], m["Subject"], m.get_content()) for m in messages]


def test_off_by_default(app, w, monkeypatch):
    queued = []
    monkeypatch.setattr(queue, "enqueue_review_notices", lambda c, r, rows: queued.append((c, r)) or True)
    assert app.config["MAIL_SMTP_HOST"] == ""
    Client(app, "reviewer").post(threads_url(w), body="กรุณาแนบหลักฐาน", visibility="shared")
    assert queued == []


def test_shared_comment_mails_agency_editors_and_reviewers_but_not_the_author(app, w, mail_on):
    Client(app, "reviewer").post(threads_url(w), body="กรุณาแนบรายงานการประชุมครั้งที่ 1", visibility="shared")
    assert len(mail_on) == 1
    sent = notices(app, mail_on)
    assert {to for to, _, _ in sent} == {"rv-editor@agency.go.th"}  # viewers read, editors answer
    to, subject, body = sent[0]
    assert "1.1-B1" in subject and "กรุณาแนบรายงานการประชุมครั้งที่ 1" in body and "/threads/" in body


def test_reply_mails_the_thread_people_within_read_rights(app, w, mail_on):
    reviewer, editor = Client(app, "reviewer"), Client(app, "editor")
    reviewer.post(threads_url(w), body="ขอเอกสารเพิ่ม", visibility="shared")
    mail_on.clear()
    with app.app_context():
        from portal.models import CommentThread
        thread_id = db.session.scalar(select(CommentThread.id))
    editor.post(f"/threads/{thread_id}/replies", body="แนบแล้วค่ะ")
    assert {to for to, _, _ in notices(app, mail_on)} == {"rv-reviewer@agency.go.th"}


def test_internal_thread_never_mails_agency_staff(app, w, mail_on):
    assessor, reviewer = Client(app, "assessor"), Client(app, "reviewer")
    assessor.post(threads_url(w), body="บันทึกภายใน: หลักฐานไม่สอดคล้อง", visibility="internal")
    recipients = {to for to, _, _ in notices(app, mail_on)}
    assert recipients == {"rv-reviewer@agency.go.th"}
    with app.app_context():
        from portal.models import CommentThread
        thread_id = db.session.scalar(select(CommentThread.id))
        # Even a stray agency editor in the thread's authors would be filtered by the read rule.
        thread = db.session.get(CommentThread, thread_id)
        editor = db.session.scalar(select(User).where(User.username == "rv-editor"))
        assert editor not in notify.comment_recipients(thread.comments[0])
    mail_on.clear()
    reviewer.post(f"/threads/{thread_id}/replies", body="เห็นด้วย")
    assert {to for to, _, _ in notices(app, mail_on)} == {"rv-assessor@agency.go.th"}


def test_status_change_mails_editors_with_the_reason(app, w, mail_on):
    reviewer = Client(app, "reviewer")
    url = f"/agencies/{w['a']}/items/{w['items']['B1']}/review"
    reviewer.submit(panel_url(w), url, status="submitted", reason="")
    assert mail_on == []  # the reviewers' own bookkeeping
    reviewer.submit(panel_url(w), url, status="needs_revision", reason="ขาดลายมือชื่อผู้บริหาร")
    (to, subject, body), = notices(app, mail_on)
    assert to == "rv-editor@agency.go.th" and "ต้องแก้ไข" in subject and "ขาดลายมือชื่อผู้บริหาร" in body


def test_sending_uses_one_smtp_session(app, w, mail_on, monkeypatch):
    monkeypatch.setattr(notify.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SMTP_USER", "portal")
    monkeypatch.setitem(app.config, "MAIL_SMTP_PASSWORD", "secret")
    FakeSMTP.sent, FakeSMTP.calls = [], []
    Client(app, "reviewer").post(threads_url(w), body="ความเห็นที่หนึ่ง", visibility="shared")
    with app.app_context():
        comments, reviews = mail_on[0]
        assert tasks.send_review_notices_task.call_local(comments, reviews) == 1
    assert FakeSMTP.calls == [("connect", "smtp.agency.go.th", 587), ("starttls",), ("login", "portal", "secret")]
    assert FakeSMTP.sent[0]["From"] == app.config["MAIL_FROM"]


def test_a_mail_server_that_is_down_gets_the_notice_later(app, w, mail_on, monkeypatch):
    """The notice is an outbox row: an SMTP failure puts it back with a backoff, and the
    next attempt mails it and finishes the row."""
    def refused(*_args, **_kwargs):
        raise ConnectionRefusedError("smtp down")

    Client(app, "reviewer").post(threads_url(w), body="ความเห็นตอนเมลล่ม", visibility="shared")
    comments, reviews = mail_on[0]
    with app.app_context():
        row_id = db.session.scalar(select(OutboxEffect.id).where(OutboxEffect.kind == "comment_notice"))
        db.session.rollback()
        monkeypatch.setattr(notify.smtplib, "SMTP", refused)
        with pytest.raises(ConnectionRefusedError):
            tasks.send_review_notices_task.call_local(comments, reviews, [row_id])
        row = db.session.get(OutboxEffect, row_id)
        assert row.sent_at is None and "smtp down" in row.last_error and row.next_attempt_at is not None
        db.session.rollback()
        monkeypatch.setattr(notify.smtplib, "SMTP", FakeSMTP)
        FakeSMTP.sent, FakeSMTP.calls = [], []
        assert tasks.send_review_notices_task.call_local(comments, reviews, [row_id]) == 1
        assert db.session.get(OutboxEffect, row_id) is None


def test_admin_sets_an_email_and_bad_ones_are_refused(app, w):
    from tests.helpers import csrf_token, form_version, login, make_user

    with app.app_context():
        make_user("rv-root", ("admin", None))
        user_id = db.session.scalar(select(User.id).where(User.username == "rv-viewer"))
    client = app.test_client()
    login(client, "rv-root")
    page = f"/admin/users/{user_id}"
    token = csrf_token(client, page)
    ok = client.post(page, data={"display_name": "ผู้อ่าน", "email": "reader@agency.go.th", "csrf_token": token,
                                 "version": form_version(client, page, page)}, headers={"HX-Request": "true"})
    assert ok.status_code == 200
    bad = client.post(page, data={"display_name": "ผู้อ่าน", "email": "not an address", "csrf_token": token,
                                  "version": form_version(client, page, page)}, headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "อีเมล" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).email == "reader@agency.go.th"
