"""Criteria: loading the YAML files, storing them, and the pages that show them."""
from flask import Blueprint

bp = Blueprint("criteria", __name__, url_prefix="/criteria")


def blueprint() -> Blueprint:
    """The area's pages: categories, sub-items and checklists. Importing the view modules
    puts their routes on bp; it happens here, when create_app asks, so importing a model or
    an operation of this area never loads its pages."""
    from portal.criteria import views  # noqa: F401

    return bp
