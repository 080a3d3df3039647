"""The agency's own claim per sub-item (the level it asks to be assessed at) and items it
marks "ไม่เกี่ยวข้อง" with a required reason, which the computed level counts as decided in
the covered view (and says so), never in the accepted view."""
import pytest
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.coverage.queries import done_counts_by_agency, done_item_ids
from portal.extensions import db
from portal.models import AssessmentCycle, ItemStatement, SubItem, SubItemClaim
from tests.helpers import checklist_item, make_agency, make_user, signed_in

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    with app.app_context():
        own = make_agency("CLM-A")
        make_user("clm-ana", ("agency_editor", own))
        make_user("clm-bee", ("agency_editor", own))
        make_user("clm-viewer", ("agency_viewer", own))
        make_user("clm-reviewer", ("reviewer", own))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item = checklist_item("2.3", "B1")
        sub_item = db.session.scalar(select(SubItem).where(SubItem.code == "2.3"))
        return {"agency": own.id, "item": item.id, "sub_item": sub_item.id,
                "workspace": f"/agencies/{own.id}/criteria/2/2.3",
                "summary": f"/agencies/{own.id}/criteria/2/2.3/summary"}


def mark(client, world, text, version=0, not_applicable=True):
    data = {"csrf_token": client.token, "text": text, "version": str(version)}
    if not_applicable:
        data["not_applicable"] = "1"
    return client.post(f"/agencies/{world['agency']}/items/{world['item']}/statement", headers=HX, data=data)


def done(app, world, view):
    with app.app_context():
        cycle_id = db.session.scalar(select(AssessmentCycle.id))
        ids = done_item_ids(world["agency"], cycle_id, view)
        counts = done_counts_by_agency(cycle_id, view, {world["agency"]: {"department"}}, {})
        return world["item"] in ids, sum(counts.get(world["agency"], {}).values())


def test_an_item_that_does_not_apply_needs_a_reason(app, world):
    ana = signed_in(app, "clm-ana")
    refused = mark(ana, world, "   ")
    assert refused.status_code == 422
    assert "กรุณาพิมพ์เหตุผลที่รายการนี้ไม่เกี่ยวข้อง" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ItemStatement)) is None
    assert done(app, world, "covered") == (False, 0)


def test_a_marked_item_counts_as_decided_in_the_covered_view_and_the_page_says_so(app, world):
    ana = signed_in(app, "clm-ana")
    response = mark(ana, world, "ส่วนราชการไม่มีภารกิจด้านนี้ตามกฎหมายจัดตั้ง")
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "coverage-changed"
    panel = response.get_data(as_text=True)
    assert "ไม่เกี่ยวข้อง (นับเป็นรายการที่ตัดสินแล้ว)" in panel and 'checked' in panel
    assert done(app, world, "covered") == (True, 1)  # the workspace's query and the overview's agree
    assert done(app, world, "accepted") == (False, 0)  # a reviewer still decides in the accepted view
    summary = ana.get(world["summary"], headers=HX).get_data(as_text=True)
    assert "นับรวม 1 รายการที่ส่วนราชการระบุว่าไม่เกี่ยวข้อง" in summary
    reviewer = signed_in(app, "clm-reviewer")
    page = reviewer.get(world["workspace"]).get_data(as_text=True)
    assert "ไม่เกี่ยวข้อง — เหตุผล:" in page and "ไม่มีภารกิจด้านนี้ตามกฎหมายจัดตั้ง" in page
    # Unmarking it (a plain statement again) takes it out of the count.
    assert mark(ana, world, "จัดทำแผนแล้ว", version=1, not_applicable=False).status_code == 200
    assert done(app, world, "covered") == (False, 0)


def test_a_stale_mark_is_refused_with_the_other_text(app, world):
    ana, bee = signed_in(app, "clm-ana"), signed_in(app, "clm-bee")
    assert mark(ana, world, "ไม่มีภารกิจนี้").status_code == 200
    stale = mark(bee, world, "ทำแล้วบางส่วน", not_applicable=False)
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "“ไม่เกี่ยวข้อง”" in body and "ไม่มีภารกิจนี้" in body and "ทำแล้วบางส่วน" in body
    with app.app_context():
        assert db.session.scalar(select(ItemStatement.not_applicable)) is True


def claim(client, world, level, version=0, note=""):
    return client.post(f"/agencies/{world['agency']}/sub-items/{world['sub_item']}/claim", headers=HX,
                       data={"csrf_token": client.token, "level": level, "note": note, "version": str(version)})


def test_the_agency_claims_a_level_beside_the_computed_one(app, world):
    ana = signed_in(app, "clm-ana")
    page = ana.get(world["workspace"]).get_data(as_text=True)
    assert "ระบบคำนวณได้: ยังไม่ถึงระดับพื้นฐาน" in page
    saved = claim(ana, world, "advance", note="มีผลลัพธ์ต่อเนื่อง 3 ปี")
    assert saved.status_code == 200
    assert "บันทึกแล้ว: ขอรับการประเมินที่ระดับก้าวหน้า (Advance)" in saved.get_data(as_text=True)
    assert claim(ana, world, "expert", version=1).status_code == 422
    assert claim(ana, world, "advance", version=1, note="มีผลลัพธ์ต่อเนื่อง 3 ปี").status_code == 422  # unchanged
    stale = claim(signed_in(app, "clm-bee"), world, "basic")
    assert stale.status_code == 409 and "ระดับก้าวหน้า" in stale.get_data(as_text=True)
    viewer = signed_in(app, "clm-viewer")
    assert claim(viewer, world, "basic", version=1).status_code == 403
    shown = viewer.get(world["workspace"]).get_data(as_text=True)
    assert "ส่วนราชการขอรับการประเมินที่ <strong>ระดับก้าวหน้า (Advance)</strong>" in shown
    with app.app_context():
        assert db.session.scalar(select(SubItemClaim.level)) == "advance"
