"""What the team judges: the agency's newest submission as it was frozen, or, before the
agency has submitted, its live data marked as such (the snapshot a submission would
freeze now, so both read the same way)."""
from dataclasses import dataclass

from portal.models import Agency, AssessmentCycle, Submission
from portal.models.user import utcnow
from portal.submissions import snapshot
from portal.submissions.queries import latest_of


@dataclass(frozen=True)
class Material:
    snapshot: dict
    submission: Submission | None  # None: live data, nothing submitted yet

    @property
    def live(self) -> bool:
        return self.submission is None

    def suggested_levels(self) -> dict[str, str]:
        """Sub-item and category code → the level the portal computed from the evidence
        (a suggestion for the assessor, never the judgement)."""
        found = {}
        for category in self.snapshot["categories"]:
            found[category["code"]] = category["levels"]["covered"]["level"]
            for sub in category["sub_items"]:
                found[sub["code"]] = sub["levels"]["covered"]["level"]
        return found


def material(agency: Agency, cycle: AssessmentCycle) -> Material:
    latest = latest_of(agency.id, cycle.id)
    if latest is not None:
        return Material(latest.snapshot, latest)
    return Material(snapshot.build(agency, cycle, 0, None, utcnow()), None)
