"""HTTP hardening in one place: response headers, HTTPS, cross-site requests, id ranges.

- Every dynamic response says `Cache-Control: private, no-store` (pages, fragments, files
  and exports carry agency data); static assets keep their own caching.
- Nobody may frame the portal (`frame-ancestors 'none'`, `X-Frame-Options: DENY`) except
  the evidence preview, which the portal may frame itself ('self').
- Over HTTPS every cookie is `Secure` and HSTS is sent. A proxy's X-Forwarded-Proto (and
  -For) is believed only when TRUSTED_PROXIES says how many proxies there are.
- A state-changing request (POST, PUT, PATCH, DELETE) sent by the browser from another
  site is refused with 403 in Thai, besides the CSRF token. Requests with neither
  Sec-Fetch-Site nor Origin (old clients, scripts, tests) pass: the CSRF token guards them.
- Ids past the database's integer type answer 404, never 500: in paths through the `int`
  converter, in query strings and forms through the overflow error they cause.
"""
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request
from sqlalchemy.exc import DataError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

from portal.extensions import db

# Everything is served by the portal itself (intranets have no CDN), so 'self' suffices.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)
# Responses the portal may show inside its own pages.
FRAMEABLE_ENDPOINTS = {"evidence.preview"}
NO_STORE = "private, no-store"
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
SAME_ORIGIN_FETCHES = {"same-origin", "none"}  # "none": typed or bookmarked by the user
CROSS_SITE = ("คำขอนี้ส่งมาจากเว็บไซต์อื่น ระบบจึงไม่ดำเนินการให้เพื่อความปลอดภัยของข้อมูล "
              "กรุณาทำรายการจากหน้าของพอร์ทัลโดยตรง")
# PostgreSQL's INTEGER, the smaller id type of the two databases (SQLite's is 64-bit).
MAX_DATABASE_ID = 2**31 - 1
NUMERIC_VALUE_OUT_OF_RANGE = "22003"  # PostgreSQL SQLSTATE


class DatabaseIdConverter(IntegerConverter):
    """Werkzeug's `int`, bounded by the database: a larger id names nothing, so 404.

    NotFound rather than Werkzeug's ValidationError: that one lets the router answer 405
    when the same path exists for another method (GET /evidence/<id> beside POST)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_DATABASE_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


class SecureCookiesOverHttps:
    """WSGI middleware: on a request that came over HTTPS, every Set-Cookie gets `Secure`.
    It covers the session, the remember-me cookie and any other without each one's setting."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status, headers, exc_info=None):
            headers = [(name, _with_secure(value) if name.lower() == "set-cookie" else value)
                       for name, value in headers]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secure_start_response)


def _with_secure(cookie: str) -> str:
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    return cookie if "secure" in attributes else f"{cookie}; Secure"


def register(app: Flask) -> None:
    """Call before any blueprint is registered: routes pick their converters when added."""
    app.url_map.converters["int"] = DatabaseIdConverter
    app.wsgi_app = SecureCookiesOverHttps(app.wsgi_app)
    if app.config["TRUSTED_PROXIES"]:
        # Outside the cookie middleware, so it sees the scheme the proxy reported.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1)
    # First of all request hooks, so a cross-site post is a 403 even before the CSRF check.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_cross_site_changes)
    app.after_request(security_headers)
    app.register_error_handler(OverflowError, _integer_out_of_range)
    app.register_error_handler(DataError, _integer_out_of_range)


def is_same_origin() -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:  # set by the browser itself; pages cannot forge it
        return fetch_site in SAME_ORIGIN_FETCHES
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    # The host only: behind a TLS proxy the portal may see http while the browser says https.
    own_hosts = {request.host.lower(), urlsplit(current_app.config["PORTAL_BASE_URL"]).netloc.lower()}
    return urlsplit(origin).netloc.lower() in own_hosts


def refuse_cross_site_changes():
    if request.method in STATE_CHANGING and not is_same_origin():
        g.refusal_action = "cross_site_refused"
        abort(403, description=CROSS_SITE)


def security_headers(response):
    frameable = request.endpoint in FRAMEABLE_ENDPOINTS
    ancestors = "frame-ancestors 'self'" if frameable else "frame-ancestors 'none'"
    policy = response.headers.get("Content-Security-Policy")
    if policy is None:
        response.headers["Content-Security-Policy"] = f"{CONTENT_SECURITY_POLICY}; {ancestors}"
    elif "frame-ancestors" not in policy:
        response.headers["Content-Security-Policy"] = f"{policy}; {ancestors}"
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if frameable else "DENY"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers["Cache-Control"] = NO_STORE
    if request.is_secure and current_app.config["HSTS_SECONDS"]:
        response.headers["Strict-Transport-Security"] = f"max-age={current_app.config['HSTS_SECONDS']}"
    return response


def is_integer_overflow(error: Exception) -> bool:
    if isinstance(error, OverflowError):
        return "too large to convert to SQLite INTEGER" in str(error)
    return getattr(getattr(error, "orig", None), "sqlstate", None) == NUMERIC_VALUE_OUT_OF_RANGE


def _integer_out_of_range(error: Exception):
    """A number from the query string or a form past the database's integer type names no
    row that exists: 404, like an id in the path."""
    if not is_integer_overflow(error):
        raise error
    from portal.main.errors import render_error

    db.session.rollback()
    return render_error(404)
