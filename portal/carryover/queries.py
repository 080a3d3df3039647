"""What the dashboard says about carry-over: where it would start from, and how much carried
evidence still waits for the agency's confirmation."""
from sqlalchemy import func, select

from portal import cycles
from portal.extensions import db
from portal.models import AssessmentCycle
from portal.models.evidence import Evidence, EvidenceAttachment


def carry_over_context(agency_id: int, cycle: AssessmentCycle, can_edit: bool) -> dict:
    """Only editors carry over: others' dashboards ask nothing."""
    previous = cycles.previous_cycle(cycle) if can_edit else None
    if previous is None:
        return {"previous_cycle": None, "awaiting_carried": 0}
    awaiting = db.session.scalar(
        select(func.count(EvidenceAttachment.id)).join(Evidence, EvidenceAttachment.evidence_id == Evidence.id)
        .where(Evidence.agency_id == agency_id, Evidence.cycle_id == cycle.id, Evidence.deleted_at.is_(None),
               EvidenceAttachment.awaiting_confirmation)) or 0
    return {"previous_cycle": previous, "awaiting_carried": awaiting}
