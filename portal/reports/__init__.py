"""The agency's self-assessment report as a document: PDF and DOCX of the same content."""
from flask import Blueprint

bp = Blueprint("reports", __name__)


def blueprint() -> Blueprint:
    """The area's downloads (views). Importing the view module puts its routes on bp; it
    happens here, when create_app asks."""
    from portal.reports import views  # noqa: F401

    return bp
