"""Home page and health check."""
from flask import Blueprint, redirect, url_for
from sqlalchemy import text

from portal.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return redirect(url_for("criteria.index"))


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
