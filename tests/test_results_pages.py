"""Category 7 results page: editors add, edit and delete metrics inline; invalid input
answers 422 with Thai messages and stores nothing; other agencies get 404, readers 403."""
import re

import pytest
from sqlalchemy import func, select

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import AuditEvent, MetricGroup, ResultMetric
from portal.results.queries import agency_results_summary
from tests.helpers import csrf_token, form_version, login, make_agency, make_user, stored_text_evidence

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    with app.app_context():
        agency = make_agency("RES-A", "กรมทดสอบผลลัพธ์")
        other = make_agency("RES-B", "จังหวัดทดสอบ", kind="province")
        editor = make_user("res-editor", ("agency_editor", agency))
        make_user("res-viewer", ("agency_viewer", agency))
        make_user("res-other", ("agency_editor", other))
        cycle = admin_ops.create_cycle(2569, "pmqa-4.0")
        admin_ops.make_current(cycle)
        db.session.commit()
        evidence = stored_text_evidence(agency, None, editor, "รายงานผลการสำรวจความพึงพอใจ 2569")
        groups = {g.code: g.id for g in db.session.scalars(select(MetricGroup))}
        return {"agency_id": agency.id, "other_id": other.id, "groups": groups,
                "evidence_id": evidence.id, "cycle_id": cycle.id}


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client, csrf_token(client, "/")


def metric_form(group_id, **values):
    data = {"group_id": str(group_id), "name": "ร้อยละความพึงพอใจของผู้รับบริการ", "unit": "ร้อยละ",
            "direction": "higher", "target": "85", "value_two_years_ago": "80",
            "value_last_year": "82", "value_this_year": "๙๒.๕"}
    data.update(values)
    return data


def add(client, token, world, group="7.2.1", **values):
    data = metric_form(world["groups"][group], **values)
    return client.post(f"/agencies/{world['agency_id']}/results", data=data,
                       headers={**HX, "X-CSRFToken": token})


def stored(app):
    with app.app_context():
        return list(db.session.scalars(select(ResultMetric).order_by(ResultMetric.id)))  # in the order added


def test_editor_adds_a_metric_and_sees_its_level_in_the_row(app, world):
    client, token = signed_in(app, "res-editor")
    response = add(client, token, world, evidence_ids=str(world["evidence_id"]))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    [metric] = stored(app)
    assert (metric.target, metric.value_this_year, metric.direction) == (85, 92.5, "higher")
    # (92.5 − 85) / 85 = 8.82 % → Advance, 400 points
    assert f'id="metric-{metric.id}"' in body and "+8.82 %" in body
    assert "Advance" in body and "400 คะแนน" in body
    assert "<svg" in body and 'stroke-dasharray' in body
    assert "รายงานผลการสำรวจความพึงพอใจ 2569" in body
    assert 'hx-swap-oob="true"' in body  # the problem lists are refreshed too
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "result_metric_created"))
        assert event.object_id == metric.id and event.details["group"] == "7.2.1"


def test_page_shows_years_in_buddhist_era_and_report_problems(app, world):
    client, token = signed_in(app, "res-editor")
    add(client, token, world, value_two_years_ago="", target="80")
    page = client.get(f"/agencies/{world['agency_id']}/results").get_data(as_text=True)
    for year in ("2567", "2568", "2569"):
        assert f"<th scope=\"col\">{year}</th>" in page
    assert "ยังไม่มีผลปี 2567" in page
    assert "กลุ่ม 7.1.1" in page and "ต้องรายงาน 2–3 ตัววัด" in page
    assert "ระดับความพร้อมรัฐบาลดิจิทัล" in page  # the department's mandatory indicator
    assert "คำนวณโดยระบบ" in page


def test_invalid_input_answers_422_with_thai_messages_and_keeps_the_input(app, world):
    client, token = signed_in(app, "res-editor")
    response = add(client, token, world, name="  ", target="แปดสิบ", value_last_year="1,2",
                   direction="sideways")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "กรุณากรอกชื่อตัววัด" in body and "ไม่ใช่ตัวเลข" in body and "กรุณาเลือกทิศทาง" in body
    assert 'value="แปดสิบ"' in body and 'value="1,2"' in body
    assert f'id="new-metric-{world["groups"]["7.2.1"]}"' in body
    assert stored(app) == []


def test_another_agencys_evidence_cannot_be_linked(app, world):
    with app.app_context():
        from portal.models import Agency, User

        other = db.session.get(Agency, world["other_id"])
        outsider = db.session.scalar(select(User).where(User.username == "res-other"))
        foreign = stored_text_evidence(other, None, outsider, "หลักฐานของจังหวัด").id
    client, token = signed_in(app, "res-editor")
    response = add(client, token, world, evidence_ids=str(foreign))
    assert response.status_code == 422 and stored(app) == []


def test_editor_edits_and_deletes_a_metric(app, world):
    client, token = signed_in(app, "res-editor")
    add(client, token, world)
    [metric] = stored(app)
    base = f"/agencies/{world['agency_id']}/results/{metric.id}"
    form = client.get(f"{base}/edit", headers=HX).get_data(as_text=True)
    assert 'value="92.5"' in form and "ยกเลิก" in form
    edited = metric_form(world["groups"]["7.2.1"], direction="lower", target="20",
                         value_two_years_ago="25", value_last_year="23", value_this_year="21",
                         unit="วัน", name="ระยะเวลาให้บริการเฉลี่ย")
    edited["version"] = form_version(client, f"{base}/edit", base, HX)
    response = client.post(base, data=edited, headers={**HX, "X-CSRFToken": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ระยะเวลาให้บริการเฉลี่ย" in body and "-5 %" in body and "ไม่ถึงเป้าหมาย" in body
    [metric] = stored(app)
    assert (metric.direction, metric.value_this_year) == ("lower", 21)

    edited["version"] = form_version(client, f"{base}/edit", base, HX)
    bad = client.post(base, data={**edited, "value_this_year": "abc"}, headers={**HX, "X-CSRFToken": token})
    assert bad.status_code == 422 and 'value="abc"' in bad.get_data(as_text=True)
    assert stored(app)[0].value_this_year == 21

    response = client.post(f"{base}/delete", headers={**HX, "X-CSRFToken": token})
    assert response.status_code == 200 and 'id="results-overview"' in response.get_data(as_text=True)
    assert stored(app) == []
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"result_metric_updated", "result_metric_deleted"} <= actions


def test_without_htmx_a_change_redirects_back_to_the_page(app, world):
    client, token = signed_in(app, "res-editor")
    data = {**metric_form(world["groups"]["7.2.1"]), "csrf_token": token}
    response = client.post(f"/agencies/{world['agency_id']}/results", data=data)
    assert response.status_code == 302 and "/results#metric-" in response.headers["Location"]
    refused = client.post(f"/agencies/{world['agency_id']}/results", data={**data, "target": "x"})
    assert refused.status_code == 422 and "<html" in refused.get_data(as_text=True)
    assert 'value="x"' in refused.get_data(as_text=True)
    [metric] = stored(app)
    edit_page = client.get(f"/agencies/{world['agency_id']}/results/{metric.id}/edit")
    assert edit_page.status_code == 200 and "<html" in edit_page.get_data(as_text=True)
    assert 'class="editing"' in edit_page.get_data(as_text=True)


def test_viewer_reads_but_cannot_write(app, world):
    editor, token = signed_in(app, "res-editor")
    add(editor, token, world)
    [metric] = stored(app)
    client, token = signed_in(app, "res-viewer")
    page = client.get(f"/agencies/{world['agency_id']}/results")
    assert page.status_code == 200 and "ร้อยละความพึงพอใจของผู้รับบริการ" in page.get_data(as_text=True)
    assert "เพิ่มตัววัด" not in page.get_data(as_text=True)
    assert add(client, token, world).status_code == 403
    base = f"/agencies/{world['agency_id']}/results/{metric.id}"
    assert client.post(base, data=metric_form(1), headers={**HX, "X-CSRFToken": token}).status_code == 403
    assert client.post(f"{base}/delete", headers={**HX, "X-CSRFToken": token}).status_code == 403
    assert len(stored(app)) == 1


def test_another_agencys_user_gets_404(app, world):
    editor, token = signed_in(app, "res-editor")
    add(editor, token, world)
    [metric] = stored(app)
    client, token = signed_in(app, "res-other")
    base = f"/agencies/{world['agency_id']}/results"
    assert client.get(base).status_code == 404
    assert add(client, token, world).status_code == 404
    # their own agency id with agency A's metric id: still not found
    own = f"/agencies/{world['other_id']}/results/{metric.id}"
    assert client.get(f"{own}/edit", headers=HX).status_code == 404
    assert client.post(f"{own}/delete", headers={**HX, "X-CSRFToken": token}).status_code == 404
    assert len(stored(app)) == 1


def test_summary_for_the_dashboard(app, world):
    client, token = signed_in(app, "res-editor")
    add(client, token, world)                                          # +8.82 % → 400
    add(client, token, world, name="ร้อยละเรื่องร้องเรียนที่ยุติ", value_this_year="86")  # +1.18 % → 300
    with app.app_context():
        summary = agency_results_summary(world["agency_id"], world["cycle_id"])
        stored_count = db.session.scalar(select(func.count()).select_from(ResultMetric))
    assert stored_count == 2
    dims = {d["code"]: d for d in summary["dimensions"]}
    assert list(dims) == ["7.1", "7.2", "7.3", "7.4", "7.5", "7.6"]
    assert dims["7.2"]["metrics_count"] == 2 and dims["7.2"]["average_points"] == 350
    assert sorted(m["points"] for m in dims["7.2"]["metrics"]) == [300, 400]
    assert dims["7.1"]["metrics_count"] == 0 and dims["7.1"]["average_points"] is None
    assert dims["7.1"]["problems_count"] >= 1  # the mission group is empty
    assert summary["problems_count"] == sum(d["problems_count"] for d in summary["dimensions"])


def test_a_metric_reported_twice_is_left_out_of_the_average(app, world):
    client, token = signed_in(app, "res-editor")
    add(client, token, world)                                          # 400 in 7.2.1
    add(client, token, world, group="7.2.3",                          # same name again: 300
        name="ร้อยละความพึงพอใจของผู้รับบริการ ", value_this_year="86")
    with app.app_context():
        summary = agency_results_summary(world["agency_id"], world["cycle_id"])
    dim = next(d for d in summary["dimensions"] if d["code"] == "7.2")
    assert [m["counted"] for m in dim["metrics"]] == [True, False]
    assert dim["average_points"] == 400
    page = client.get(f"/agencies/{world['agency_id']}/results").get_data(as_text=True)
    assert "ตัววัดซ้ำกับ “ร้อยละความพึงพอใจของผู้รับบริการ” (กลุ่ม 7.2.1" in page


# the guide's category 7 conditions on the page, and the metric's definition -----------------

def test_page_flags_duplicates_on_both_metrics_and_shows_the_category_7_score(app, world):
    client, token = signed_in(app, "res-editor")
    add(client, token, world)                                    # 85 → 92.5: Advance 400
    add(client, token, world, group="7.6.1", unit="คะแนน",       # the same three years, another unit
        name="ระดับความพอใจของผู้ใช้บริการ")
    add(client, token, world, group="7.3.1", name="ร้อยละของบุคลากรที่ผ่านการอบรม",
        target="80", value_two_years_ago="70", value_last_year="90", value_this_year="95")  # mean 80: 0
    first, again, easy = stored(app)
    page = client.get(f"/agencies/{world['agency_id']}/results").get_data(as_text=True)
    assert "ตัววัดซ้ำกับ “ระดับความพอใจของผู้ใช้บริการ” (กลุ่ม 7.6.1" in row_html(page, first.id)
    assert "นับคะแนนเฉพาะตัวนี้" in row_html(page, first.id)
    assert "ตัววัดซ้ำกับ “ร้อยละความพึงพอใจของผู้รับบริการ” (กลุ่ม 7.2.1" in row_html(page, again.id)
    assert "เปลี่ยนหน่วยวัด" in row_html(page, again.id) and "ไม่พิจารณาให้คะแนน" in row_html(page, again.id)
    assert "0 คะแนน" in row_html(page, easy.id) and "เป้าหมายท้าทาย" in row_html(page, easy.id)
    # (400 + 0) / 2, the duplicate left out: 200, below Basic
    score = page.split('id="category-7-score"')[1].split("</p>")[0]
    assert "คำนวณโดยระบบ" in score and "200" in score and "ต่ำกว่า Basic" in score
    assert "ตัววัด 2 ตัว" in score
    with app.app_context():
        summary = agency_results_summary(world["agency_id"], world["cycle_id"])
    assert summary["category"] == {"points": 200, "level": "below_basic", "counted": 2}


def row_html(page: str, metric_id: int) -> str:
    return page.split(f'id="metric-{metric_id}"')[1].split("</tr>")[0]


def definition(**values):
    return {"formula": "(ผู้ตอบพึงพอใจ ÷ ผู้ตอบทั้งหมด) × 100", "data_source": "แบบสำรวจประจำปี",
            "baseline": "๗๘.๕", "responsible_unit": "กองยุทธศาสตร์และแผนงาน", "process_sub_item": " ๓.๒ ",
            **values}


def test_the_metric_definition_is_edited_shown_and_reported(app, world):
    client, token = signed_in(app, "res-editor")
    add(client, token, world)
    [metric] = stored(app)
    base = f"/agencies/{world['agency_id']}/results/{metric.id}"
    data = {**metric_form(world["groups"]["7.2.1"]), **definition(),
            "version": form_version(client, f"{base}/edit", base, HX)}
    response = client.post(base, data=data, headers={**HX, "X-CSRFToken": token})
    assert response.status_code == 200
    [metric] = stored(app)
    assert (metric.formula, metric.baseline, metric.process_sub_item) == (
        "(ผู้ตอบพึงพอใจ ÷ ผู้ตอบทั้งหมด) × 100", 78.5, "3.2")
    assert metric.data_source == "แบบสำรวจประจำปี" and metric.responsible_unit == "กองยุทธศาสตร์และแผนงาน"
    page = client.get(f"/agencies/{world['agency_id']}/results").get_data(as_text=True)
    row = row_html(page, metric.id)
    for text in ("สูตรคำนวณ", "แบบสำรวจประจำปี", "ค่าฐาน", "78.5", "หน่วยงานที่รับผิดชอบ", "3.2"):
        assert text in row
    form = client.get(f"{base}/edit", headers=HX).get_data(as_text=True)
    assert 'value="78.5"' in form and 'value="3.2"' in form and "แบบสำรวจประจำปี</textarea>" in form
    with app.app_context():
        from portal.models import Agency, AssessmentCycle
        from portal.reports.content import draft

        report = draft(db.session.get(Agency, world["agency_id"]), db.session.get(AssessmentCycle, world["cycle_id"]))
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "result_metric_updated")).all()[-1]
    [entry] = report.metrics
    assert (entry.formula, entry.baseline, entry.process_sub_item) == (metric.formula, 78.5, "3.2")
    assert event.details["changes"]["process_sub_item"] == {"from": "", "to": "3.2"}


def test_bad_definition_answers_422_at_the_field_and_keeps_the_input(app, world):
    client, token = signed_in(app, "res-editor")
    add(client, token, world)
    [metric] = stored(app)
    base = f"/agencies/{world['agency_id']}/results/{metric.id}"
    data = {**metric_form(world["groups"]["7.2.1"]), **definition(baseline="ประมาณแปดสิบ", process_sub_item="9.9"),
            "version": form_version(client, f"{base}/edit", base, HX)}
    response = client.post(base, data=data, headers={**HX, "X-CSRFToken": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    # The message's id is the input's id + "-error", which the input points at.
    assert re.search(r'aria-describedby="(m\d+-baseline-error)".*id="\1" role="alert">ค่าฐาน “ประมาณแปดสิบ” ไม่ใช่ตัวเลข', body, re.S)
    assert re.search(r'id="m\d+-process_sub_item-error" role="alert">ไม่พบหัวข้อ “9.9” ในหมวด 1–6', body)
    assert 'value="ประมาณแปดสิบ"' in body and 'value="9.9"' in body
    assert "แบบสำรวจประจำปี</textarea>" in body  # the valid fields are kept too
    # a category 7 code is not a process sub-item; on the add form too
    added = add(client, token, world, name="ตัววัดใหม่", **definition(process_sub_item="7.1"))
    assert added.status_code == 422 and "ไม่พบหัวข้อ “7.1”" in added.get_data(as_text=True)
    assert [m.baseline for m in stored(app)] == [None]


def test_another_agencys_metric_ids_answer_404_for_the_definition_too(app, world):
    editor, token = signed_in(app, "res-editor")
    add(editor, token, world)
    [metric] = stored(app)
    client, token = signed_in(app, "res-other")
    for agency_id in (world["agency_id"], world["other_id"]):
        base = f"/agencies/{agency_id}/results/{metric.id}"
        assert client.get(base, headers=HX).status_code == 404
        data = {**metric_form(world["groups"]["7.2.1"]), **definition(), "version": "1"}
        assert client.post(base, data=data, headers={**HX, "X-CSRFToken": token}).status_code == 404
    assert stored(app)[0].formula == ""
