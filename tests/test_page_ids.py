"""No element id twice on the busiest pages, rendered with data: one evidence on two items
of the sub-item (its status and retry button twice), reviews and threads on several
items, search hits and inboxes. Fragment ids carry their type (item-review-12,
threads-12, item-12-evidence-3), so an htmx target can never hit another kind of box."""
from collections import Counter
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, ChecklistItem, EvidenceAttachment, EvidencePage, SubItem, User
from portal.reviews import operations as review_ops
from portal.search import backend
from tests.helpers import stored_text_evidence
from tests.review_helpers import Client, make_world


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = Counter()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids[value] += 1


def duplicate_ids(html: str) -> dict[str, int]:
    parser = Ids()
    parser.feed(html)
    return {value: count for value, count in parser.ids.items() if count > 1}


@pytest.fixture
def busy(app):
    world = make_world(app)
    with app.app_context():
        agency = db.session.get(Agency, world["a"])
        users = {u.username: u for u in db.session.scalars(select(User))}
        editor, reviewer = users["rv-editor"], users["rv-reviewer"]
        items = list(db.session.scalars(select(ChecklistItem).join(SubItem).where(SubItem.code == "1.1")
                                        .order_by(ChecklistItem.position)))
        failed = stored_text_evidence(agency, items[0], editor, "แผนยุทธศาสตร์องค์การ")
        failed.attachments.append(EvidenceAttachment(checklist_item=items[1]))
        failed.extraction_status, failed.extraction_error = "failed", "ไฟล์เสียหาย"
        for n, item in enumerate(items[:4]):
            # Files of their own (the same bytes would be copies of one file: one search hit).
            evidence = stored_text_evidence(agency, item, editor, f"รายงานผลการดำเนินงาน {n}",
                                            f"ผลการดำเนินงานตามแผน ครั้งที่ {n}")
            evidence.pages.append(EvidencePage(number=1, label="หน้า 1", text=f"ผลการดำเนินงานตามแผน ครั้งที่ {n}"))
        db.session.commit()
        for n, item in enumerate(items[:3]):
            thread = review_ops.start_thread(agency, item, "shared", f"ขอเอกสารเพิ่มเติม {n}", reviewer)
            review_ops.reply(thread, thread.comments[0].id, "แนบแล้วค่ะ", editor)
            review_ops.start_thread(agency, item, "internal", "บันทึกภายใน", reviewer)
            review_ops.set_status(agency, item, "needs_revision" if n % 2 else "accepted", "ขาดลายมือชื่อ", reviewer)
        db.session.commit()
        backend.rebuild(fresh=True)
    return world


def pages(world):
    workspace = f"/agencies/{world['a']}/criteria/1/1.1"
    return {
        "editor": [workspace, f"/agencies/{world['a']}", f"/agencies/{world['a']}/inbox",
                   "/search/?q=ผลการดำเนินงาน"],
        "reviewer": [workspace, "/reviews/inbox", "/reviews/inbox?status=needs_revision",
                     f"/agencies/{world['a']}", "/search/?q=ผลการดำเนินงาน"],
    }


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_busy_pages_have_no_duplicate_ids(app, busy, role):
    client = Client(app, role)
    for url in pages(busy)[role]:
        html = client.text(url)
        assert 'id="' in html
        assert duplicate_ids(html) == {}, url


def test_the_pages_really_are_busy(app, busy):
    workspace = Client(app, "editor").text(f"/agencies/{busy['a']}/criteria/1/1.1")
    assert workspace.count("ลองใหม่</button>") == 2  # the failed evidence sits on two items
    client = Client(app, "reviewer")
    workspace = client.text(f"/agencies/{busy['a']}/criteria/1/1.1")
    assert workspace.count('class="review-status"') >= 3 and workspace.count('class="thread ') >= 6
    assert "รายงานผลการดำเนินงาน 3" in client.text("/search/?q=ผลการดำเนินงาน")
    assert client.text("/reviews/inbox").count("data-thread=") >= 6


def test_duplicate_finder_finds_duplicates():
    assert duplicate_ids('<p id="status-1"></p><span id="status-1"></span><b id="x">') == {"status-1": 2}


def test_admin_pages_have_no_duplicate_ids(app, busy):
    """The users page holds the new-user form beside the list's filters (both have a role
    and an agency): one label would name two fields."""
    from tests.helpers import login, make_user

    with app.app_context():
        make_user("ids-admin", ("admin", None))
        db.session.commit()
    client = app.test_client()
    login(client, "ids-admin")
    for url in ("/admin/users", "/admin/agencies", "/admin/cycles", "/admin/import", "/admin/audit"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and 'id="' in html, url
        assert duplicate_ids(html) == {}, url
