"""Evidence files and links on checklist items: storage, versions, extraction, pages."""
from flask import Blueprint

bp = Blueprint("evidence", __name__)


def blueprint() -> Blueprint:
    """The area's pages: the workspace and the item actions (views); one evidence
    (detail_views). Importing the view modules puts their routes on bp; it happens here,
    when create_app asks, so importing a model or an operation of this area never loads its
    pages."""
    from portal.evidence import detail_views, views  # noqa: F401

    return bp
