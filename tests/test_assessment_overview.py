"""The assessment overview (issue 16 item 7): where every agency's assessment stands,
counted right on a handmade dataset, filtered, for assessors and admins only."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.assessment import teams
from portal.assessment.overview import codes_to_judge
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, Submission
from portal.models.assessment import AssessmentState, Judgement
from tests.helpers import make_agency, make_user, signed_in


def judge(cycle, agency, code, level, assessor=None):
    scope = "sub_item" if "." in code else "category"
    db.session.add(Judgement(cycle_id=cycle.id, agency_id=agency.id, scope=scope, code=code,
                             assessor_id=assessor.id if assessor else None, level=level))


@pytest.fixture
def world(app):
    """A: team of two (lead one), submitted, one judged 3 codes (one without a level), the
    other 1; consensus on 2 codes and category 1. B: team of one (me), consensus done. C:
    published, province. D: no team, not submitted."""
    with app.app_context():
        a, b = make_agency("OV-A", "กรมเอการประเมิน"), make_agency("OV-B", "กรมบีการประเมิน")
        c, d = make_agency("OV-C", "จังหวัดซี", kind="province"), make_agency("OV-D", "กรมดีไม่มีทีม")
        one, two = make_user("ov-one", ("assessor", None)), make_user("ov-two", ("assessor", None))
        make_user("ov-admin", ("admin", None))
        make_user("ov-editor", ("agency_editor", a))
        make_user("ov-reviewer", ("reviewer", a))
        cycle = admin_ops.create_cycle(2569, "pmqa-4.0")
        admin_ops.make_current(cycle)
        db.session.flush()
        teams.assign(a, cycle, one, lead=True)
        teams.assign(a, cycle, two)
        teams.assign(b, cycle, two, lead=True)
        teams.assign(c, cycle, one, lead=True)
        when = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
        for number, reopened in ((1, True), (2, False)):
            db.session.add(Submission(agency_id=a.id, cycle_id=cycle.id, number=number, manifest_sha256="0" * 64,
                                      snapshot={}, submitted_at=when,
                                      reopened_at=when if reopened else None, reopen_reason="แก้" if reopened else None))
        judge(cycle, a, "1.1", "basic", one)
        judge(cycle, a, "1.2", "advance", one)
        judge(cycle, a, "1", "basic", one)
        judge(cycle, a, "2.1", None, one)  # opened, no level yet: not counted
        judge(cycle, a, "1.1", "basic", two)
        judge(cycle, a, "1.1", "basic")
        judge(cycle, a, "1", "advance")
        judge(cycle, a, "2.1", None)
        judge(cycle, b, "3", "significance")
        db.session.add(AssessmentState(cycle_id=cycle.id, agency_id=b.id, consensus_done_at=when))
        judge(cycle, c, "7", "below_basic")
        db.session.add(AssessmentState(cycle_id=cycle.id, agency_id=c.id, consensus_done_at=when, published_at=when))
        db.session.commit()
        return {"codes": len(codes_to_judge(cycle)), "ids": {x.code: x.id for x in (a, b, c, d)}}


def rows(page: str) -> dict[str, str]:
    """agency code → its table row's text, from the overview's HTML."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        code = re.search(r"(OV-[A-D])", row)
        if code:
            found[code.group(1)] = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    return found


def test_codes_to_judge_are_the_sub_items_of_1_to_6_and_seven_categories(app, world):
    with app.app_context():
        codes = codes_to_judge(db.session.scalar(select(AssessmentCycle)))
    assert codes[-7:] == ("1", "2", "3", "4", "5", "6", "7")
    assert "1.1" in codes and "6.2" in codes and not any(c.startswith("7.") for c in codes)
    assert len(codes) == world["codes"] and len(set(codes)) == len(codes)


def test_counts_per_agency(app, world):
    page = signed_in(app, "ov-admin").get("/assessment/overview").get_data(as_text=True)
    found, total = rows(page), world["codes"]
    assert set(found) == {"OV-A", "OV-B", "OV-C", "OV-D"}
    a = found["OV-A"]
    assert "กำลังประเมิน" in a and "ผู้ใช้ ov-one (หัวหน้าทีม)" in a and "2 คน" in a
    assert "ฉบับที่ 2" in a  # the newest submission
    assert f"4 / {2 * total}" in a  # 3 levels by one, 1 by two
    assert f"2 / {total}" in a and "ยังไม่สรุป" in a  # consensus 1.1 and 1; 2.1 has no level
    assert "Advance" in a  # category 1's consensus level
    b = found["OV-B"]
    assert "ฉันทามติแล้ว" in b and "สรุปแล้ว" in b and "ยังไม่ส่ง" in b and f"0 / {total}" in b
    assert "Significance" in b
    c = found["OV-C"]
    assert "เผยแพร่แล้ว" in c and "ต่ำกว่า Basic" in c
    d = found["OV-D"]
    assert "ไม่มีทีม" in d and "ยังไม่ส่ง" in d
    assert "ไม่มีทีม 1" in page and "กำลังประเมิน 1" in page and "ฉันทามติแล้ว 1" in page and "เผยแพร่แล้ว 1" in page
    assert f'href="/assessment/agencies/{world["ids"]["OV-A"]}"' in page


@pytest.mark.parametrize("query, shown", [
    ("status=no_team", {"OV-D"}),
    ("status=assessing", {"OV-A"}),
    ("status=consensus", {"OV-B"}),
    ("status=published", {"OV-C"}),
    ("kind=province", {"OV-C"}),
    ("q=ov-b", {"OV-B"}),
    ("q=ไม่มีทีม", {"OV-D"}),
    ("status=assessing&kind=province", set()),
])
def test_filters(app, world, query, shown):
    page = signed_in(app, "ov-admin").get(f"/assessment/overview?{query}").get_data(as_text=True)
    assert set(rows(page)) == shown


def test_only_mine_for_assessors(app, world):
    two = signed_in(app, "ov-two")
    everything = two.get("/assessment/overview").get_data(as_text=True)
    assert set(rows(everything)) == {"OV-A", "OV-B", "OV-C", "OV-D"} and "เฉพาะที่ฉันอยู่ในทีม" in everything
    mine = two.get("/assessment/overview?mine=1").get_data(as_text=True)
    assert set(rows(mine)) == {"OV-A", "OV-B"}
    # Admins are on no team: the filter is not offered and is ignored.
    admin = signed_in(app, "ov-admin").get("/assessment/overview?mine=1").get_data(as_text=True)
    assert "เฉพาะที่ฉันอยู่ในทีม" not in admin and len(rows(admin)) == 4


def test_sorting_marks_the_header(app, world):
    admin = signed_in(app, "ov-admin")
    page = admin.get("/assessment/overview?sort=scored&order=desc").get_data(as_text=True)
    assert list(rows(page))[0] == "OV-A"
    assert re.search(r'<th scope="col" aria-sort="descending"[^>]*>\s*<a [^>]*>ให้ระดับแล้ว', page)
    assert "aria-sort" not in re.sub(r"<th [^>]*>", "", page)  # on the th only, never on a link
    by_status = admin.get("/assessment/overview?sort=status").get_data(as_text=True)
    assert list(rows(by_status)) == ["OV-D", "OV-A", "OV-B", "OV-C"]
    assert admin.get("/assessment/overview?sort=nonsense").status_code == 422
    assert admin.get("/assessment/overview?status=nonsense").status_code == 422


def test_another_cycle_shows_its_own_teams(app, world):
    with app.app_context():
        older = admin_ops.create_cycle(2568, "pmqa-4.0")
        db.session.commit()
        older_id = older.id
    page = signed_in(app, "ov-admin").get(f"/assessment/overview?cycle={older_id}").get_data(as_text=True)
    assert all("ไม่มีทีม" in text for text in rows(page).values()) and len(rows(page)) == 4


def test_paged_by_fifty(app, world):
    with app.app_context():
        for n in range(60):
            db.session.add(Agency(code=f"OVP-{n:02d}", name=f"หน่วยงานหน้า {n:02d}", kind="department",
                                  unit_type="service"))
        db.session.commit()
    admin = signed_in(app, "ov-admin")
    first = admin.get("/assessment/overview?q=OVP").get_data(as_text=True)
    assert first.count('<tr>') - 1 == 50 and "หน้า 1 / 2" in first
    second = admin.get("/assessment/overview?q=OVP&page=2").get_data(as_text=True)
    assert second.count('<tr>') - 1 == 10


@pytest.mark.parametrize("who", ["ov-editor", "ov-reviewer"])
def test_agency_staff_and_reviewers_get_403(app, world, who):
    assert signed_in(app, who).get("/assessment/overview").status_code == 403


def test_a_few_queries_whatever_the_number_of_agencies(app, world):
    from sqlalchemy import event

    client = signed_in(app, "ov-admin")
    counted = []

    def count(*_args):
        counted.append(1)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            client.get("/assessment/overview")
            few = len(counted)
            for n in range(30):
                db.session.add(Agency(code=f"OVQ-{n:02d}", name=f"หน่วย {n}", kind="department", unit_type="service"))
            db.session.commit()
            counted.clear()
            client.get("/assessment/overview")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert len(counted) <= few + 1, (few, len(counted))
