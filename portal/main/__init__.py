"""The home page and the health check; the Thai error pages (errors.py)."""
from flask import Blueprint

bp = Blueprint("main", __name__)


def blueprint() -> Blueprint:
    """The area's pages: home and health check. Importing the view modules puts their routes
    on bp; it happens here, when create_app asks, so importing a model or an operation of
    this area never loads its pages."""
    from portal.main import views  # noqa: F401

    return bp
