"""gunicorn settings of the portal: `gunicorn -c gunicorn.conf.py 'portal:create_app()'`
(`make run` uses it; README "ใช้งานจริงทั้งประเทศ").

- Threaded workers (gthread): most of a request's time is spent waiting on the database
  and on files, so a few threads per process keep the processes' memory down; a process
  per core (WEB_WORKERS) uses the cores for the Python work (rendering, Thai word
  breaking). WEB_WORKERS × WEB_THREADS requests run at once.
- The app is loaded once in the master and the workers are forked from it
  (`preload_app`), so a broken configuration fails at start, not in every worker, and the
  workers share the loaded code and data (criteria, Thai dictionaries) page for page:
  `gc.freeze()` after loading keeps the garbage collector from touching, hence copying,
  those pages in each worker. Every worker opens its own database connections
  (`post_fork` drops any the master had).
- Prometheus figures of all workers are added up (portal/metrics.py): PROMETHEUS_MULTIPROC_DIR,
  or a fresh folder made here; the files of a worker that ended are marked dead.
- Logs: JSON lines on stderr (LOG_FORMAT=json unless set otherwise), gunicorn's own records
  included; gunicorn's access log is off, the portal writes one record per request with
  its id, user, status and duration (portal/logs.py).
"""
import gc
import os
import shutil
import tempfile
import threading

# Before the app (and prometheus_client) is imported: both read these at import.
os.environ.setdefault("LOG_FORMAT", "json")
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    # A folder of this server's own, empty by construction, removed when it stops. A folder
    # given from outside must be emptied before the server starts (`make run` does; README).
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pmqa-metrics-")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
preload_app = True
# A worker silent this long is killed and replaced. Requests that take long (a large
# upload on a slow line, a report of 300 agencies) stay under it; extraction and OCR run
# in the Huey consumer, never here.
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
graceful_timeout = 30  # SIGTERM: requests under way get this long to finish
# Seconds an idle kept-alive connection stays open. Longer than the idle timeout of what
# sits in front (nginx keeps upstream connections 60 s, a load balancer 60 s, a browser
# longer), so the client always closes first: a server that closes a connection at the
# moment the client sends on it leaves that request with no answer (nginx: 502; measured
# with 5 s: 1 request in 500 of `make bench-load` failed so, mostly POSTs, never retried).
# Idle connections wait in the worker's poller, not in a thread.
keepalive = int(os.environ.get("WEB_KEEPALIVE", "75"))
# A worker is replaced after this many requests (± jitter), which bounds slow leaks.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = None  # the portal's own access records (portal/logs.py)
errorlog = "-"
# No control socket: it defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), which
# two servers on one machine (a test beside the real one) would fight over; signals and
# systemd manage this server.
control_socket_disable = True
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

if os.environ["LOG_FORMAT"] == "json":
    logconfig_dict = {
        "root": {"level": os.environ.get("LOG_LEVEL", "INFO").upper(), "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False,
                               "qualname": "gunicorn.error"},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False, "qualname": "gunicorn.access"},
        },
        "filters": {"request": {"()": "portal.logs.RequestContext"}},
        "formatters": {"json": {"()": "portal.logs.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request"],
                        "stream": "ext://sys.stderr"},
        },
    }


def when_ready(server):
    """The app is loaded (preload_app): what it made so far stays put for the workers."""
    gc.freeze()
    server.log.info("portal ready on %s: %s workers × %s threads (%s objects frozen)", ", ".join(server.cfg.bind),
                    server.cfg.workers, server.cfg.threads, gc.get_freeze_count())


def post_fork(server, worker):
    """Connections are never shared between processes: drop the pool inherited from the
    master (without closing the master's sockets), so this worker opens its own. Then
    the search warms up beside the worker, which serves meanwhile."""
    from portal.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)
    threading.Thread(target=_warm_search, args=(app,), daemon=True, name="search-warm-up").start()


def _warm_search(app):
    from portal.search import backend
    from portal.search.index import SearchUnavailable

    with app.app_context():
        try:
            backend.warm_up()
        except SearchUnavailable as reason:  # not built yet, or being rebuilt: usual at a first start
            app.logger.info("search warm-up skipped: %s", reason)
        except Exception:  # noqa: BLE001  (a damaged index: a search reports it and asks for a rebuild)
            app.logger.warning("search warm-up failed", exc_info=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
