"""Carry-over: a new cycle starts from the previous one — answers as drafts marked "จากปีก่อน",
evidence re-linked to the same items awaiting confirmation (shown, not counted), category 7
values one year back — once, and nothing from another agency."""
import pytest
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.coverage.queries import done_item_ids
from portal.extensions import db
from portal.models import (Answer, OutboxEffect, Evidence, MetricGroup, Question, ResultMetric, SubItem)
from tests.helpers import checklist_item, extracted_text_evidence, make_agency, make_user, signed_in, stored_text_evidence

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    with app.app_context():
        own, other = make_agency("CO-A"), make_agency("CO-B")
        editor = make_user("co-editor", ("agency_editor", own))
        make_user("co-viewer", ("agency_viewer", own))
        outsider = make_user("co-outsider", ("agency_editor", other))
        old = admin_ops.create_cycle(2568, "pmqa-4.0")
        admin_ops.make_current(old)
        db.session.commit()
        item = checklist_item("1.1", "B1")
        plan = extracted_text_evidence(own, item, editor, "แผนยุทธศาสตร์ 2568", "แผนยุทธศาสตร์ของกรม")
        stored_text_evidence(other, item, outsider, "หลักฐานลับของ CO-B")
        question = db.session.scalar(select(Question).join(SubItem).where(SubItem.code == "1.1", Question.code == "1.1.2"))
        db.session.add(Answer(agency_id=own.id, cycle_id=old.id, question_id=question.id, parts=["ทิศทางปี 2568"]))
        db.session.add(Answer(agency_id=other.id, cycle_id=old.id, question_id=question.id, parts=["คำตอบลับ CO-B"]))
        group = db.session.scalar(select(MetricGroup).where(MetricGroup.code == "7.2.1"))
        db.session.add(ResultMetric(agency_id=own.id, cycle_id=old.id, metric_group_id=group.id, name="ความพึงพอใจ",
                                    unit="ร้อยละ", direction="higher", target=85.0, value_two_years_ago=80.0,
                                    value_last_year=83.0, value_this_year=87.4, formula="ผู้พึงพอใจ ÷ ผู้ตอบ × 100",
                                    data_source="แบบสำรวจ", baseline=78.0, responsible_unit="กองแผน",
                                    process_sub_item="3.2"))
        new = admin_ops.create_cycle(2569, "pmqa-4.0")
        admin_ops.make_current(new)
        db.session.commit()
        return {"agency": own.id, "item": item.id, "question": question.id, "plan": plan.id, "old": old.id,
                "new": new.id, "workspace": f"/agencies/{own.id}/criteria/1/1.1"}


def carry(client, world):
    return client.post(f"/agencies/{world['agency']}/carry-over", data={"csrf_token": client.token})


def test_the_previous_cycles_work_is_carried_once_and_awaits_confirmation(app, world):
    editor = signed_in(app, "co-editor")
    dashboard = editor.get(f"/agencies/{world['agency']}").get_data(as_text=True)
    assert "เริ่มจากข้อมูลปีงบประมาณ พ.ศ. 2568" in dashboard
    response = carry(editor, world)
    assert response.status_code == 302 and response.headers["Location"].endswith("#carry-over")
    message = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "คำตอบ 1 ข้อ หลักฐาน 1 รายการ (รอยืนยัน) ตัวชี้วัดหมวด 7 1 ตัว" in message
    assert "ยืนยันหลักฐานจากปีก่อนทั้งหมด (1)" in message
    with app.app_context():
        answers = db.session.scalars(select(Answer).where(Answer.cycle_id == world["new"])).all()
        assert [(a.parts, a.carried_over) for a in answers] == [(["ทิศทางปี 2568"], True)]  # not CO-B's
        copy = db.session.scalar(select(Evidence).where(Evidence.cycle_id == world["new"]))
        original = db.session.get(Evidence, world["plan"])
        assert (copy.title, copy.carried_from_id, copy.agency_id) == ("แผนยุทธศาสตร์ 2568", original.id, world["agency"])
        assert copy.current_version.sha256 == original.current_version.sha256  # the same stored bytes
        assert [p.text for p in copy.pages] == [p.text for p in original.pages] != []
        assert [(a.checklist_item_id, a.awaiting_confirmation) for a in copy.attachments] == [(world["item"], True)]
        assert world["item"] not in done_item_ids(world["agency"], world["new"], "covered")  # shown, not counted
        waiting = set(db.session.execute(select(OutboxEffect.kind, OutboxEffect.target_id)).tuples())
        assert {("index_answer", answers[0].id), ("index", copy.id)} <= waiting  # searchable in the new cycle
        metric = db.session.scalar(select(ResultMetric).where(ResultMetric.cycle_id == world["new"]))
        assert (metric.value_two_years_ago, metric.value_last_year, metric.value_this_year, metric.target) == (
            83.0, 87.4, None, None)
        # the definition comes along: it describes the metric, not one year's figures
        assert (metric.formula, metric.data_source, metric.baseline, metric.responsible_unit,
                metric.process_sub_item) == ("ผู้พึงพอใจ ÷ ผู้ตอบ × 100", "แบบสำรวจ", 78.0, "กองแผน", "3.2")
        copy_id = copy.id
    page = editor.get(world["workspace"]).get_data(as_text=True)
    assert "จากปีก่อน (ร่าง ตรวจแก้แล้วบันทึก)" in page and "จากปีก่อน รอยืนยัน 1 รายการ" in page
    # Running it again carries nothing new.
    again = carry(editor, world)
    assert "คำตอบ 0 ข้อ หลักฐาน 0 รายการ (รอยืนยัน) ตัวชี้วัดหมวด 7 0 ตัว" in editor.get(again.headers["Location"]).get_data(as_text=True)
    # Confirming the item makes it count; the panel answers.
    confirmed = editor.post(f"/agencies/{world['agency']}/items/{world['item']}/carried/confirm", headers=HX,
                            data={"csrf_token": editor.token})
    assert confirmed.status_code == 200 and "ยืนยันหลักฐานจากปีก่อนของรายการ B1 แล้ว 1 รายการ" in confirmed.get_data(as_text=True)
    assert confirmed.headers["HX-Trigger"] == "coverage-changed"
    with app.app_context():
        assert world["item"] in done_item_ids(world["agency"], world["new"], "covered")
        assert db.session.get(Evidence, copy_id).pages  # searchable text came along
    assert editor.post(f"/agencies/{world['agency']}/carried/confirm", data={"csrf_token": editor.token}).status_code == 422


def test_saving_a_carried_answer_makes_it_this_years(app, world):
    editor = signed_in(app, "co-editor")
    carry(editor, world)
    with app.app_context():
        version = db.session.scalar(select(Answer.version).where(Answer.cycle_id == world["new"]))
    saved = editor.post(f"/agencies/{world['agency']}/questions/{world['question']}", headers=HX,
                        data={"csrf_token": editor.token, "version": str(version), "part": ["ทิศทางปี 2568"]})
    assert saved.status_code == 200  # unchanged text, but confirmed as this year's
    with app.app_context():
        assert db.session.scalar(select(Answer.carried_over).where(Answer.cycle_id == world["new"])) is False


def test_only_the_agencys_editors_carry_over(app, world):
    viewer = signed_in(app, "co-viewer")
    assert carry(viewer, world).status_code == 403
    outsider = signed_in(app, "co-outsider")
    assert carry(outsider, world).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Answer).where(Answer.cycle_id == world["new"])) is None


def test_without_a_previous_cycle_there_is_nothing_to_carry(app):
    with app.app_context():
        agency = make_agency("CO-C")
        make_user("co-first", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        agency_id = agency.id
    editor = signed_in(app, "co-first")
    assert "เริ่มจากข้อมูลปีงบประมาณ" not in editor.get(f"/agencies/{agency_id}").get_data(as_text=True)
    refused = editor.post(f"/agencies/{agency_id}/carry-over", headers=HX, data={"csrf_token": editor.token})
    assert refused.status_code == 422 and "ยังไม่มีรอบการประเมินก่อนหน้า" in refused.get_data(as_text=True)
