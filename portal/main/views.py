"""Home page and health check."""
from flask import render_template
from sqlalchemy import text

from portal import cycles
from portal.agencies.queries import visible_agencies
from portal.extensions import db
from portal.main import bp


@bp.get("/")
def home():
    """Start where the user's work is: their agencies, with the criteria one click away."""
    return render_template("main/home.html", agencies=visible_agencies(),
                           current_cycle=cycles.current_cycle_or_none())


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
