"""Home page and health check."""
from flask import Blueprint, render_template
from sqlalchemy import select, text

from portal.extensions import db
from portal.models import AssessmentCycle

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Start where the user's work is: their agencies, with the criteria one click away."""
    from portal.agencies.views import visible_agencies

    current_cycle = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current))
    return render_template("main/home.html", agencies=visible_agencies(), current_cycle=current_cycle)


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
