"""Agencies the user may see, and one agency's overview."""
from flask import Blueprint, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.access import agency_or_404, can_edit_agency, scope_to_visible_agencies
from portal.extensions import db
from portal.fragments import render
from portal.evidence.queries import covered_item_ids
from portal.models import Agency, AssessmentCycle, Category, RoleGrant, SubItem, User

bp = Blueprint("agencies", __name__, url_prefix="/agencies")


def visible_agencies() -> list[Agency]:
    statement = select(Agency).where(Agency.active).order_by(Agency.kind, Agency.name)
    return list(db.session.scalars(scope_to_visible_agencies(statement, Agency.id)))


@bp.get("/")
def index():
    return render("agencies/index.html", "content", agencies=visible_agencies())


@bp.get("/<int:agency_id>")
def show(agency_id: int):
    agency = agency_or_404(agency_id)
    members = db.session.execute(
        select(User, RoleGrant.role)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.agency_id == agency.id, User.active)
        .order_by(RoleGrant.role, User.display_name)
    ).all()
    current_cycle = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current))
    categories = list(db.session.scalars(
        select(Category).where(Category.version == current_app.config["CRITERIA_VERSION"])
        .order_by(Category.position)
        .options(selectinload(Category.sub_items).selectinload(SubItem.items))
    ))
    covered = covered_item_ids(agency.id, current_cycle.id) if current_cycle else set()
    return render("agencies/show.html", "content", agency=agency, members=members,
                  current_cycle=current_cycle, can_edit=can_edit_agency(agency.id),
                  categories=categories, covered=covered)
