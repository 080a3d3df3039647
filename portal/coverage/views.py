"""Coverage pages: an agency's dashboard, the sub-item summary in the workspace, the
assessors' overview of every agency and one item compared across agencies."""
from io import BytesIO

from flask import abort, render_template, request, send_file
from sqlalchemy import select

from portal import cycles
from portal.access import ALL_AGENCY_ROLES, agency_or_404, require_roles
from portal.coverage import bp
from portal.coverage.export import build_submission, build_workbook, comment_line, evidence_line
from portal.coverage.queries import done_counts_by_agency, process_categories, restricted_items
from portal.coverage.report import CategoryRow, agency_report_from_counts
from portal.coverage.summary import chosen_view, summary_context
from portal.coverage.scoring import scoring_rules
from portal.database import end_transaction
from portal.evidence.queries import item_or_404
from portal.extensions import db
from portal.fragments import render
from portal.models import AGENCY_KINDS, UNIT_TYPES, Agency, AssessmentCycle, ItemReview
from portal.models.evidence import Evidence, EvidenceAttachment
from portal.models.user import utcnow
from portal.results.rules import agency_tags, applies, fiscal_years

# No sort by a total of categories 1–6: the guide defines no total (issue 16), so none is shown.
OVERVIEW_SORTS = ("name", "1", "2", "3", "4", "5", "6")


@bp.get("/agencies/<int:agency_id>/criteria/<category_code>/<sub_item_code>/summary")
def sub_item_summary(agency_id: int, category_code: str, sub_item_code: str):
    """The workspace's level box alone; re-fetched whenever an item's evidence changes."""
    agency = agency_or_404(agency_id)
    context = summary_context(agency, cycles.current_cycle(), category_code, sub_item_code, chosen_view())
    return render("coverage/_sub_item_summary.html", "summary", agency=agency, **context)


def overview_rows(cycle: AssessmentCycle, categories: tuple[CategoryRow, ...], view: str, kind: str,
                  unit_type: str, name: str) -> list[dict]:
    statement = select(Agency).where(Agency.active)
    if kind:
        statement = statement.where(Agency.kind == kind)
    if unit_type:
        statement = statement.where(Agency.unit_type == unit_type)
    agencies = [a for a in db.session.scalars(statement)
                if not name or name.casefold() in f"{a.code} {a.name}".casefold()]
    tags = {a.id: agency_tags(a.kind, a.unit_type) for a in agencies}
    done = done_counts_by_agency(cycle.id, view, tags, restricted_items(categories),
                                 [a.id for a in agencies] if kind or unit_type or name else None)
    points = scoring_rules().process_points
    rows, shared = [], {}
    for agency in agencies:
        reports = agency_report_from_counts(categories, done.get(agency.id, {}), points, tags[agency.id], shared)
        rows.append({"agency": agency, "reports": reports, "by_code": {r.category.code: r for r in reports}})
    return rows


def sort_rows(rows: list[dict], sort: str, descending: bool) -> list[dict]:
    if sort == "name":
        key = lambda row: row["agency"].name  # noqa: E731 - a one-line sort key reads best here
    else:
        key = lambda row: (row["by_code"][sort].outcome.points, row["by_code"][sort].outcome.percent)  # noqa: E731
    return sorted(rows, key=key, reverse=descending)


@bp.get("/overview")
@require_roles(*ALL_AGENCY_ROLES)
def overview():
    cycle = cycles.current_cycle()
    view = chosen_view()
    kind = request.args.get("kind", "")
    unit_type = request.args.get("unit_type", "")
    sort = request.args.get("sort", "name")
    if sort == "points":  # an old link: the total it sorted by is gone
        abort(422, description="เรียงตามคะแนนรวมไม่ได้: คู่มือไม่ได้กำหนดคะแนนรวมของหมวด 1–6 "
                               "เลือกเรียงตามชื่อส่วนราชการหรือตามหมวด")
    if kind not in ("", *AGENCY_KINDS) or unit_type not in ("", *UNIT_TYPES) or sort not in OVERVIEW_SORTS:
        abort(422, description="ตัวกรองหรือการเรียงลำดับไม่ถูกต้อง")
    descending = request.args.get("order", "asc" if sort == "name" else "desc") == "desc"
    name = request.args.get("q", "").strip()[:100]
    categories = process_categories(cycles.criteria_edition(cycle))
    rows = sort_rows(overview_rows(cycle, categories, view, kind, unit_type, name), sort, descending)
    return render("coverage/overview.html", "table", cycle=cycle, view=view, rows=rows,
                  categories=categories, kind=kind, unit_type=unit_type, sort=sort,
                  descending=descending, q=name)


@bp.get("/overview/items/<int:item_id>")
@require_roles(*ALL_AGENCY_ROLES)
def item_across_agencies(item_id: int):
    """One checklist item in every agency it is assessed in: how each answered it, to compare."""
    item = item_or_404(item_id)
    cycle = cycles.current_cycle()
    kind = request.args.get("kind", "")
    if kind not in ("", *AGENCY_KINDS):
        abort(422, description="ประเภทส่วนราชการไม่ถูกต้อง")
    statement = select(Agency).where(Agency.active).order_by(Agency.kind, Agency.name)
    if kind:
        statement = statement.where(Agency.kind == kind)
    agencies = [a for a in db.session.scalars(statement)
                if applies(item.applies_to, agency_tags(a.kind, a.unit_type))]
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
    submission = build_submission(agency, cycles.current_cycle())
    return render_template("coverage/report.html", submission=submission, view=chosen_view(),
                           scoring_notes=scoring_rules().notes, evidence_line=evidence_line,
                           comment_line=comment_line, generated_at=utcnow(),
                           fiscal_years=fiscal_years(submission.cycle.fiscal_year))


@bp.get("/agencies/<int:agency_id>/export.xlsx")
def export_workbook(agency_id: int):
    agency = agency_or_404(agency_id)
    cycle = cycles.current_cycle()
    submission = build_submission(agency, cycle)
    end_transaction(keep_loaded=True)  # no transaction open while the workbook is built
    payload = build_workbook(submission)
    return send_file(BytesIO(payload), as_attachment=True,
                     download_name=f"pmqa-{agency.code}-{cycle.fiscal_year}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
