"""Thai full-text search: one analyzer for indexing and queries (analyzer.py)."""
from flask import Blueprint

bp = Blueprint("search", __name__, url_prefix="/search")


def blueprint() -> Blueprint:
    """The area's pages: the search page. Importing the view modules puts their routes on
    bp; it happens here, when create_app asks, so importing a model or an operation of this
    area never loads its pages."""
    from portal.search import views  # noqa: F401

    return bp
