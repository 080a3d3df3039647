"""Who sees which thread: internal threads never reach agency users (pages, counts,
inboxes), another agency's reviewer gets 404, unread counts follow read marks."""
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models.review import CommentThread
from portal.reviews.queries import unread_count
from tests.helpers import stored_text_evidence
from tests.review_helpers import Client, make_world, threads_url, workspace_url

SECRET = "บันทึกภายใน: หน่วยงานนี้คะแนนต่ำ"


@pytest.fixture
def w(app):
    return make_world(app)


def badge(client) -> int:
    match = re.search(r'class="badge"[^>]*>(\d+)<', client.text("/"))
    return int(match.group(1)) if match else 0


def thread_ids(app):
    with app.app_context():
        return {t.visibility: t.id for t in db.session.scalars(select(CommentThread))}


@pytest.fixture
def two_threads(app, w):
    reviewer = Client(app, "reviewer")
    reviewer.post(threads_url(w), body="ความเห็นถึงหน่วยงาน", visibility="shared")
    reviewer.post(threads_url(w), body=SECRET, visibility="internal")
    return thread_ids(app)


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_agency_users_never_see_internal_threads_or_their_counts(app, w, two_threads, role):
    client = Client(app, role)
    internal = two_threads["internal"]
    assert badge(client) == 1  # the shared thread only (until they open it, below)
    for url in (workspace_url(w), f"/agencies/{w['a']}/inbox", f"/threads/{two_threads['shared']}"):
        page = client.text(url)
        assert SECRET not in page and "เฉพาะผู้ตรวจ" not in page, url
    fragment = client.text(threads_url(w), htmx=True)
    assert "ความเห็นถึงหน่วยงาน" in fragment and SECRET not in fragment and "(1 กระทู้)" in fragment
    assert client.get(f"/threads/{internal}", htmx=False).status_code == 404
    for url in (f"/threads/{internal}/replies", f"/threads/{internal}/resolve"):
        assert client.post(url, body="x").status_code == 404
    assert badge(client) == 0
    assert client.get("/reviews/inbox", htmx=False).status_code == 403


def test_reviewers_assessors_and_admins_read_internal_threads(app, w, two_threads):
    for role in ("reviewer", "assessor", "admin"):
        page = Client(app, role).text(workspace_url(w))
        assert SECRET in page and "เฉพาะผู้ตรวจ" in page, role
    assert badge(Client(app, "reviewer")) == 0  # their own posts are read
    assert badge(Client(app, "assessor")) == 2


def test_reviewer_of_agency_b_gets_404_on_agency_a(app, w, two_threads):
    other = Client(app, "reviewer_b")
    shared = two_threads["shared"]
    with app.app_context():
        comment_id = db.session.get(CommentThread, shared).comments[0].id
    for url in (f"/threads/{shared}", threads_url(w), workspace_url(w), f"/agencies/{w['a']}/inbox"):
        assert other.get(url, htmx=False).status_code == 404, url
    for url in (f"/threads/{shared}/replies", f"/threads/{shared}/resolve", f"/threads/{shared}/reopen",
                f"/comments/{comment_id}/edit", f"/comments/{comment_id}/delete", threads_url(w),
                f"/agencies/{w['a']}/items/{w['items']['B1']}/review"):
        response = other.post(url, body="ลอง", status="accepted", visibility="shared")
        assert response.status_code == 404, url
        assert "ความเห็นถึงหน่วยงาน" not in response.get_data(as_text=True)
    inbox = other.text("/reviews/inbox")
    assert "กรมทดสอบความเห็น" not in inbox and SECRET not in inbox
    assert badge(other) == 0


def test_unread_counts_follow_read_marks(app, w):
    reviewer, editor, assessor = Client(app, "reviewer"), Client(app, "editor"), Client(app, "assessor")
    reviewer.post(threads_url(w), body="เริ่ม", visibility="shared")
    thread_id = thread_ids(app)["shared"]
    assert (badge(reviewer), badge(editor), badge(assessor)) == (0, 1, 1)
    assert 'class="tag tag-unread"' in editor.text(f"/threads/{thread_id}")  # new on this visit
    assert badge(editor) == 0  # opening the thread marked it read
    assert 'class="tag tag-unread"' not in editor.text(f"/threads/{thread_id}")
    editor.post(f"/threads/{thread_id}/replies", body="ตอบกลับ")
    assert (badge(reviewer), badge(editor), badge(assessor)) == (1, 0, 1)
    reviewer.post(f"/threads/{thread_id}/resolve")
    assert badge(assessor) == 0  # resolved threads wait for no one
    with app.app_context():
        from portal.models import User

        for username in ("rv-reviewer", "rv-editor"):
            user = db.session.scalar(select(User).where(User.username == username))
            assert unread_count(user) == 0


def test_reviewer_inbox_filters_and_agency_inbox(app, w, two_threads):
    with app.app_context():
        from portal.models import Agency, ChecklistItem, User

        editor = db.session.scalar(select(User).where(User.username == "rv-editor"))
        for key, code in (("a", "B1"), ("a", "B2"), ("b", "B1")):
            stored_text_evidence(db.session.get(Agency, w[key]), db.session.get(ChecklistItem, w["items"][code]),
                                 editor, f"หลักฐาน {key} {code}")
    reviewer, assessor = Client(app, "reviewer"), Client(app, "assessor")
    reviewer.post(f"/agencies/{w['a']}/items/{w['items']['B2']}/review", status="needs_revision",
                  reason="ขาดหลักฐานการติดตามผล")
    page = reviewer.text("/reviews/inbox")
    assert 'data-item="1.1-B1"' in page and 'data-item="1.1-B2"' not in page  # B2 is decided
    assert "RV-B" not in page and SECRET in page
    assert "ส่วนราชการทดสอบ RV-B" in assessor.text("/reviews/inbox")
    filtered = assessor.text(f"/reviews/inbox?agency={w['b']}&status=awaiting", htmx=True)
    assert 'id="inbox-results"' in filtered and "<html" not in filtered
    assert "ส่วนราชการทดสอบ RV-B" in filtered and "กรมทดสอบความเห็น" not in filtered
    revision = reviewer.text("/reviews/inbox?status=needs_revision&category=1")
    assert 'data-item="1.1-B2"' in revision and "ขาดหลักฐานการติดตามผล" in revision
    assert 'data-item="1.1' not in reviewer.text("/reviews/inbox?status=needs_revision&category=2")
    agency_page = Client(app, "viewer").text(f"/agencies/{w['a']}/inbox")
    assert "ขาดหลักฐานการติดตามผล" in agency_page and "ความเห็นถึงหน่วยงาน" in agency_page
    assert SECRET not in agency_page
