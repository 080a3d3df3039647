"""Answers to the guide's questions: the form follows the question's blanks, autosaves,
refuses a stale save with both texts in view, keeps a history, cites only the agency's own
evidence, and renders what was typed as text. Per item, a statement of what was done."""
import re

import pytest
from sqlalchemy import func, select

from portal.admin import operations as admin_ops
from portal.answers import structure
from portal.criteria.loader import load_criteria
from portal.config import PROJECT_ROOT
from portal.extensions import db
from portal.models import Answer, AnswerCitation, AnswerRevision, ItemStatement, Question, SubItem
from tests.helpers import checklist_item, extracted_text_evidence, make_agency, make_user, signed_in, stored_text_evidence

HX = {"HX-Request": "true"}
CRITERIA = load_criteria(PROJECT_ROOT / "criteria")


# --- the structure, pure ------------------------------------------------------------------

def test_each_blank_of_the_lead_and_of_the_bullets_is_one_slot():
    found = structure.slots("ผู้บริหารกำหนดทิศทางอย่างไร (ระบุอย่างน้อย 2 ด้าน)",
                            ["ด้านเศรษฐกิจ เช่น ……", "ด้านสังคม เช่น ……"])
    assert found == [structure.Slot(0, "ด้านเศรษฐกิจ เช่น"), structure.Slot(1, "ด้านสังคม เช่น")]
    assert structure.slots("คือ …… โดย ……", []) == [structure.Slot(None, "คือ"), structure.Slot(None, "โดย")]
    assert structure.slots("อธิบายวิธีการ", []) == [structure.Slot(None, "คำตอบ")]  # no blank: one free answer


def test_every_question_of_the_guide_has_a_slot_per_blank():
    questions = [q for c in CRITERIA.process for s in c.sub_items for q in s.questions]
    assert len(questions) == 94
    for q in questions:
        blanks = q.text.count("……") + sum(b.count("……") for b in q.bullets)
        assert len(structure.slots(q.text, q.bullets)) == max(blanks, 1), q.code


def test_answered_means_every_blank_has_text():
    assert structure.answered(["ก", "ข"], 2) == "full"
    assert structure.answered(["ก", " "], 2) == "partial"
    assert structure.answered([], 2) == "empty"
    assert structure.fitted(["ก"], 3) == ["ก", "", ""]
    assert structure.fitted(["ก", "ข", "ค"], 2) == ["ก", "ข"]


# --- the pages ----------------------------------------------------------------------------

@pytest.fixture
def world(app):
    with app.app_context():
        own, other = make_agency("ANS-A"), make_agency("ANS-B")
        ana = make_user("ans-ana", ("agency_editor", own))
        make_user("ans-bee", ("agency_editor", own))
        make_user("ans-viewer", ("agency_viewer", own))
        outsider = make_user("ans-outsider", ("agency_editor", other))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item = checklist_item("1.1", "B1")
        mine = extracted_text_evidence(own, item, ana, "แผนยุทธศาสตร์กรม 2569", "แผนยุทธศาสตร์ หน้าหนึ่ง")
        theirs = stored_text_evidence(other, checklist_item("1.1", "B1"), outsider, "หลักฐานลับของ ANS-B")
        questions = db.session.scalars(select(Question).join(SubItem).where(SubItem.code == "1.1")
                                       .order_by(Question.position)).all()
        by_code = {q.code: q.id for q in questions}
        return {"agency": own.id, "other": other.id, "item": item.id, "mine": mine.id, "theirs": theirs.id,
                "q_bullets": by_code["1.1.1"], "q_one": by_code["1.1.2"],
                "workspace": f"/agencies/{own.id}/criteria/1/1.1"}


def answer_url(world, question):
    return f"/agencies/{world['agency']}/questions/{world[question]}"


def save(client, world, question, parts, version, headers=HX):
    return client.post(answer_url(world, question), headers=headers,
                       data={"csrf_token": client.token, "version": str(version), "part": parts})


def stored(app, world, question):
    with app.app_context():
        return db.session.scalar(select(Answer).where(Answer.question_id == world[question]))


def test_the_workspace_shows_a_box_at_each_blank_and_the_progress(app, world):
    ana = signed_in(app, "ans-ana")
    html = ana.get(world["workspace"]).get_data(as_text=True)
    card = html[html.index(f'id="question-{world["q_bullets"]}"'):]
    card = card[:card.index("</article>")]
    assert card.count('name="part"') == 4  # 1.1.1: four bullets "ด้าน… เช่น ……"
    assert "ด้านเศรษฐกิจ เช่น" in card and "ยังไม่ได้ตอบ" in card
    assert "ตอบครบ 0 จาก" in html


def test_autosave_stores_the_parts_and_answers_with_the_new_version(app, world):
    ana = signed_in(app, "ans-ana")
    response = save(ana, world, "q_one", ["วิสัยทัศน์ “ก้าวหน้า”\n- ข้อหนึ่ง\n- ข้อสอง   "], 0)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "บันทึกแล้ว" in body
    assert re.search(rf'id="answer-version-{world["q_one"]}" value="1" hx-swap-oob="true"', body)
    assert "ตอบครบแล้ว" in body and response.headers["HX-Trigger"] == "answers-changed"
    answer = stored(app, world, "q_one")
    assert answer.parts == ["วิสัยทัศน์ “ก้าวหน้า”\n- ข้อหนึ่ง\n- ข้อสอง"]  # line breaks kept, trailing spaces not
    assert "ตอบครบ 1 จาก" in ana.get(world["workspace"]).get_data(as_text=True)
    dashboard = ana.get(f"/agencies/{world['agency']}").get_data(as_text=True)
    row = dashboard[dashboard.index('id="sub-item-1.1"'):]
    assert "ตอบครบ 1/5 ข้อ" in row[:row.index("</tr>")]


def test_autosaves_of_one_sitting_are_one_revision_and_another_editor_starts_another(app, world):
    ana, bee = signed_in(app, "ans-ana"), signed_in(app, "ans-bee")
    assert save(ana, world, "q_one", ["ร่างแรก"], 0).status_code == 200
    assert save(ana, world, "q_one", ["ร่างแรกที่ยาวขึ้น"], 1).status_code == 200
    unchanged = save(ana, world, "q_one", ["ร่างแรกที่ยาวขึ้น"], 2)
    assert unchanged.status_code == 200 and stored(app, world, "q_one").version == 2  # nothing written
    assert save(bee, world, "q_one", ["บีแก้"], 2).status_code == 200
    with app.app_context():
        revisions = db.session.scalars(select(AnswerRevision).order_by(AnswerRevision.id)).all()
        assert [(r.parts, r.saved_by.username) for r in revisions] == [
            (["ร่างแรกที่ยาวขึ้น"], "ans-ana"), (["บีแก้"], "ans-bee")]
    history = ana.get(answer_url(world, "q_one") + "/history").get_data(as_text=True)
    assert history.index("บีแก้") < history.index("ร่างแรกที่ยาวขึ้น")  # newest first
    assert "ฉบับปัจจุบัน" in history and "แก้ไข" in history


def test_a_stale_save_is_refused_with_both_texts_and_overwrites_nothing(app, world):
    ana, bee = signed_in(app, "ans-ana"), signed_in(app, "ans-bee")
    assert save(bee, world, "q_one", ["ข้อความของบี"], 0).status_code == 200
    refused = save(ana, world, "q_one", ["ข้อความของอานา"], 0)  # Ana's page still shows no answer
    assert refused.status_code == 409
    body = refused.get_data(as_text=True)
    assert "มีผู้อื่นแก้ไขคำตอบข้อ 1.1.2" in body
    assert "ข้อความของบี" in body and "ข้อความของอานา" in body
    assert 'hx-swap-oob' not in body  # the form keeps its old version: the next autosave is refused too
    assert stored(app, world, "q_one").parts == ["ข้อความของบี"]
    # Ana decides to keep hers: the button sends the version the refusal showed.
    version = re.search(r'"version": "(\d+)"', body).group(1)
    assert save(ana, world, "q_one", ["ข้อความของอานา"], version).status_code == 200
    assert stored(app, world, "q_one").parts == ["ข้อความของอานา"]


def test_bad_answers_are_refused_in_thai(app, world):
    ana = signed_in(app, "ans-ana")
    wrong_shape = save(ana, world, "q_bullets", ["หนึ่งช่อง"], 0)
    assert wrong_shape.status_code == 422 and "ไม่ตรงกับคำถาม" in wrong_shape.get_data(as_text=True)
    too_long = save(ana, world, "q_one", ["ก" * (structure.MAX_PART_CHARS + 1)], 0)
    assert too_long.status_code == 422 and "ยาวเกิน 5,000 ตัวอักษร" in too_long.get_data(as_text=True)
    empty = save(ana, world, "q_one", ["  "], 0)
    assert empty.status_code == 422 and "ยังว่างอยู่" in empty.get_data(as_text=True)
    assert stored(app, world, "q_one") is None


def test_only_the_agencys_editors_write_and_other_agencies_see_nothing(app, world):
    viewer = signed_in(app, "ans-viewer")
    refused = save(viewer, world, "q_one", ["ผู้ดู"], 0)
    assert refused.status_code == 403 and "สิทธิ์แก้ไข" in refused.get_data(as_text=True)
    assert 'name="part"' not in viewer.get(world["workspace"]).get_data(as_text=True)  # read only
    outsider = signed_in(app, "ans-outsider")
    assert save(outsider, world, "q_one", ["คนนอก"], 0).status_code == 404
    assert outsider.get(answer_url(world, "q_one") + "/history").status_code == 404
    assert stored(app, world, "q_one") is None


def test_markup_typed_into_an_answer_is_shown_as_text(app, world):
    ana = signed_in(app, "ans-ana")
    assert save(ana, world, "q_one", ['<script>alert("x")</script><b>หนา</b>'], 0).status_code == 200
    for page in (world["workspace"], answer_url(world, "q_one") + "/history"):
        html = ana.get(page).get_data(as_text=True)
        assert "<script>alert" not in html and "&lt;script&gt;alert" in html and "<b>หนา" not in html


def test_a_plain_form_post_saves_and_goes_back_to_the_question(app, world):
    ana = signed_in(app, "ans-ana")
    response = save(ana, world, "q_one", ["ส่งโดยไม่มี htmx"], 0, headers={})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{world['workspace']}#question-{world['q_one']}")


def cite(client, world, evidence, page=""):
    return client.post(answer_url(world, "q_one") + "/citations", headers=HX,
                       data={"csrf_token": client.token, "evidence_id": str(world[evidence]), "page": page})


def test_an_answer_cites_the_agencys_own_evidence_at_a_page(app, world):
    ana = signed_in(app, "ans-ana")
    response = cite(ana, world, "mine", "1")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "หลักฐาน 1.1-B1 หน้า 1" in body and "แผนยุทธศาสตร์กรม 2569" in body
    assert f'/evidence/{world["mine"]}?page=1#page-1' in body  # opens the evidence at that page
    opened = ana.get(f'/evidence/{world["mine"]}?page=1').get_data(as_text=True)
    # A text file's pages are its preview, all shown open (a PDF's page opens its folded text).
    assert 'class="extracted-page" id="page-1"' in opened or 'id="page-1" open' in opened
    assert cite(ana, world, "mine", "1").status_code == 422  # the same page twice
    out_of_range = cite(ana, world, "mine", "9")
    assert out_of_range.status_code == 422 and "มี 1 หน้า" in out_of_range.get_data(as_text=True)
    assert cite(ana, world, "mine", "สาม").status_code == 422
    with app.app_context():
        citation_id = db.session.scalar(select(AnswerCitation.id))
    removed = ana.post(answer_url(world, "q_one") + f"/citations/{citation_id}/delete", headers=HX,
                       data={"csrf_token": ana.token})
    assert removed.status_code == 200 and "นำการอ้างอิงออกแล้ว" in removed.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(AnswerCitation.id))) == 0


def test_another_agencys_evidence_cannot_be_cited(app, world):
    ana = signed_in(app, "ans-ana")
    response = cite(ana, world, "theirs")
    assert response.status_code == 404
    assert "หลักฐานลับ" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(AnswerCitation.id))) == 0


def statement(client, world, text, version):
    return client.post(f"/agencies/{world['agency']}/items/{world['item']}/statement", headers=HX,
                       data={"csrf_token": client.token, "text": text, "version": str(version)})


def test_an_item_carries_a_statement_of_what_was_done(app, world):
    ana, bee = signed_in(app, "ans-ana"), signed_in(app, "ans-bee")
    saved = statement(ana, world, "จัดประชุมผู้บริหาร 4 ครั้ง", 0)
    assert saved.status_code == 200 and "บันทึกผลการดำเนินการของรายการ B1 แล้ว" in saved.get_data(as_text=True)
    stale = statement(bee, world, "ข้อความของบี", 0)
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "จัดประชุมผู้บริหาร 4 ครั้ง" in body and "ข้อความของบี" in body  # theirs quoted, hers kept
    with app.app_context():
        assert db.session.scalar(select(ItemStatement.text)) == "จัดประชุมผู้บริหาร 4 ครั้ง"
    viewer = signed_in(app, "ans-viewer")
    assert "จัดประชุมผู้บริหาร 4 ครั้ง" in viewer.get(world["workspace"]).get_data(as_text=True)
    assert statement(viewer, world, "ผู้ดู", 1).status_code == 403
