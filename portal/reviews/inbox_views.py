"""Inboxes: the reviewers' across their agencies, and each agency's own."""
from flask import request
from sqlalchemy import select

from portal import cycles
from portal.access import agency_or_404, require_roles, scope_to_visible_agencies
from portal.extensions import db
from portal.fragments import render
from portal.models import Agency, Category
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
                  rows=q.review_rows(cycle.id, flt, scope), limit=q.LIMIT)


@bp.get("/agencies/<int:agency_id>/inbox")
def agency_inbox(agency_id: int):
    """What the agency has to act on: items needing revision and threads with new replies."""
    agency, cycle = agency_or_404(agency_id), cycles.current_cycle()
    flt = q.InboxFilter(agency_id=agency.id, status="needs_revision")
    threads, unread = q.open_threads(cycle.id, flt)
    return render("reviews/agency_inbox.html", "content", agency=agency, cycle=cycle,
                  threads=threads, unread=unread, rows=q.review_rows(cycle.id, flt, {agency.id}))
