"""The home page lists what needs the editor now: items returned "ต้องแก้ไข" with the reason
(newest first, paged), questions not answered in full, failed extractions — their own
agency's only."""
import re

import pytest
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import ChecklistItem, SubItem
from portal.reviews import operations as review_ops
from tests.helpers import make_agency, make_user, signed_in, stored_text_evidence

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    with app.app_context():
        own, other = make_agency("WL-A"), make_agency("WL-B")
        editor = make_user("wl-editor", ("agency_editor", own))
        make_user("wl-viewer", ("agency_viewer", own))
        reviewer = make_user("wl-reviewer", ("reviewer", own), ("reviewer", other))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        items = db.session.scalars(select(ChecklistItem).join(SubItem).where(SubItem.code == "1.1")
                                   .order_by(ChecklistItem.position)).all()
        for n, item in enumerate(items[:12]):
            review_ops.set_status(own, item, "needs_revision", f"เหตุผลข้อ {n:02d}", reviewer)
            db.session.commit()
        review_ops.set_status(other, items[0], "needs_revision", "เหตุผลลับของ WL-B", reviewer)
        failed = stored_text_evidence(own, items[0], editor, "ไฟล์ที่อ่านไม่ได้")
        failed.extraction_status, failed.extraction_error = "failed", "ไฟล์เสียหายหรืออ่านไม่ได้"
        db.session.commit()
        return {"agency": own.id}


def test_the_editor_sees_returned_items_newest_first_and_paged(app, world):
    editor = signed_in(app, "wl-editor")
    page = editor.get("/").get_data(as_text=True)
    assert "รายการที่ต้องแก้ไข (12)" in page
    reasons = re.findall(r"เหตุผล: เหตุผลข้อ (\d\d)", page)
    assert reasons == [f"{n:02d}" for n in range(11, 1, -1)]  # ten, the newest first
    assert "หน้า 1 จาก 2" in page and "เหตุผลลับของ WL-B" not in page
    second = editor.get("/?returned_page=2").get_data(as_text=True)
    assert re.findall(r"เหตุผล: เหตุผลข้อ (\d\d)", second) == ["01", "00"]
    assert editor.get("/?returned_page=99").status_code == 200  # past the end: the last page


def test_the_editor_sees_unanswered_questions_and_failed_extractions(app, world):
    editor = signed_in(app, "wl-editor")
    page = editor.get("/").get_data(as_text=True)
    assert "คำถามที่ยังตอบไม่ครบ (94 ข้อ)" in page
    assert "ไฟล์ที่ดึงข้อความไม่สำเร็จ (1)" in page and "ไฟล์ที่อ่านไม่ได้" in page
    with app.app_context():
        question = db.session.scalar(select(SubItem).where(SubItem.code == "1.1")).questions[1]  # 1.1.2: one blank
        question_id = question.id
    saved = editor.post(f"/agencies/{world['agency']}/questions/{question_id}", headers=HX,
                        data={"csrf_token": editor.token, "version": "0", "part": ["ทิศทางขององค์การ"]})
    assert saved.status_code == 200
    assert "คำถามที่ยังตอบไม่ครบ (93 ข้อ)" in editor.get("/").get_data(as_text=True)


def test_the_editor_sees_the_agencys_levels_at_a_glance_as_its_dashboard_computes_them(app, world):
    from portal import cycles
    from portal.coverage.summary import dashboard_context
    from portal.models import Agency

    page = signed_in(app, "wl-editor").get("/").get_data(as_text=True)
    tiles = re.findall(r'<li class="heat level-([a-z_]+)"><a href="[^"]+#category-(\d)">.*?มีหลักฐาน (\d+)%', page, re.S)
    with app.app_context():
        agency = db.session.get(Agency, world["agency"])
        reports = dashboard_context(agency, cycles.current_cycle(), "covered")["reports"]
        expected = [(r.outcome.level, r.category.code, str(r.outcome.percent)) for r in reports]
    assert tiles == expected and [code for _, code, _ in tiles] == ["1", "2", "3", "4", "5", "6"]
    assert "คำนวณโดยระบบ" in page and f"/agencies/{world['agency']}/results" in page
    assert 'class="card glance"' not in signed_in(app, "wl-viewer").get("/").get_data(as_text=True)


def test_people_who_do_not_edit_get_no_worklist(app, world):
    viewer = signed_in(app, "wl-viewer")
    assert "งานที่รอท่าน" not in viewer.get("/").get_data(as_text=True)


# --- reviewers ----------------------------------------------------------------------------

@pytest.fixture
def review_world(app):
    """Agency A: 13 items with evidence, two of them returned and resubmitted; agency B one
    item with evidence. Reviewer A reviews A only."""
    from datetime import timedelta

    from portal.models import EvidenceAttachment
    from portal.models.user import utcnow

    with app.app_context():
        own, other = make_agency("RW-A", "กรมผู้ตรวจเอ"), make_agency("RW-B", "กรมผู้ตรวจบี")
        editor = make_user("rw-editor", ("agency_editor", own))
        outsider = make_user("rw-editor-b", ("agency_editor", other))
        reviewer = make_user("rw-reviewer", ("reviewer", own))
        make_user("rw-assessor", ("assessor", None))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        items = db.session.scalars(select(ChecklistItem).join(SubItem).where(SubItem.code == "1.1")
                                   .order_by(ChecklistItem.position)).all()[:13]
        start = utcnow() - timedelta(hours=1)
        for n, item in enumerate(items):
            evidence = stored_text_evidence(own, item, editor, f"หลักฐานข้อ {item.code}")
            for attachment in evidence.attachments:
                attachment.created_at = start + timedelta(minutes=n)  # items[12] is the newest
        stored_text_evidence(other, items[0], outsider, "หลักฐานของกรมบี")
        db.session.commit()
        for item in items[:2]:
            review_ops.set_status(own, item, "needs_revision", f"ขอแผนฉบับลงนาม {item.code}", reviewer)
            db.session.commit()
        for item in items[:2]:
            review_ops.resubmit(own, item, editor)
            db.session.commit()
        assert db.session.scalar(select(db.func.count(EvidenceAttachment.id))) == 14
        # Threads: the reviewer's own on items[3] (read, her reply the newest), one the editor
        # started on items[4] (unread) and one the editor answered on items[5] (unread); B's is not hers.
        read = review_ops.start_thread(own, items[3], "shared", "ความเห็นที่อ่านแล้ว", reviewer)
        started = review_ops.start_thread(own, items[4], "shared", "คำถามจากกรมเอ", editor)
        answered = review_ops.start_thread(own, items[5], "shared", "ขอเอกสารเพิ่ม", reviewer)
        review_ops.reply(answered, None, "แนบแล้วค่ะ", editor)
        review_ops.reply(read, None, "ขอบคุณค่ะ", reviewer)  # her own reply: read, and the newest
        hidden = review_ops.start_thread(other, items[0], "shared", "ความเห็นของกรมบี", outsider)
        db.session.commit()  # in that order: each one's last activity is later than the one before
        return {"codes": [i.full_code for i in items], "item_ids": [i.id for i in items],
                "threads": [read.id, started.id, answered.id, hidden.id]}


def test_a_reviewer_sees_resubmitted_and_awaiting_items_newest_first_paged_and_in_scope(app, review_world):
    codes = review_world["codes"]
    reviewer = signed_in(app, "rw-reviewer")
    page = reviewer.get("/").get_data(as_text=True)
    assert "ส่งกลับมาแก้ไขแล้ว รอพิจารณาอีกครั้ง (2)" in page and "ขอแผนฉบับลงนาม" in page
    resubmitted = re.search(r'id="resubmitted-title".*?</ul>', page, re.S).group(0)
    assert re.findall(r">(1\.1-[A-Z0-9]+)</a>", resubmitted) == [codes[1], codes[0]]  # the newest first
    assert "รอพิจารณา (11)" in page  # 13 with evidence, less the two resubmitted
    awaiting = re.search(r'id="awaiting-title".*?</ul>', page, re.S).group(0)
    assert re.findall(r">(1\.1-[A-Z0-9]+)</a>", awaiting) == codes[12:2:-1]  # ten, newest evidence first
    assert "กรมผู้ตรวจบี" not in page and "หน้า 1 จาก 2" in page
    second = reviewer.get("/?awaiting_page=2").get_data(as_text=True)
    assert re.findall(r">(1\.1-[A-Z0-9]+)</a>", re.search(r'id="awaiting-title".*?</ul>', second, re.S).group(0)) == [codes[2]]
    for bad in ("/?awaiting_page=abc", "/?awaiting_page=-3", "/?resubmitted_page=999"):
        assert reviewer.get(bad).status_code == 200
    # An assessor reads every agency: agency B's item is awaiting too.
    assessor = signed_in(app, "rw-assessor").get("/").get_data(as_text=True)
    assert "รอพิจารณา (12)" in assessor and "กรมผู้ตรวจบี" in assessor
    # Editors get no review worklist.
    assert 'id="review-worklist"' not in signed_in(app, "rw-editor").get("/").get_data(as_text=True)


def test_the_review_inbox_filters_resubmitted_items(app, review_world):
    codes = review_world["codes"]
    reviewer = signed_in(app, "rw-reviewer")
    page = reviewer.get("/reviews/inbox?status=resubmitted").get_data(as_text=True)
    listed = set(re.findall(r'data-item="([^"]+)"', page))
    assert listed == {codes[0], codes[1]} and "แก้ไขแล้ว รอพิจารณาอีกครั้ง" in page
    awaiting = set(re.findall(r'data-item="([^"]+)"', reviewer.get("/reviews/inbox").get_data(as_text=True)))
    assert {codes[0], codes[1]} <= awaiting and len(awaiting) == 13  # the inbox keeps every undecided item


def test_the_review_inbox_is_paged_and_grouped_by_agency_and_sub_item(app, review_world, monkeypatch):
    from portal.reviews import inbox

    monkeypatch.setattr(inbox, "PAGE_SIZE", 5)
    assessor = signed_in(app, "rw-assessor")  # both agencies: 13 items of A, one of B
    pages = [assessor.get(f"/reviews/inbox?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    listed = [re.findall(r'data-item="([^"]+)"', page) for page in pages]
    assert [len(rows) for rows in listed] == [5, 5, 4]
    assert "รายการที่ 1–5 จาก 14" in pages[0] and "หน้า 1 จาก 3" in pages[0] and "รายการที่ 11–14 จาก 14" in pages[2]
    # By agency name (บ before เ), then criteria order; no row twice, none lost.
    groups = re.findall(r'<span class="group-agency">([^<]+)</span> · (\S+)', pages[0])
    assert groups == [("กรมผู้ตรวจบี", "1.1"), ("กรมผู้ตรวจเอ", "1.1")]
    assert listed[0][0] == review_world["codes"][0] and listed[0][1:] == review_world["codes"][:4]
    assert sum(listed, [])[1:] == review_world["codes"]
    # The pager keeps the filter, and swaps only the results with htmx.
    filtered = assessor.get("/reviews/inbox?status=awaiting&page=2").get_data(as_text=True)
    assert 'href="/reviews/inbox?status=awaiting&amp;page=3"' in filtered and 'hx-target="#inbox-results"' in filtered
    swapped = assessor.get("/reviews/inbox?page=2", headers={"HX-Request": "true", "HX-Target": "inbox-results"})
    assert swapped.get_data(as_text=True).lstrip().startswith('<div id="inbox-results">')
    for bad in ("abc", "-4", "999"):
        assert assessor.get(f"/reviews/inbox?page={bad}").status_code == 200  # clamped to the pages there are


def test_next_item_walks_the_inbox_the_reviewer_chose(app, review_world):
    ids = review_world["item_ids"]
    reviewer = signed_in(app, "rw-reviewer")
    with app.app_context():
        agency_id = db.session.scalar(select(db.text("id FROM agency WHERE code = 'RW-A'")))
        other_id = db.session.scalar(select(db.text("id FROM agency WHERE code = 'RW-B'")))

    def after(item_id, query=""):
        response = reviewer.get(f"/reviews/next/{agency_id}/{item_id}{query}")
        assert response.status_code == 302
        return response.headers["Location"]

    assert after(ids[0]).endswith(f"#item-{ids[1]}")
    assert after(ids[12]).endswith(f"#item-{ids[0]}")  # past the end: back to the first
    # The filter the reviewer came with is kept: only the two resubmitted items, then back.
    resubmitted = after(ids[0], "?inbox_status=resubmitted")
    assert resubmitted.endswith(f"#item-{ids[1]}") and "inbox_status=resubmitted" in resubmitted
    assert after(ids[1], "?inbox_status=resubmitted").endswith(f"#item-{ids[0]}")
    # Nothing else waits: back to the inbox with a message.
    none_left = reviewer.get(f"/reviews/next/{agency_id}/{ids[0]}?inbox_status=needs_revision")
    assert none_left.headers["Location"].endswith("/reviews/inbox?status=needs_revision")
    # The item page links to the next item with the filter it was opened with.
    page = reviewer.get(after(ids[0], "?inbox_status=resubmitted").split("#")[0]).get_data(as_text=True)
    assert f"/reviews/next/{agency_id}/{ids[0]}?inbox_status=resubmitted" in page and "รายการถัดไปที่รอพิจารณา" in page
    # Agency B's item is outside this reviewer's scope, and its id answers 404; editors 403.
    assert reviewer.get(f"/reviews/next/{other_id}/{ids[0]}").status_code == 404
    assert signed_in(app, "rw-editor").get(f"/reviews/next/{agency_id}/{ids[0]}").status_code == 403


def test_a_resubmitted_item_links_to_what_changed_on_its_page(app, review_world):
    reviewer = signed_in(app, "rw-reviewer")
    page = reviewer.get("/").get_data(as_text=True)
    links = re.findall(r'href="([^"]+#changes-(\d+))">ดูสิ่งที่เปลี่ยน<', page)
    first, second = review_world["item_ids"][:2]
    assert [int(item_id) for _, item_id in links] == [second, first]  # the newest resubmission first
    item_page = reviewer.get(links[0][0].split("#")[0]).get_data(as_text=True)
    assert f'id="changes-{second}"' in item_page and "สิ่งที่ส่วนราชการเปลี่ยน" in item_page


def test_a_reviewer_sees_the_newest_replies_with_the_unread_count_in_scope(app, review_world):
    read, started, answered, hidden = review_world["threads"]
    page = signed_in(app, "rw-reviewer").get("/").get_data(as_text=True)
    replies = re.search(r'id="replies-title".*?</ul>', page, re.S).group(0)
    assert "(ยังไม่ได้อ่าน 2 กระทู้)" in replies
    assert [int(t) for t in re.findall(r'href="/threads/(\d+)"', replies)] == [read, answered, started]  # newest first, read or not
    unread = re.findall(r'href="/threads/(\d+)">[^<]*</a>\s*<span class="tag tag-unread">', replies)
    assert sorted(int(t) for t in unread) == sorted([answered, started])
    assert f"/threads/{hidden}" not in page and "กรมผู้ตรวจบี" not in page  # agency B is not hers
    assessor = signed_in(app, "rw-assessor").get("/").get_data(as_text=True)
    assert f'href="/threads/{hidden}"' in re.search(r'id="replies-title".*?</ul>', assessor, re.S).group(0)


def test_paging_one_review_list_keeps_the_others_page(app, review_world):
    page = signed_in(app, "rw-reviewer").get("/?resubmitted_page=1&awaiting_page=2").get_data(as_text=True)
    awaiting = re.search(r'id="awaiting-title".*?</nav>', page, re.S).group(0)
    previous = re.search(r'href="([^"]+)" hx-get="[^"]+"[^>]*>‹ ก่อนหน้า', awaiting).group(1).replace("&amp;", "&")
    assert "awaiting_page=1" in previous and "resubmitted_page=1" in previous


def test_a_pager_link_swaps_only_its_own_section(app, review_world):
    reviewer = signed_in(app, "rw-reviewer")
    page = reviewer.get("/").get_data(as_text=True)
    assert 'hx-get="/?awaiting_page=2" hx-target="#review-worklist"' in page
    section = reviewer.get("/?awaiting_page=2", headers={**HX, "HX-Target": "review-worklist"})
    html = section.get_data(as_text=True)
    assert section.status_code == 200 and html.lstrip().startswith('<section class="card worklist" id="review-worklist"')
    assert "<html" not in html and "ส่วนราชการของท่าน" not in html and "หน้า 2 จาก 2" in html
    editor = signed_in(app, "rw-editor").get("/", headers={**HX, "HX-Target": "worklist"}).get_data(as_text=True)
    assert editor.lstrip().startswith('<section class="card worklist" id="worklist"')
