"""Agency pages, scoped to the agencies the signed-in user may see."""
from flask import Blueprint

bp = Blueprint("agencies", __name__, url_prefix="/agencies")


def blueprint() -> Blueprint:
    """The area's pages: the agency list and one agency's dashboard. Importing the view
    modules puts their routes on bp; it happens here, when create_app asks, so importing a
    model or an operation of this area never loads its pages."""
    from portal.agencies import views  # noqa: F401

    return bp
