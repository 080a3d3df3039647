"""Inboxes: the reviewers' across their agencies, and each agency's own."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import cycles
from portal.access import FORBIDDEN, agency_or_404, require_roles, scope_to_visible_agencies
from portal.extensions import db
from portal.fragments import render
from portal.models import Agency, Category, ChecklistItem
from portal.reviews import bp
from portal.reviews import inbox as q


def _categories(cycle) -> list[Category]:
    return list(db.session.scalars(select(Category).where(
        Category.version == cycles.criteria_edition(cycle), Category.code != "7")
        .order_by(Category.position)))


@bp.get("/reviews/inbox")
@require_roles("reviewer", "assessor", "admin")
def inbox():
    """Open threads and items awaiting a decision, filtered by agency, category and status."""
    cycle, flt = cycles.current_cycle(), q.InboxFilter.from_args(request.args)
    scope = q.review_scope()
    agencies = list(db.session.scalars(scope_to_visible_agencies(
        select(Agency).where(Agency.active).order_by(Agency.name), Agency.id)))
    if scope is not None:
        agencies = [a for a in agencies if a.id in scope]
    threads, unread = q.open_threads(cycle.id, flt)
    return render("reviews/inbox.html", "results", cycle=cycle, flt=flt, agencies=agencies,
                  categories=_categories(cycle), statuses=q.STATUS_FILTERS, threads=threads, unread=unread,
                  page=q.review_rows(cycle.id, flt, scope, request.args.get("page", 1, type=int)), limit=q.LIMIT)


@bp.get("/reviews/next/<int:agency_id>/<int:item_id>")
def next_item(agency_id: int, item_id: int):
    """รายการถัดไป: the item after this one in the inbox list the reviewer chose (carried
    as inbox_status, inbox_agency, inbox_category); the inbox when none is left."""
    agency = agency_or_404(agency_id)  # first: another agency's id is not found, for anyone
    if not any(current_user.has_role(role) for role in ("reviewer", "assessor", "admin")):
        abort(403, description=FORBIDDEN)
    item = db.session.get(ChecklistItem, item_id)
    if item is None:
        abort(404)
    cycle, flt = cycles.current_cycle(), q.InboxFilter.from_args(request.args, prefix="inbox_")
    found = q.next_after(cycle.id, flt, q.review_scope(), agency, item)
    if found is None:
        flash("ไม่มีรายการอื่นที่รอในรายการที่เลือกแล้ว", "success")
        return redirect(url_for("reviews.inbox", **flt.as_args()))
    agency, item = found
    sub = item.sub_item
    return redirect(url_for("evidence.workspace", agency_id=agency.id, category_code=sub.category.code,
                            sub_item_code=sub.code, **flt.as_args("inbox_")) + f"#item-{item.id}")


@bp.get("/agencies/<int:agency_id>/inbox")
def agency_inbox(agency_id: int):
    """What the agency has to act on: items needing revision and threads with new replies."""
    agency, cycle = agency_or_404(agency_id), cycles.current_cycle()
    flt = q.InboxFilter(agency_id=agency.id, status="needs_revision")
    threads, unread = q.open_threads(cycle.id, flt)
    page = q.review_rows(cycle.id, flt, {agency.id}, request.args.get("page", 1, type=int))
    return render("reviews/agency_inbox.html", "content", agency=agency, cycle=cycle,
                  threads=threads, unread=unread, page=page)
