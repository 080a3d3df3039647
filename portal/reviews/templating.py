"""Template helpers for reviews: the comment filter, status labels, the inbox link and badge."""
from flask import Flask, url_for
from flask_login import current_user

from portal.models.review import STATUS_LABELS
from portal.reviews.queries import unread_count
from portal.reviews.text import comment_html

INBOX_ROLES = ("reviewer", "assessor", "admin")


def inbox_url() -> str | None:
    """Reviewers, assessors and admins get the review inbox; agency staff their agency's."""
    if not current_user.is_authenticated:
        return None
    if any(current_user.has_role(role) for role in INBOX_ROLES):
        return url_for("reviews.inbox")
    agency_ids = sorted(g.agency_id for g in current_user.grants if g.agency_id is not None)
    return url_for("reviews.agency_inbox", agency_id=agency_ids[0]) if agency_ids else None


def register(app: Flask) -> None:
    app.jinja_env.filters["comment_html"] = comment_html
    app.jinja_env.globals.update(REVIEW_STATUS_LABELS=STATUS_LABELS, review_inbox_url=inbox_url,
                                 unread_thread_count=unread_count)
