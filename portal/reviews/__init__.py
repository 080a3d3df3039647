"""Reviews: comment threads on an agency's checklist items and each item's review status."""
from flask import Blueprint

bp = Blueprint("reviews", __name__)


def blueprint() -> Blueprint:
    """The area's pages: threads and statuses (views); the inboxes (inbox_views). Importing
    the view modules puts their routes on bp; it happens here, when create_app asks, so
    importing a model or an operation of this area never loads its pages."""
    from portal.reviews import inbox_views, views  # noqa: F401

    return bp
