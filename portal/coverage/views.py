"""Coverage pages: an agency's dashboard, the sub-item summary in the workspace, the
assessors' overview of every agency and one item compared across agencies."""
from io import BytesIO

from flask import Blueprint, abort, current_app, render_template, request, send_file
from sqlalchemy import select

from portal.access import ALL_AGENCY_ROLES, agency_or_404, require_roles
from portal.coverage.export import build_submission, build_workbook, comment_line, evidence_line
from portal.coverage.queries import done_counts_by_agency, done_item_ids, process_categories
from portal.coverage.report import agency_report, agency_report_from_counts, total_points
from portal.coverage.scoring import scoring_rules
from portal.coverage.levels import VIEWS, sub_item_outcome
from portal.database import end_transaction
from portal.results.queries import agency_results_summary
from portal.results.rules import fiscal_years
from portal.evidence.operations import EvidenceError, current_cycle
from portal.evidence.queries import item_or_404
from portal.extensions import db
from portal.fragments import render
from portal.models.user import utcnow
from portal.models import AGENCY_KINDS, UNIT_TYPES, Agency, AssessmentCycle, ItemReview
from portal.models.evidence import Evidence, EvidenceAttachment

bp = Blueprint("coverage", __name__)
OVERVIEW_SORTS = ("name", "points", "1", "2", "3", "4", "5", "6")


def current_cycle_or_409() -> AssessmentCycle:
    try:
        return current_cycle()
    except EvidenceError as error:
        abort(error.status, description=error.message)


def chosen_view() -> str:
    view = request.args.get("view", "covered")
    if view not in VIEWS:
        abort(422, description="มุมมองไม่ถูกต้อง: เลือกได้เฉพาะ “ตามหลักฐาน” หรือ “ผ่านการพิจารณา”")
    return view


def dashboard_context(agency: Agency, cycle: AssessmentCycle, view: str) -> dict:
    """Everything the dashboard (and the export) shows for one agency and view."""
    categories = process_categories(current_app.config["CRITERIA_VERSION"])
    reports = agency_report(categories, done_item_ids(agency.id, cycle.id, view),
                            scoring_rules().process_points)
    return {"agency": agency, "cycle": cycle, "view": view, "reports": reports,
            "total_points": total_points(reports), "scoring_notes": scoring_rules().notes,
            "results": agency_results_summary(agency.id, cycle.id)}


def summary_context(agency: Agency, cycle: AssessmentCycle, category_code: str,
                    sub_item_code: str, view: str) -> dict:
    """The figures of the workspace's level box for one sub-item."""
    sub_item = next((s for c in process_categories(current_app.config["CRITERIA_VERSION"])
                     if c.code == category_code for s in c.sub_items if s.code == sub_item_code), None)
    if sub_item is None:
        abort(404, description=f"ไม่พบหัวข้อ {sub_item_code} ในหมวด {category_code}")
    outcome = sub_item_outcome(sub_item.items, done_item_ids(agency.id, cycle.id, view),
                               scoring_rules().process_points)
    return {"category_code": category_code, "summary_sub_item": sub_item, "outcome": outcome, "view": view}


@bp.get("/agencies/<int:agency_id>/criteria/<category_code>/<sub_item_code>/summary")
def sub_item_summary(agency_id: int, category_code: str, sub_item_code: str):
    """The workspace's level box alone; re-fetched whenever an item's evidence changes."""
    agency = agency_or_404(agency_id)
    context = summary_context(agency, current_cycle_or_409(), category_code, sub_item_code, chosen_view())
    return render("coverage/_sub_item_summary.html", "summary", agency=agency, **context)


def overview_rows(cycle: AssessmentCycle, view: str, kind: str, unit_type: str, name: str) -> list[dict]:
    statement = select(Agency).where(Agency.active)
    if kind:
        statement = statement.where(Agency.kind == kind)
    if unit_type:
        statement = statement.where(Agency.unit_type == unit_type)
    agencies = [a for a in db.session.scalars(statement)
                if not name or name.casefold() in f"{a.code} {a.name}".casefold()]
    categories = process_categories(current_app.config["CRITERIA_VERSION"])
    done = done_counts_by_agency(cycle.id, view, [a.id for a in agencies] if kind or unit_type or name else None)
    points = scoring_rules().process_points
    rows = []
    for agency in agencies:
        reports = agency_report_from_counts(categories, done.get(agency.id, {}), points)
        rows.append({"agency": agency, "reports": reports, "total_points": total_points(reports),
                     "by_code": {r.category.code: r for r in reports}})
    return rows


def sort_rows(rows: list[dict], sort: str, descending: bool) -> list[dict]:
    if sort == "name":
        key = lambda row: row["agency"].name  # noqa: E731 - a one-line sort key reads best here
    elif sort == "points":
        key = lambda row: (row["total_points"], sum(r.outcome.percent for r in row["reports"]))  # noqa: E731
    else:
        key = lambda row: (row["by_code"][sort].outcome.points, row["by_code"][sort].outcome.percent)  # noqa: E731
    return sorted(rows, key=key, reverse=descending)


@bp.get("/overview")
@require_roles(*ALL_AGENCY_ROLES)
def overview():
    cycle = current_cycle_or_409()
    view = chosen_view()
    kind = request.args.get("kind", "")
    unit_type = request.args.get("unit_type", "")
    sort = request.args.get("sort", "name")
    if kind not in ("", *AGENCY_KINDS) or unit_type not in ("", *UNIT_TYPES) or sort not in OVERVIEW_SORTS:
        abort(422, description="ตัวกรองหรือการเรียงลำดับไม่ถูกต้อง")
    descending = request.args.get("order", "asc" if sort == "name" else "desc") == "desc"
    name = request.args.get("q", "").strip()[:100]
    rows = sort_rows(overview_rows(cycle, view, kind, unit_type, name), sort, descending)
    categories = process_categories(current_app.config["CRITERIA_VERSION"])
    return render("coverage/overview.html", "table", cycle=cycle, view=view, rows=rows,
                  categories=categories, kind=kind, unit_type=unit_type, sort=sort,
                  descending=descending, q=name)


@bp.get("/overview/items/<int:item_id>")
@require_roles(*ALL_AGENCY_ROLES)
def item_across_agencies(item_id: int):
    """One checklist item in every agency: how each answered it, to compare."""
    item = item_or_404(item_id)
    cycle = current_cycle_or_409()
    kind = request.args.get("kind", "")
    if kind not in ("", *AGENCY_KINDS):
        abort(422, description="ประเภทส่วนราชการไม่ถูกต้อง")
    statement = select(Agency).where(Agency.active).order_by(Agency.kind, Agency.name)
    if kind:
        statement = statement.where(Agency.kind == kind)
    agencies = list(db.session.scalars(statement))
    evidence_rows = db.session.execute(
        select(Evidence, EvidenceAttachment.note)
        .join(EvidenceAttachment, EvidenceAttachment.evidence_id == Evidence.id)
        .where(EvidenceAttachment.checklist_item_id == item.id, Evidence.cycle_id == cycle.id,
               Evidence.deleted_at.is_(None))
        .order_by(Evidence.created_at)
    ).all()
    evidence_by_agency: dict[int, list] = {}
    for evidence, note in evidence_rows:
        evidence_by_agency.setdefault(evidence.agency_id, []).append((evidence, note))
    statuses = dict(db.session.execute(
        select(ItemReview.agency_id, ItemReview.status)
        .where(ItemReview.checklist_item_id == item.id, ItemReview.cycle_id == cycle.id)
    ).all())
    answered = sum(1 for a in agencies if evidence_by_agency.get(a.id))
    return render("coverage/item.html", "agencies", item=item, cycle=cycle, agencies=agencies,
                  evidence_by_agency=evidence_by_agency, statuses=statuses, answered=answered, kind=kind)


@bp.get("/agencies/<int:agency_id>/report")
def report(agency_id: int):
    """The printable submission report: same figures as the workbook, print CSS, Thai font."""
    agency = agency_or_404(agency_id)
    submission = build_submission(agency, current_cycle_or_409())
    return render_template("coverage/report.html", submission=submission, view=chosen_view(),
                           scoring_notes=scoring_rules().notes, evidence_line=evidence_line,
                           comment_line=comment_line, generated_at=utcnow(),
                           fiscal_years=fiscal_years(submission.cycle.fiscal_year))


@bp.get("/agencies/<int:agency_id>/export.xlsx")
def export_workbook(agency_id: int):
    agency = agency_or_404(agency_id)
    cycle = current_cycle_or_409()
    submission = build_submission(agency, cycle)
    end_transaction(keep_loaded=True)  # no transaction open while the workbook is built
    payload = build_workbook(submission)
    return send_file(BytesIO(payload), as_attachment=True,
                     download_name=f"pmqa-{agency.code}-{cycle.fiscal_year}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
