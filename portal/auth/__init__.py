"""Sign-in, sign-out and the session rules (Flask-Login)."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")


def blueprint() -> Blueprint:
    """The area's pages: sign-in and sign-out. Importing the view modules puts their routes
    on bp; it happens here, when create_app asks, so importing a model or an operation of
    this area never loads its pages."""
    from portal.auth import views  # noqa: F401

    return bp
