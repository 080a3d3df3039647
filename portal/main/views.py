"""Home page and health check."""
from flask import Response, current_app, request
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal import cycles, queue
from portal import metrics as app_metrics
from portal.agencies.queries import visible_agencies
from portal.disk import free_space
from portal.errors import Refused
from portal.extensions import db, htmx
from portal.fragments import render
from portal.main import bp
from portal.main.worklist import worklist
from portal.search import backend

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
    """For load balancers and monitoring: the database, the job queue, the search index
    and disk space. Only a database that does not answer is 503 (every page needs it).
    The rest answers 200 with a status naming the first problem, and every check's own
    outcome, because the portal still serves without it and the queue, the index and the
    data folders are usually shared by every instance, so a 503 would take them all out
    of rotation at once; monitoring alerts on the status:
    - "queue_unavailable": the queue's storage (SQLite file or Redis) does not answer.
      Uploads are still saved; their jobs are handed over again from the database's
      outbox once it answers (portal/effects.py).
    - "low_disk": a data folder has less than DISK_LOW_MB free; writes go on until the
      disk is really full (then 507).
    - "index_unavailable": the search index does not open (missing, damaged, being
      rebuilt: "index" says which): searches answer 503 in Thai, every other page works."""
    try:
        db.session.execute(text("SELECT 1"))
    except DBAPIError:
        current_app.logger.exception("health check: the database does not answer")
        return {"status": "database_unavailable", "database": "unavailable"}, 503
    depth = queue.depth_or_none()
    index = _index_state()
    free = {name: space.free_mb for name, space in free_space().items()}
    low = sorted(name for name, mb in free.items() if mb < current_app.config["DISK_LOW_MB"])
    # Most pressing first: a lost queue or a filling disk need someone; an index rebuilds itself.
    problems = [name for name, bad in (("queue_unavailable", depth is None), ("low_disk", bool(low)),
                                       ("index_unavailable", index != "ok")) if bad]
    return {"status": problems[0] if problems else "ok", "problems": problems, "database": "ok",
            "queue": {"status": "unavailable" if depth is None else "ok", "storage": queue.storage_name(),
                      "pending": depth},
            "index": index,
            "disk_free_mb": free, "disk_low": low, "disk_low_mb": current_app.config["DISK_LOW_MB"]}


def _index_state() -> str:
    """"ok", "rebuilding" (it does not open and a rebuild has been asked for) or "unavailable"."""
    try:
        backend.open_index().close()
        return "ok"
    except Exception as error:  # noqa: BLE001  (missing folder, damaged files: reported, never raised)
        current_app.logger.warning("health check: the search index does not open: %s", error)
        folder = backend.index_folder()
        return "rebuilding" if folder.with_name(folder.name + ".rebuild-requested").exists() else "unavailable"


@bp.get("/metrics")
def metrics():
    """Prometheus metrics (portal/metrics.py): loopback, or the METRICS_TOKEN bearer token."""
    if not app_metrics.allowed():
        raise Refused(403, "หน้านี้เปิดได้จากเครื่องเซิร์ฟเวอร์เอง หรือเมื่อส่งรหัส METRICS_TOKEN มาด้วยเท่านั้น")
    return Response(app_metrics.exposition(queue.depth_or_none()), mimetype=app_metrics.CONTENT_TYPE)
