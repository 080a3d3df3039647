"""Agencies the user may see, and one agency's overview."""
from sqlalchemy import select

from portal import cycles
from portal.access import agency_or_404, can_read_feedback
from portal.agencies import bp
from portal.agencies.queries import visible_agencies
from portal.assessment.publication import published_state
from portal.carryover.queries import carry_over_context
from portal.coverage.summary import chosen_view, dashboard_context
from portal.evidence import quota
from portal.extensions import db
from portal.fragments import render
from portal.models import RoleGrant, User
from portal.submissions.lock import editable
from portal.submissions.queries import latest_of


@bp.get("/")
def index():
    return render("agencies/index.html", "content", agencies=visible_agencies())


@bp.get("/<int:agency_id>")
def show(agency_id: int):
    """The agency's dashboard: levels, scores and gaps per category and sub-item."""
    agency = agency_or_404(agency_id)
    members = db.session.execute(
        select(User, RoleGrant.role)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.agency_id == agency.id, User.active)
        .order_by(RoleGrant.role, User.display_name)
    ).all()
    cycle = cycles.current_cycle()
    context = dashboard_context(agency, cycle, chosen_view())
    can_edit = editable(agency.id)
    latest = latest_of(agency.id, cycle.id)
    return render("coverage/dashboard.html", "dashboard", members=members, can_edit=can_edit,
                  submitted=latest if latest is not None and latest.is_open else None, latest=latest,
                  storage=quota.usage(agency),
                  feedback_state=published_state(agency.id, cycle.id) if can_read_feedback(agency.id, cycle) else None,
                  **carry_over_context(agency.id, cycle, can_edit), **context)
