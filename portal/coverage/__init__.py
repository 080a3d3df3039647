"""Coverage of checklist items, computed levels and scores, and category 7 results."""
from flask import Blueprint

bp = Blueprint("coverage", __name__)


def blueprint() -> Blueprint:
    """The area's pages: the level box, the overview, one item across agencies, the report
    and the workbook. Importing the view modules puts their routes on bp; it happens here,
    when create_app asks, so importing a model or an operation of this area never loads its
    pages."""
    from portal.coverage import views  # noqa: F401

    return bp
