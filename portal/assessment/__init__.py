"""Assessment: the assessors assigned to an agency judge its submitted self-assessment per
sub-item and category (level, strengths, opportunities for improvement), the lead agrees
the consensus and publishes the feedback; the agency reads it and plans improvements."""
from flask import Blueprint

bp = Blueprint("assessment", __name__, url_prefix="/assessment")


def blueprint() -> Blueprint:
    from portal.assessment import consensus_views, judge_views, overview_views, views  # noqa: F401

    return bp
