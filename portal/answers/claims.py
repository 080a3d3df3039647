"""What the claim form shows: the level the agency asks to be assessed at, beside the level
the portal computes (a suggestion the agency may claim above or below)."""
from portal.answers.queries import claim_of
from portal.coverage.summary import summary_context
from portal.submissions.lock import editable


def claim_context(agency, cycle, sub_item, **extra) -> dict:
    outcome = summary_context(agency, cycle, sub_item.category.code, sub_item.code, "covered")["outcome"]
    return {"claim_sub_item": sub_item, "claim": claim_of(agency.id, cycle.id, sub_item.id),
            "computed_level": outcome.level, "can_edit_claim": editable(agency.id),
            "claim_message": None, "claim_error": None, "typed_claim": None, **extra}
