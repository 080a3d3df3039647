"""Flask-Login wiring: sessions carry a version so logout and deactivation end them."""
from urllib.parse import urlsplit

from flask import Flask, redirect, request, url_for
from flask_login import current_user

from portal.extensions import db, login_manager
from portal.fragments import wants_fragment
from portal.models import User
from portal.models.user import AnonymousUser

# Reachable without signing in.
PUBLIC_ENDPOINTS = {"auth.login", "static", "main.health", "main.metrics"}


def load_user(token: str) -> User | None:
    user_id, _, version = token.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None  # logged out elsewhere, deactivated, or a replayed old cookie
    return user


def is_safe_next(target: str | None) -> bool:
    """Only paths on this site: no scheme, no host, no protocol-relative '//' or '/\\'."""
    if not target:
        return False
    if any(ord(ch) < 32 for ch in target) or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")


def unauthorized():
    next_path = request.full_path if request.query_string else request.path
    login_url = url_for("auth.login", next=next_path if request.method == "GET" else None)
    if wants_fragment() or request.headers.get("HX-Request") == "true":
        # An expired session must not land a login form inside a fragment.
        return "", 401, {"HX-Redirect": login_url}
    return redirect(login_url)


def needs_sign_in() -> bool:
    return request.endpoint not in PUBLIC_ENDPOINTS and request.endpoint is not None \
        and not current_user.is_authenticated


def require_login():
    return unauthorized() if needs_sign_in() else None


def register(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.anonymous_user = AnonymousUser
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(require_login)
