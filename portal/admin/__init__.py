"""Administration: agencies, accounts, roles, cycles and the audit log."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


def blueprint() -> Blueprint:
    """The area's pages: accounts and roles (views); agencies, cycles and the audit log
    (registry_views); assessment teams (team_views); bulk import (import_views). Importing
    the view modules puts their routes on bp; it happens here, when create_app asks, so importing a model or an operation
    of this area never loads its pages."""
    from portal.admin import import_views, registry_views, team_views, views  # noqa: F401

    return bp
