"""Submission: the agency's head signs and submits its self-assessment; the portal freezes
a snapshot with a manifest hash, and the agency's work of the cycle is read-only until an
assessor or admin reopens it."""
from flask import Blueprint

bp = Blueprint("submissions", __name__)


def blueprint() -> Blueprint:
    """The area's pages (views). Importing the view module puts its routes on bp; it happens
    here, when create_app asks, so the operations' lock check never loads the pages."""
    from portal.submissions import views  # noqa: F401

    return bp
