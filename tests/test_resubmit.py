"""The revision loop: an item returned "ต้องแก้ไข" is changed by the agency and resubmitted;
the reviewer sees it marked and what changed since their decision (evidence, answers)."""
import pytest
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import ItemReview, Question, SubItem
from tests.helpers import checklist_item, form_version, make_agency, make_user, signed_in

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    with app.app_context():
        agency = make_agency("RS-A")
        make_user("rs-editor", ("agency_editor", agency))
        make_user("rs-reviewer", ("reviewer", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        question = db.session.scalar(select(Question).join(SubItem).where(SubItem.code == "1.1", Question.code == "1.1.2"))
        return {"agency": agency.id, "item": checklist_item("1.1", "B1").id, "question": question.id,
                "workspace": f"/agencies/{agency.id}/criteria/1/1.1"}


def review(client, world, status, reason=""):
    url = f"/agencies/{world['agency']}/items/{world['item']}/review"
    version = form_version(client, world["workspace"], url)
    return client.post(url, headers=HX, data={"csrf_token": client.token, "status": status, "reason": reason,
                                              "version": version})


def resubmit(client, world):
    url = f"/agencies/{world['agency']}/items/{world['item']}/resubmit"
    version = form_version(client, world["workspace"], url)
    return client.post(url, headers=HX, data={"csrf_token": client.token, "version": version})


def answer(client, world, text, version):
    return client.post(f"/agencies/{world['agency']}/questions/{world['question']}", headers=HX,
                       data={"csrf_token": client.token, "version": str(version), "part": [text]})


def test_a_returned_item_is_resubmitted_and_the_reviewer_sees_what_changed(app, world):
    editor, reviewer = signed_in(app, "rs-editor"), signed_in(app, "rs-reviewer")
    assert answer(editor, world, "ทิศทางเดิม", 0).status_code == 200
    assert review(reviewer, world, "needs_revision", "กรุณาแนบแผนยุทธศาสตร์ฉบับลงนาม").status_code == 200
    # The agency does what was asked: a link on the item and a clearer answer.
    added = editor.post(f"/agencies/{world['agency']}/items/{world['item']}/links", headers=HX,
                        data={"csrf_token": editor.token, "url": "https://www.example.go.th/plan.pdf",
                              "title": "แผนยุทธศาสตร์ฉบับลงนาม"})
    assert added.status_code == 200
    with app.app_context():
        version = db.session.scalar(select(ItemReview.version))
    assert answer(editor, world, "ทิศทางใหม่ที่ชัดเจน", 1).status_code == 200
    sent = resubmit(editor, world)
    assert sent.status_code == 200 and "ส่งรายการ B1 ให้พิจารณาอีกครั้งแล้ว" in sent.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(select(ItemReview))
        assert (row.status, row.resubmitted_at is not None, row.version) == ("submitted", True, version + 1)
    page = reviewer.get(world["workspace"]).get_data(as_text=True)
    box = page[page.index(f'id="item-review-{world["item"]}"'):]
    box = box[:box.index('class="threads"') if 'class="threads"' in box else 4000]
    assert "ส่งแก้ไขแล้ว" in box
    assert "เพิ่มหลักฐาน “แผนยุทธศาสตร์ฉบับลงนาม”" in box
    assert "แก้คำตอบข้อ 1.1.2" in box and "<del class=\"prewrap\">ทิศทางเดิม</del>" in box
    assert "ทิศทางใหม่ที่ชัดเจน</ins>" in box
    # Sent once; and only the agency's editors send it.
    url = f"/agencies/{world['agency']}/items/{world['item']}/resubmit"
    assert "แก้ไขแล้ว ส่งให้พิจารณาอีกครั้ง" not in editor.get(world["workspace"]).get_data(as_text=True)
    again = {"csrf_token": editor.token, "version": str(version + 1)}
    assert editor.post(url, headers=HX, data=again).status_code == 422
    assert reviewer.post(url, headers=HX, data={**again, "csrf_token": reviewer.token}).status_code == 403
    # The reviewer's next decision ends the resubmission.
    assert review(reviewer, world, "accepted").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(ItemReview.resubmitted_at)) is None
    assert "ส่งแก้ไขแล้ว" not in reviewer.get(world["workspace"]).get_data(as_text=True)


def test_an_item_that_was_not_returned_cannot_be_resubmitted(app, world):
    editor = signed_in(app, "rs-editor")
    refused = editor.post(f"/agencies/{world['agency']}/items/{world['item']}/resubmit", headers=HX,
                          data={"csrf_token": editor.token, "version": "0"})
    assert refused.status_code == 422 and "ต้องแก้ไข" in refused.get_data(as_text=True)
