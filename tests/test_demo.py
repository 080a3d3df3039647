"""Demo data: agencies of each type, cycles in the Buddhist era, one account per role."""
from datetime import date

import pytest
from sqlalchemy import select

from portal.demo import fiscal_year_be, load_demo
from portal.extensions import db
from portal.models import ROLES, Agency, AssessmentCycle, User


@pytest.mark.parametrize("day,year", [
    (date(2026, 9, 30), 2569), (date(2026, 10, 1), 2570), (date(2026, 1, 1), 2569),
])
def test_fiscal_year_starts_in_october(day, year):
    assert fiscal_year_be(day) == year


def test_demo_creates_agencies_cycles_and_one_account_per_role(app_ctx):
    created = load_demo(today=date(2026, 11, 24))
    assert {a.kind for a in db.session.scalars(select(Agency))} == {"department", "province", "public_org"}
    cycles = {c.fiscal_year: c.is_current for c in db.session.scalars(select(AssessmentCycle))}
    assert cycles == {2569: False, 2570: True}
    roles = {g.role for u in db.session.scalars(select(User)) for g in u.grants}
    assert roles == set(ROLES)
    username, password = created[0]
    assert db.session.scalar(select(User).where(User.username == username)).check_password(password)


def test_demo_load_is_safe_to_repeat(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and "admin" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0 and "มีอยู่แล้ว" in second.output
    # Every run prints the accounts with their role and agency and where to sign in.
    for output in (first.output, second.output):
        assert "/auth/login" in output
        assert any(line.split()[:2] == ["signer", "signer-demo-2569"] and "ผู้มีอำนาจลงนาม" in line
                   and "(DEMO-DEPT)" in line for line in output.splitlines())
    with app.app_context():
        assert db.session.query(User).count() == 8


def test_demo_department_reports_category_7_metrics_once(app_ctx):
    from portal.models import ResultMetric
    from portal.results.queries import agency_results_summary

    load_demo(today=date(2026, 11, 24))
    load_demo(today=date(2026, 11, 24))
    department = db.session.scalar(select(Agency).where(Agency.code == "DEMO-DEPT"))
    cycle = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current))
    summary = agency_results_summary(department.id, cycle.id)
    counts = {d["code"]: d["metrics_count"] for d in summary["dimensions"]}
    assert all(counts[code] > 0 for code in ("7.1", "7.2", "7.3", "7.4", "7.5", "7.6"))
    assert sum(counts.values()) == db.session.query(ResultMetric).count()
    levels = {m["level"] for d in summary["dimensions"] for m in d["metrics"]}
    assert {"basic", "advance", "significance", "below_basic"} <= levels
def test_demo_adds_sample_threads_and_statuses_once(app_ctx):
    from sqlalchemy import func

    from portal.models.review import CommentThread, ItemReview

    load_demo(today=date(2026, 11, 24))
    threads = {t.visibility: len(t.comments) for t in db.session.scalars(select(CommentThread))}
    assert threads == {"shared": 2, "internal": 1}
    assert {r.status for r in db.session.scalars(select(ItemReview))} == {"accepted", "needs_revision"}
    load_demo(today=date(2026, 11, 24))
    assert db.session.scalar(select(func.count(CommentThread.id))) == 2


def test_demo_installs_the_demo_departments_assessment_team_once(app):
    from portal.models.assessment import AssessmentAssignment

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert "ทีมผู้ประเมินของ DEMO-DEPT (รอบปัจจุบัน): assessor (หัวหน้าทีม), assessor2" in first.output
    assert any(line.split()[:2] == ["assessor2", "assessor2-demo-2569"] for line in first.output.splitlines())
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        team = {(a.assessor.username, a.is_lead, a.agency.code, a.cycle.is_current)
                for a in db.session.scalars(select(AssessmentAssignment))}
        assert team == {("assessor", True, "DEMO-DEPT", True), ("assessor2", False, "DEMO-DEPT", True)}
    client = app.test_client()
    from tests.helpers import login

    assert login(client, "assessor2", "assessor2-demo-2569").status_code == 302
    page = client.get("/assessment/overview?mine=1").get_data(as_text=True)
    assert "DEMO-DEPT" in page and "DEMO-PROV" not in page
