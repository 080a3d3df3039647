"""Home page and health check."""
from flask import Blueprint, current_app, render_template
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.disk import free_space
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
    """For load balancers and monitoring. Low disk space answers 200 with status
    "low_disk": the portal still serves (reads everywhere, writes until the disk is
    really full, then 507), and the data folders are usually shared by every instance,
    so a 503 would take them all out of rotation at once. Monitoring alerts on the
    status. Only a database that does not answer is 503."""
    try:
        db.session.execute(text("SELECT 1"))
    except DBAPIError:
        current_app.logger.exception("health check: the database does not answer")
        return {"status": "database_unavailable"}, 503
    free = {name: space.free_mb for name, space in free_space().items()}
    low = sorted(name for name, mb in free.items() if mb < current_app.config["DISK_LOW_MB"])
    return {"status": "low_disk" if low else "ok", "disk_free_mb": free, "disk_low": low,
            "disk_low_mb": current_app.config["DISK_LOW_MB"]}
