"""The agency's side of the assessment, on the agency's own addresses: the published
feedback (page, PDF, DOCX) and the lead's publishing of it, the improvement plan that
answers each opportunity for improvement, and the good practice library every agency
reads. The team's judging pages are the assessment area (/assessment)."""
from flask import Blueprint

bp = Blueprint("feedback", __name__)


def blueprint() -> Blueprint:
    from portal.feedback import plan_views, practice_views, views  # noqa: F401

    return bp
