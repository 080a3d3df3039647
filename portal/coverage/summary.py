"""What an agency's dashboard and the workspace's level box show: the agency's figures
for one view, read from the database and computed by report.py and levels.py. Views of
any area build these pages through here (never through coverage's views)."""
from flask import abort, request

from portal import cycles
from portal.answers.queries import not_applicable_item_ids
from portal.answers.queries import progress as answer_progress
from portal.coverage.levels import VIEWS, sub_item_outcome
from portal.coverage.queries import done_item_ids, process_categories
from portal.coverage.report import agency_report
from portal.coverage.scoring import scoring_rules
from portal.models import Agency, AssessmentCycle
from portal.results.queries import agency_results_summary
from portal.results.rules import agency_tags


def chosen_view() -> str:
    view = request.args.get("view", "covered")
    if view not in VIEWS:
        abort(422, description="มุมมองไม่ถูกต้อง: เลือกได้เฉพาะ “ตามหลักฐาน” หรือ “ผ่านการพิจารณา”")
    return view


def dashboard_context(agency: Agency, cycle: AssessmentCycle, view: str) -> dict:
    """Everything the dashboard (and the export) shows for one agency and view."""
    categories = process_categories(cycles.criteria_edition(cycle))
    reports = agency_report(categories, done_item_ids(agency.id, cycle.id, view),
                            scoring_rules().process_points, agency_tags(agency.kind, agency.unit_type))
    return {"agency": agency, "cycle": cycle, "view": view, "reports": reports,
            "scoring_notes": scoring_rules().notes,
            "results": agency_results_summary(agency.id, cycle.id),
            "answer_progress": answer_progress(agency.id, cycle.id, [s.id for c in categories for s in c.sub_items])}


def levels_at_a_glance(agency: Agency, cycle: AssessmentCycle) -> list:
    """Categories 1–6 of the agency as its dashboard computes them ("ตามหลักฐาน"), for the
    home page: the same figures, none of the dashboard's other work."""
    categories = process_categories(cycles.criteria_edition(cycle))
    return agency_report(categories, done_item_ids(agency.id, cycle.id, "covered"),
                         scoring_rules().process_points, agency_tags(agency.kind, agency.unit_type))


def summary_context(agency: Agency, cycle: AssessmentCycle, category_code: str,
                    sub_item_code: str, view: str) -> dict:
    """The figures of the workspace's level box for one sub-item."""
    sub_item = next((s for c in process_categories(cycles.criteria_edition(cycle))
                     if c.code == category_code for s in c.sub_items if s.code == sub_item_code), None)
    if sub_item is None:
        abort(404, description=f"ไม่พบหัวข้อ {sub_item_code} ในหมวด {category_code}")
    items = sub_item.items_for(agency_tags(agency.kind, agency.unit_type))
    outcome = sub_item_outcome(items, done_item_ids(agency.id, cycle.id, view), scoring_rules().process_points)
    not_applicable = not_applicable_item_ids(agency.id, cycle.id) & {i.id for i in items}
    return {"category_code": category_code, "summary_sub_item": sub_item, "outcome": outcome, "view": view,
            "not_applicable_count": len(not_applicable)}
