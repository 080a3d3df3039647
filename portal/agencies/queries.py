"""Read side of agencies, always within what the signed-in user may see."""
from sqlalchemy import select

from portal.access import scope_to_visible_agencies
from portal.extensions import db
from portal.models import Agency


def visible_agencies() -> list[Agency]:
    statement = select(Agency).where(Agency.active).order_by(Agency.kind, Agency.name)
    return list(db.session.scalars(scope_to_visible_agencies(statement, Agency.id)))
