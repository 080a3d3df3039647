"""Home page and health check."""
from flask import current_app, request
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal import cycles
from portal.agencies.queries import visible_agencies
from portal.disk import free_space
from portal.extensions import db, htmx
from portal.fragments import render
from portal.main import bp
from portal.main.worklist import worklist

SECTIONS = {"worklist": "worklist", "review-worklist": "review_worklist"}  # element id → block


@bp.get("/")
def home():
    """Start where the user's work is: their agencies, with the criteria one click away."""
    agencies, cycle = visible_agencies(), cycles.current_cycle_or_none()
    pages = {name: request.args.get(f"{name}_page", 1, type=int) for name in ("returned", "failed", "awaiting", "resubmitted")}
    # A pager's htmx link swaps only its list's section (templates/main/_pager.html).
    block = SECTIONS.get(htmx.target or "", "content")
    return render("main/home.html", block, agencies=agencies, current_cycle=cycle,
                  work=worklist(current_user, agencies, cycle, pages))


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
