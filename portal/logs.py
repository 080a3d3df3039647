"""Request ids, one access record per request, and JSON lines for log collectors.

Every request carries an id: the X-Request-ID it came with (a proxy or load balancer
that sets one links its own log to ours) or a new one, echoed in the answer's
X-Request-ID header. Every record logged while a request runs names it, with the path and
the signed-in user's id. The access record ("portal.access", INFO) adds the status and
the duration in milliseconds.

LOG_FORMAT=json writes every record as one JSON object per line on stderr (the gunicorn
configuration, gunicorn.conf.py, makes it the default there and formats gunicorn's own
records the same way); otherwise (the `flask` command line, tests) logging stays as Flask
sets it up: plain text, and the access records are not shown.
"""
import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is kept only if it is short and plain: it goes into every log line.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
access_log = logging.getLogger("portal.access")
_FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms")


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestContext(logging.Filter):
    """Adds the request's id, path and user to every record logged while it runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            for name, value in (("request_id", g.get("request_id")), ("path", request.path),
                                ("method", request.method), ("user_id", _user_id())):
                if not hasattr(record, name):
                    setattr(record, name, value)
        return True


def _user_id() -> int | None:
    # Only a user Flask-Login has already loaded: logging never queries the database.
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "id", None)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the request's
    fields when known, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def json_handler(stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContext())
    return handler


def configure_json(level: str = "INFO") -> None:
    """JSON lines on the root logger, once per process (gunicorn's logconfig may have
    installed them already, see gunicorn.conf.py)."""
    root = logging.getLogger()
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        root.handlers[:] = [json_handler()]
    root.setLevel(level)


def register(app: Flask) -> None:
    if app.config.get("LOG_FORMAT") == "json":
        configure_json(app.config.get("LOG_LEVEL", "INFO"))
        app.logger.handlers.clear()  # records reach the root's JSON handler; no second copy
    # First of all hooks, so the id exists before any other hook logs or refuses.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)


def _start() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _ACCEPTED_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    started = g.get("request_started")
    if started is None:  # the request ended before the first hook ran
        _start()
        started = g.request_started
    response.headers[REQUEST_ID_HEADER] = g.request_id
    duration = time.perf_counter() - started
    g.request_seconds = duration
    access_log.info("%s %s %s", request.method, request.path, response.status_code,
                    extra={"status": response.status_code, "duration_ms": round(duration * 1000, 1)})
    return response
