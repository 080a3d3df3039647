"""Dashboard, workspace level box, overview, item comparison and export on a seeded agency:
the figures on the pages are the ones the pure rules give, and nothing crosses agencies."""
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from portal.admin import operations as admin_ops
from portal.coverage.levels import sub_item_outcome
from portal.coverage.queries import process_categories
from portal.coverage.scoring import scoring_rules
from portal.extensions import db
from portal.models import (
    ChecklistItem,
    Comment,
    CommentThread,
    Evidence,
    EvidenceAttachment,
    ItemReview,
    SubItem,
)
from tests.helpers import login, make_agency, make_user, stored_text_evidence


def items_of(sub_item_code: str) -> list[ChecklistItem]:
    return list(db.session.scalars(select(ChecklistItem).join(SubItem)
                                   .where(SubItem.code == sub_item_code).order_by(ChecklistItem.position)))


@pytest.fixture
def seeded(app):
    """Agency A: 1.1 fully covered at Basic with one Advance item, 1.2 one Basic item short.
    Agency B (a province) covers everything of 1.1. A reviewer accepted one item of A."""
    with app.app_context():
        a, b = make_agency("COV-A", name="กรมทดสอบความครอบคลุม"), make_agency("COV-B", kind="province")
        editor = make_user("cov-editor", ("agency_editor", a))
        make_user("cov-viewer", ("agency_viewer", a))
        other = make_user("cov-other", ("agency_editor", b))
        make_user("cov-assessor", ("assessor", None))
        reviewer = make_user("cov-reviewer", ("reviewer", a))
        cycle = admin_ops.create_cycle(2569, "pmqa-4.0")
        admin_ops.make_current(cycle)
        db.session.commit()
        basic_11 = [i for i in items_of("1.1") if i.level == "basic"]
        advance_11 = [i for i in items_of("1.1") if i.level == "advance"]
        basic_12 = [i for i in items_of("1.2") if i.level == "basic"]
        plan = stored_text_evidence(a, basic_11[0], editor, "แผนปฏิบัติราชการ <script>alert(1)</script>")
        for item in basic_11[1:] + advance_11[:1] + basic_12[:-1]:
            plan.attachments.append(EvidenceAttachment(checklist_item=item))
        deleted = stored_text_evidence(a, basic_12[-1], editor, "หลักฐานที่ถูกลบ")
        deleted.deleted_at = deleted.created_at  # a deleted evidence covers nothing
        secret = stored_text_evidence(b, None, other, "หลักฐานลับของจังหวัด")
        for item in items_of("1.1"):
            secret.attachments.append(EvidenceAttachment(checklist_item=item))
        db.session.add(ItemReview(agency=a, cycle=cycle, checklist_item=basic_11[0], status="accepted",
                                  updated_by=reviewer))
        shared = CommentThread(agency=a, cycle=cycle, checklist_item=basic_11[0], visibility="shared")
        shared.comments.append(Comment(author=reviewer, body="เอกสารครบถ้วน ขอบคุณครับ"))
        internal = CommentThread(agency=a, cycle=cycle, checklist_item=basic_11[0], visibility="internal")
        internal.comments.append(Comment(author=reviewer, body="บันทึกภายในผู้ตรวจเท่านั้น"))
        db.session.add_all([shared, internal])
        db.session.commit()
        return {"a": a.id, "b": b.id, "item_b1": basic_11[0].id, "advance": advance_11[1].id,
                "basic_12_missing": basic_12[-1].id}


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def expected_outcome(app, sub_item_code: str, done_ids: set[int]):
    with app.app_context():
        sub = next(s for c in process_categories("pmqa-4.0") for s in c.sub_items if s.code == sub_item_code)
        return sub_item_outcome(sub.items, done_ids, scoring_rules().process_points)


def covered_ids(app, agency_id):
    with app.app_context():
        return set(db.session.scalars(
            select(EvidenceAttachment.checklist_item_id).join(Evidence)
            .where(Evidence.agency_id == agency_id, Evidence.deleted_at.is_(None))))


def sub_item_row(html: str, code: str) -> str:
    return re.search(rf'<tr id="sub-item-{re.escape(code)}">(.*?)</tr>', html, re.S).group(1)


def test_dashboard_shows_the_rules_figures(app, seeded):
    client = signed_in(app, "cov-viewer")
    html = client.get(f"/agencies/{seeded['a']}").get_data(as_text=True)
    done = covered_ids(app, seeded["a"])
    for code in ("1.1", "1.2", "1.3"):
        outcome = expected_outcome(app, code, done)
        row = sub_item_row(html, code)
        assert f"{outcome.points} คะแนน" in row
        for tally in outcome.tallies:
            assert f"{tally.done}/{tally.total}" in row
    assert "พื้นฐาน (Basic) · 300 คะแนน" in sub_item_row(html, "1.1")
    assert "ยังไม่ถึงระดับพื้นฐาน · 0 คะแนน" in sub_item_row(html, "1.2")
    # The deleted evidence's item is the gap that keeps 1.2 below Basic, linked straight to it.
    assert f"#item-{seeded['basic_12_missing']}" in sub_item_row(html, "1.2")
    assert "คำนวณโดยระบบ" in html
    # Category 1 takes its lowest sub-item.
    assert re.search(r'หมวด 1 .*?ยังไม่ถึงระดับพื้นฐาน · 0 คะแนน', html, re.S)


def test_accepted_view_counts_only_accepted_items(app, seeded):
    client = signed_in(app, "cov-viewer")
    response = client.get(f"/agencies/{seeded['a']}?view=accepted", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="dashboard">')
    outcome = expected_outcome(app, "1.1", {seeded["item_b1"]})
    assert f"{outcome.tallies[0].done}/{outcome.tallies[0].total}" in sub_item_row(html, "1.1")
    assert "ยังไม่ถึงระดับพื้นฐาน" in sub_item_row(html, "1.1")


def test_unknown_view_is_refused(app, seeded):
    response = signed_in(app, "cov-viewer").get(f"/agencies/{seeded['a']}?view=everything")
    assert response.status_code == 422 and "มุมมองไม่ถูกต้อง" in response.get_data(as_text=True)


def test_dashboard_query_count_does_not_grow_with_evidence(app, seeded):
    client = signed_in(app, "cov-viewer")
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(f"/agencies/{seeded['a']}")
        before = len(statements)
        with app.app_context():
            from portal.models import Agency, User
            agency = db.session.get(Agency, seeded["a"])
            user = db.session.scalar(select(User).where(User.username == "cov-editor"))
            for n in range(15):
                stored_text_evidence(agency, db.session.get(ChecklistItem, seeded["advance"]), user, f"เพิ่ม {n}")
        statements.clear()
        client.get(f"/agencies/{seeded['a']}")
        assert len(statements) == before
        assert before <= 19  # one counts the answered questions of every sub-item, one reads the open submission,
        # one whether the assessment feedback is published (the dashboard card)
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_workspace_level_box_and_refresh_signal(app, seeded):
    client = signed_in(app, "cov-editor")
    page = client.get(f"/agencies/{seeded['a']}/criteria/1/1.1").get_data(as_text=True)
    assert 'id="sub-item-summary"' in page and 'hx-trigger="coverage-changed from:body"' in page
    summary = client.get(f"/agencies/{seeded['a']}/criteria/1/1.1/summary", headers={"HX-Request": "true"})
    assert summary.status_code == 200 and "พื้นฐาน (Basic) · 300 คะแนน" in summary.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/agencies/{seeded['a']}/items/{seeded['advance']}/links",
                           data={"url": "https://example.go.th/plan", "title": "แผนงาน", "csrf_token": token},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "coverage-changed"
    assert client.get(f"/agencies/{seeded['a']}/criteria/1/9.9/summary").status_code == 404


def test_overview_for_assessors_filters_and_sorts(app, seeded):
    client = signed_in(app, "cov-assessor")
    html = client.get("/overview?sort=1&order=desc").get_data(as_text=True)
    assert html.index("COV-B") < html.index("COV-A")  # B covers all of 1.1 but is below Basic elsewhere
    html = client.get("/overview?kind=province", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "COV-B" in html and "COV-A" not in html and html.lstrip().startswith('<div id="overview-table">')
    html = client.get("/overview?q=ความครอบคลุม").get_data(as_text=True)
    assert "COV-A" in html and "COV-B" not in html
    assert client.get("/overview?sort=evil").status_code == 422
    assert client.get("/overview?kind=moon").status_code == 422
    assert signed_in(app, "cov-editor").get("/overview").status_code == 403


def test_no_total_of_categories_1_to_6_is_shown_or_sorted_by(app, seeded):
    """The guide defines no total of categories 1–6: neither page sums them, and the old
    "คะแนนรวม" sort answers 422 in Thai."""
    html = signed_in(app, "cov-assessor").get("/overview").get_data(as_text=True)
    assert "คะแนนรวม" not in html and "sort=points" not in html and "คำนวณโดยระบบ" in html
    refused = signed_in(app, "cov-assessor").get("/overview?sort=points")
    assert refused.status_code == 422 and "คู่มือไม่ได้กำหนดคะแนนรวม" in refused.get_data(as_text=True)
    dashboard = signed_in(app, "cov-editor").get(f"/agencies/{seeded['a']}").get_data(as_text=True)
    assert "1–6 รวม" not in dashboard and "total-points" not in dashboard and "คำนวณโดยระบบ" in dashboard


def test_item_across_agencies(app, seeded):
    client = signed_in(app, "cov-assessor")
    html = client.get(f"/overview/items/{seeded['item_b1']}").get_data(as_text=True)
    assert "มีหลักฐาน 2 จาก" in html
    assert "หลักฐานลับของจังหวัด" in html and "แผนปฏิบัติราชการ" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "ผ่านการพิจารณา" in html
    assert client.get("/overview/items/999999").status_code == 404
    assert signed_in(app, "cov-reviewer").get(f"/overview/items/{seeded['item_b1']}").status_code == 403


def test_export_workbook_holds_the_dashboard_figures(app, seeded):
    client = signed_in(app, "cov-editor")
    response = client.get(f"/agencies/{seeded['a']}/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    summary = {row[0]: row for row in workbook["สรุประดับ"].iter_rows(min_row=2, values_only=True) if row[0]}
    done = covered_ids(app, seeded["a"])
    outcome = expected_outcome(app, "1.1", done)
    assert summary["1.1"][4] == outcome.points and summary["1.1"][6:8] == (outcome.done, outcome.total)
    assert summary["1.1"][5] == 0  # accepted view: one accepted item is not Basic
    assert summary["หมวด 1"][4] == 0
    rows = list(workbook["รายการตรวจสอบ"].iter_rows(min_row=2, values_only=True))
    department = {"department", "service_unit"}  # agency A: the province-only items are not its
    assert len(rows) == sum(len(s.items_for(department)) for c in process_categories_in(app) for s in c.sub_items)
    assert not [r for r in rows if (r[1], r[2]) in {("2.3", "S4"), ("2.4", "A4")}]
    b1 = next(r for r in rows if r[1] == "1.1" and r[2] == "B1")
    assert b1[5] == "มี" and "แผนปฏิบัติราชการ" in b1[7] and b1[8] == "ผ่านการพิจารณา"
    assert "เอกสารครบถ้วน" in b1[9]
    text = repr(rows)
    assert "บันทึกภายใน" not in text and "หลักฐานลับของจังหวัด" not in text and "หลักฐานที่ถูกลบ" not in text


def process_categories_in(app):
    with app.app_context():
        return process_categories("pmqa-4.0")


def test_report_page_and_other_agency(app, seeded):
    client = signed_in(app, "cov-viewer")
    html = client.get(f"/agencies/{seeded['a']}/report").get_data(as_text=True)
    assert "รายงานผลการดำเนินการตามเกณฑ์ PMQA 4.0" in html and "เอกสารครบถ้วน" in html
    assert "บันทึกภายใน" not in html and "&lt;script&gt;" in html
    for path in ("", "/report", "/export.xlsx", "/criteria/1/1.1/summary"):
        assert client.get(f"/agencies/{seeded['b']}{path}").status_code == 404


def test_criteria_page_links_assessors_to_the_item_comparison(app, seeded):
    link = f'/overview/items/{seeded["item_b1"]}"'
    assert link in signed_in(app, "cov-assessor").get("/criteria/1/1.1").get_data(as_text=True)
    assert link not in signed_in(app, "cov-editor").get("/criteria/1/1.1").get_data(as_text=True)


def test_dashboard_and_export_carry_category_7(app, seeded):
    from portal.models import Agency, AssessmentCycle, MetricGroup, ResultMetric

    with app.app_context():
        agency = db.session.get(Agency, seeded["a"])
        cycle = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current))
        group = db.session.scalar(select(MetricGroup).where(MetricGroup.code == "7.2.1"))
        db.session.add(ResultMetric(agency=agency, cycle=cycle, group=group, name="ร้อยละความพึงพอใจผู้รับบริการ",
                                    unit="ร้อยละ", direction="higher", target=80, value_two_years_ago=70,
                                    value_last_year=75, value_this_year=90))
        db.session.commit()
    client = signed_in(app, "cov-viewer")
    html = client.get(f"/agencies/{seeded['a']}").get_data(as_text=True)
    row = re.search(r'<tr id="dimension-7.2">(.*?)</tr>', html, re.S).group(1)
    assert 'level-significance' in row and ">500<" in row  # 90 beats 80 by 12.5 %
    workbook = load_workbook(io.BytesIO(client.get(f"/agencies/{seeded['a']}/export.xlsx").data))
    rows = list(workbook["หมวด 7 ผลลัพธ์"].iter_rows(min_row=2, values_only=True))
    metric = next(r for r in rows if r[2] == "ร้อยละความพึงพอใจผู้รับบริการ")
    assert metric[:2] == ("7.2", "7.2.1") and metric[9] == 12.5 and metric[11] == 500
    assert any(r and r[0] == "ข้อควรแก้ตามเงื่อนไขการรายงาน" for r in rows)  # e.g. mandatory groups missing


def test_report_page_shows_category_7(app, seeded):
    from portal.models import Agency, AssessmentCycle, MetricGroup, ResultMetric

    with app.app_context():
        cycle = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current))
        group = db.session.scalar(select(MetricGroup).where(MetricGroup.code == "7.6.1"))
        db.session.add(ResultMetric(agency=db.session.get(Agency, seeded["a"]), cycle=cycle, group=group,
                                    name="ต้นทุนต่อคำขอ", unit="บาท", direction="lower", target=1000,
                                    value_two_years_ago=1200, value_last_year=1100, value_this_year=960))
        db.session.commit()
    html = signed_in(app, "cov-viewer").get(f"/agencies/{seeded['a']}/report").get_data(as_text=True)
    section = html[html.index("หมวด 7 ผลลัพธ์การดำเนินการ"):]
    assert "ต้นทุนต่อคำขอ (บาท)" in section and "ยิ่งน้อยยิ่งดี" in section
    assert "+4.00%" in section and "พื้นฐาน (Basic) · 300 คะแนน" in section  # 960 beats 1000 by 4 %
    assert "<th scope=\"col\">2567</th>" in section



@pytest.fixture
def province_only(app):
    """A department and a province, each with evidence on every item of 2.3 except the
    province-only S4; the department also attached evidence to S4 (it counts for nothing)."""
    with app.app_context():
        department = make_agency("PRV-D", name="กรมทดสอบรายการจังหวัด")
        province = make_agency("PRV-P", name="จังหวัดทดสอบรายการจังหวัด", kind="province", unit_type="policy")
        make_user("prv-assessor", ("assessor", None))
        make_user("prv-dept", ("agency_viewer", department))
        make_user("prv-prov", ("agency_viewer", province))
        editor = make_user("prv-editor", ("agency_editor", department))
        cycle = admin_ops.create_cycle(2569, "pmqa-4.0")
        admin_ops.make_current(cycle)
        db.session.commit()
        items = items_of("2.3")
        s4 = next(i for i in items if i.code == "S4")
        for agency in (department, province):
            evidence = stored_text_evidence(agency, items[0], editor, f"แผนปฏิบัติการของ {agency.code}")
            for item in items[1:]:
                if item is not s4:
                    evidence.attachments.append(EvidenceAttachment(checklist_item=item))
        stored_text_evidence(department, s4, editor, "หลักฐานรายการของจังหวัด")
        db.session.commit()
        return {"department": department.id, "province": province.id, "s4": s4.id}


def test_a_province_only_item_does_not_lower_a_departments_level(app, province_only):
    department = signed_in(app, "prv-dept").get(f"/agencies/{province_only['department']}").get_data(as_text=True)
    row = sub_item_row(department, "2.3")
    assert "เกิดผล (Significance) · 500 คะแนน" in row and "ครบทุกระดับ" in row
    assert "5/5" in row and "5/6" not in row  # Significance: S1–S3, RS1–RS2 (S4 is not the department's)
    assert f"#item-{province_only['s4']}" not in department
    province = signed_in(app, "prv-prov").get(f"/agencies/{province_only['province']}").get_data(as_text=True)
    row = sub_item_row(province, "2.3")
    assert "ก้าวหน้า (Advance) · 400 คะแนน" in row and "5/6" in row
    assert f"#item-{province_only['s4']}" in row  # the province's one gap, linked


def test_the_workspace_level_box_leaves_out_items_of_other_agency_types(app, province_only):
    client = signed_in(app, "prv-dept")
    box = client.get(f"/agencies/{province_only['department']}/criteria/2/2.3/summary",
                     headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "เกิดผล (Significance) · 500 คะแนน" in box


def test_overview_counts_a_province_only_item_for_provinces_only(app, province_only):
    html = signed_in(app, "prv-assessor").get("/overview?q=รายการจังหวัด").get_data(as_text=True)

    def category_2(name):
        row = re.search(rf"{name}.*?</tr>", html, re.S).group(0)
        return re.findall(r'<td class="heat level-([a-z_]+)"><a [^>]*><b>(\d+)</b> <small>(\d+)%</small>', row)[1]

    with app.app_context():
        total = {tags: sum(len(s.items_for(tags_set)) for c in process_categories("pmqa-4.0") if c.code == "2"
                           for s in c.sub_items)
                 for tags, tags_set in (("department", {"department", "service_unit"}),
                                        ("province", {"province", "policy_unit"}))}
        done = len(items_of("2.3")) - 1
    # The department's S4 evidence is not counted and S4 and 2.4-A4 are not in its total.
    assert category_2("กรมทดสอบรายการจังหวัด") == ("below_basic", "0", str(done * 100 // total["department"]))
    assert category_2("จังหวัดทดสอบรายการจังหวัด") == ("below_basic", "0", str(done * 100 // total["province"]))
    assert total["province"] == total["department"] + 2


def test_the_item_comparison_lists_only_the_agencies_the_item_is_for(app, province_only):
    client = signed_in(app, "prv-assessor")
    html = client.get(f"/overview/items/{province_only['s4']}").get_data(as_text=True)
    assert "จังหวัดทดสอบรายการจังหวัด" in html and "กรมทดสอบรายการจังหวัด" not in html
    assert "เฉพาะจังหวัด" in html
    assert "หลักฐานรายการของจังหวัด" not in html
    html = client.get(f"/overview/items/{province_only['s4']}?kind=department").get_data(as_text=True)
    assert "กรมทดสอบรายการจังหวัด" not in html and "ไม่มีส่วนราชการประเภทนี้" in html


def test_export_and_report_of_a_department_leave_the_province_items_out(app, province_only):
    client = signed_in(app, "prv-dept")
    workbook = load_workbook(io.BytesIO(client.get(f"/agencies/{province_only['department']}/export.xlsx").data))
    summary = {row[0]: row for row in workbook["สรุประดับ"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert summary["2.3"][2] == "เกิดผล (Significance)" and summary["2.3"][4] == 500
    assert summary["2.3"][6:8] == (len(items_of_in(app, "2.3")) - 1, len(items_of_in(app, "2.3")) - 1)
    rows = list(workbook["รายการตรวจสอบ"].iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows if r[1] == "2.3"] == [i.code for i in items_of_in(app, "2.3") if i.code != "S4"]
    assert "หลักฐานรายการของจังหวัด" not in repr(rows)
    report = client.get(f"/agencies/{province_only['department']}/report").get_data(as_text=True)
    assert "2.3-S3" in report and "2.3-S4" not in report and "2.4-A4" not in report
    province = signed_in(app, "prv-prov").get(f"/agencies/{province_only['province']}/report").get_data(as_text=True)
    assert "2.3-S4" in province and "2.4-A4" in province


def items_of_in(app, code):
    with app.app_context():
        return items_of(code)
