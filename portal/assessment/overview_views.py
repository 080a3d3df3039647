"""The assessment overview: every agency of a cycle, where its assessment stands; for
assessors and admins (everyone else 403)."""
from flask import abort, request
from flask_login import current_user

from portal import cycles
from portal.access import ALL_AGENCY_ROLES, require_roles
from portal.assessment import bp
from portal.assessment.overview import CATEGORY_CODES, SORTS, STATUSES, overview_rows, sort_rows
from portal.extensions import db
from portal.fragments import render
from portal.models import AGENCY_KINDS, AssessmentCycle

OVERVIEW_PAGE_SIZE = 50
BAD_FILTER = "ตัวกรองหรือการเรียงลำดับไม่ถูกต้อง"
LEVEL_SHORT = {"below_basic": "ต่ำกว่า Basic", "basic": "Basic", "advance": "Advance", "significance": "Significance"}


def _cycle() -> AssessmentCycle:
    raw = request.args.get("cycle", "")
    if raw:
        cycle = db.session.get(AssessmentCycle, int(raw)) if raw.isdigit() else None
        if cycle is None:
            abort(404, description="ไม่พบรอบการประเมินที่เลือก")
        return cycle
    return cycles.current_cycle()


@bp.get("/overview")
@require_roles(*ALL_AGENCY_ROLES)
def overview():
    cycle = _cycle()
    status, kind = request.args.get("status", ""), request.args.get("kind", "")
    sort = request.args.get("sort", "name")
    if status not in ("", *STATUSES) or kind not in ("", *AGENCY_KINDS) or sort not in SORTS:
        abort(422, description=BAD_FILTER)
    descending = request.args.get("order", "asc") == "desc"
    q = request.args.get("q", "").strip()[:100]
    may_be_on_teams = current_user.has_role("assessor")
    only_mine = may_be_on_teams and request.args.get("mine") == "1"
    rows = overview_rows(cycle, current_user, kind=kind, q=q, only_mine=only_mine)
    counts = {key: 0 for key in STATUSES}
    for row in rows:
        counts[row.status] += 1
    if status:
        rows = [row for row in rows if row.status == status]
    rows = sort_rows(rows, sort, descending)
    pages = max(1, -(-len(rows) // OVERVIEW_PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    filters = {"cycle": request.args.get("cycle") or None, "status": status or None, "kind": kind or None,
               "q": q or None, "mine": "1" if only_mine else None}
    return render("assessment/overview.html", "table", cycle=cycle, cycles=cycles.all_cycles(),
                  rows=rows[(page - 1) * OVERVIEW_PAGE_SIZE:page * OVERVIEW_PAGE_SIZE], total=len(rows),
                  counts=counts, page=page, pages=pages, filters=filters, sort=sort, descending=descending,
                  may_be_on_teams=may_be_on_teams, statuses=STATUSES,
                  category_codes=CATEGORY_CODES, level_short=LEVEL_SHORT)
