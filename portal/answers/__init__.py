"""The agency's written report: answers to the guide's questions and per-item statements."""
from flask import Blueprint

bp = Blueprint("answers", __name__)


def blueprint() -> Blueprint:
    """The area's actions (views). Importing the view module puts its routes on bp; it
    happens here, when create_app asks, so importing a model or an operation of this area
    never loads its pages."""
    from portal.answers import views  # noqa: F401

    return bp
