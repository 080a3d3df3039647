"""Category 7: result metrics per dimension and group, their levels and the reporting rules."""
from flask import Blueprint

bp = Blueprint("results", __name__)


def blueprint() -> Blueprint:
    """The area's pages: an agency's metrics, edited inline. Importing the view modules puts
    their routes on bp; it happens here, when create_app asks, so importing a model or an
    operation of this area never loads its pages."""
    from portal.results import views  # noqa: F401

    return bp
