"""bench/assessment_overview.py, bounded: 20 agencies instead of 300, asserting that both
overviews count right on the benchmark's data (the time is the benchmark's business)."""
from sqlalchemy import select

from bench.assessment_overview import PASSWORD, seed_assessment
from bench.dashboard_bench import seed as seed_coverage
from portal import cycles
from portal.assessment.overview import overview_rows
from portal.coverage.queries import done_counts_by_agency, done_item_ids, process_categories, restricted_items
from portal.coverage.report import agency_report, agency_report_from_counts
from portal.coverage.scoring import scoring_rules
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, User
from portal.results.rules import agency_tags
from tests.helpers import login


def test_the_benchmark_data_is_counted_right_by_both_overviews(app):
    with app.app_context():
        seed_coverage(20, 60)
        cycle = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current))
        expected = seed_assessment(cycle)
        me = db.session.scalar(select(User).where(User.username == "bench-team-00"))
        rows = {row.agency.id: row for row in overview_rows(cycle, me)}
        assert len(rows) == 20
        for agency_id, row in rows.items():
            assert row.status == expected.status[agency_id]
            assert row.team_size == expected.team_size.get(agency_id, 0)
            assert (row.submission_number is not None) == (agency_id in expected.submitted)
            assert row.scored == expected.scored.get(agency_id, 0)
            assert row.consensus == expected.consensus.get(agency_id, 0)
            assert row.category_levels == expected.category_levels.get(agency_id, {})
        assert len(set(expected.status.values())) >= 2 and any(expected.scored.values())  # a mix

        # The coverage overview's counts equal the dashboard's own rules, agency by agency.
        categories = process_categories(cycles.criteria_edition(cycle))
        agencies = list(db.session.scalars(select(Agency)))
        tags = {a.id: agency_tags(a.kind, a.unit_type) for a in agencies}
        for view in ("covered", "accepted"):
            counts = done_counts_by_agency(cycle.id, view, tags, restricted_items(categories))
            points, shared = scoring_rules().process_points, {}
            for agency in agencies:
                by_items = agency_report(categories, done_item_ids(agency.id, cycle.id, view), points, tags[agency.id])
                by_counts = agency_report_from_counts(categories, counts.get(agency.id, {}), points,
                                                      tags[agency.id], shared)
                assert [(r.outcome.level, r.outcome.points, r.outcome.tallies) for r in by_items] == \
                       [(r.outcome.level, r.outcome.points, r.outcome.tallies) for r in by_counts]

    client = app.test_client()
    assert login(client, "bench-team-00", PASSWORD).status_code == 302
    page = client.get("/assessment/overview").get_data(as_text=True)
    assert "20 ส่วนราชการ" in page
    assert client.get("/overview").status_code == 200
