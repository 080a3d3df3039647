"""Starting a cycle's work from the previous cycle: answers, evidence, category 7 metrics."""
from flask import Blueprint

bp = Blueprint("carryover", __name__)


def blueprint() -> Blueprint:
    """The area's actions (views), loaded when create_app asks."""
    from portal.carryover import views  # noqa: F401

    return bp
