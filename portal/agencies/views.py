"""Agencies the user may see, and one agency's overview."""
from flask import Blueprint
from sqlalchemy import select

from portal.access import agency_or_404, can_edit_agency, scope_to_visible_agencies
from portal.coverage.views import chosen_view, current_cycle_or_409, dashboard_context
from portal.evidence import quota
from portal.extensions import db
from portal.fragments import render
from portal.models import Agency, RoleGrant, User

bp = Blueprint("agencies", __name__, url_prefix="/agencies")


def visible_agencies() -> list[Agency]:
    statement = select(Agency).where(Agency.active).order_by(Agency.kind, Agency.name)
    return list(db.session.scalars(scope_to_visible_agencies(statement, Agency.id)))


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
    context = dashboard_context(agency, current_cycle_or_409(), chosen_view())
    return render("coverage/dashboard.html", "dashboard", members=members,
                  can_edit=can_edit_agency(agency.id), storage=quota.usage(agency), **context)
