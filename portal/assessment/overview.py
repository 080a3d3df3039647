"""Read side of the assessment overview: where every agency's assessment stands in a cycle
(team, submission, scoring, consensus, publication, the consensus level per category).

Counted by the database in a few GROUP BY queries over the whole cycle, whatever the
number of agencies, so 300 agencies cost what 3 do; nothing here queries per row."""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from portal import cycles
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, Category, SubItem, Submission, User
from portal.models.assessment import AssessmentAssignment, AssessmentState, Judgement

STATUSES = {
    "no_team": "ไม่มีทีม",
    "assessing": "กำลังประเมิน",
    "consensus": "ฉันทามติแล้ว",
    "published": "เผยแพร่แล้ว",
}
SORTS = ("name", "code", "status", "submitted", "scored", "consensus", "published")
CATEGORY_CODES = tuple(str(n) for n in range(1, 8))
PROCESS_CATEGORY_CODES = CATEGORY_CODES[:6]


@dataclass
class OverviewRow:
    agency: Agency
    team_size: int = 0
    lead_name: str | None = None
    mine: bool = False
    submission_number: int | None = None
    submitted_at: datetime | None = None
    scored: int = 0
    consensus: int = 0
    consensus_done_at: datetime | None = None
    published_at: datetime | None = None
    category_levels: dict[str, str] = field(default_factory=dict)
    codes_total: int = 0

    @property
    def status(self) -> str:
        if self.published_at:
            return "published"
        if self.consensus_done_at:
            return "consensus"
        return "assessing" if self.team_size else "no_team"

    @property
    def scoring_total(self) -> int:
        return self.team_size * self.codes_total

    @property
    def scored_percent(self) -> int:
        return round(100 * self.scored / self.scoring_total) if self.scoring_total else 0

    @property
    def consensus_percent(self) -> int:
        return round(100 * self.consensus / self.codes_total) if self.codes_total else 0


def codes_to_judge(cycle: AssessmentCycle) -> tuple[str, ...]:
    """What each assessor judges: the sub-items of categories 1–6 and the seven categories
    themselves, in the cycle's criteria edition."""
    edition = cycles.criteria_edition(cycle)
    sub_items = db.session.scalars(
        select(SubItem.code).join(Category).where(Category.version == edition,
                                                  Category.code.in_(PROCESS_CATEGORY_CODES))
        .order_by(Category.position, SubItem.position))
    categories = db.session.scalars(select(Category.code).where(
        Category.version == edition, Category.code.in_(CATEGORY_CODES)).order_by(Category.position))
    return (*sub_items, *categories)


def overview_rows(cycle: AssessmentCycle, user: User, kind: str = "", q: str = "",
                  only_mine: bool = False) -> list[OverviewRow]:
    """Every active agency matching the filters (status is filtered by the caller, since it
    is computed from the counts), with its figures."""
    statement = select(Agency).where(Agency.active)
    if kind:
        statement = statement.where(Agency.kind == kind)
    if q:
        pattern = f"%{q.lower()}%"
        statement = statement.where(or_(func.lower(Agency.code).like(pattern), func.lower(Agency.name).like(pattern)))
    team_of = (AssessmentAssignment.cycle_id == cycle.id)
    if only_mine:
        statement = statement.where(Agency.id.in_(select(AssessmentAssignment.agency_id).where(
            team_of, AssessmentAssignment.assessor_id == user.id)))
    rows = {agency.id: OverviewRow(agency) for agency in db.session.scalars(statement)}
    if not rows:
        return []
    codes = codes_to_judge(cycle)
    for row in rows.values():
        row.codes_total = len(codes)

    for agency_id, size in db.session.execute(
            select(AssessmentAssignment.agency_id, func.count()).where(team_of)
            .group_by(AssessmentAssignment.agency_id)):
        if agency_id in rows:
            rows[agency_id].team_size = size
    for agency_id in db.session.scalars(select(AssessmentAssignment.agency_id).where(
            team_of, AssessmentAssignment.assessor_id == user.id)):
        if agency_id in rows:
            rows[agency_id].mine = True
    for agency_id, name in db.session.execute(
            select(AssessmentAssignment.agency_id, User.display_name)
            .join(User, User.id == AssessmentAssignment.assessor_id)
            .where(team_of, AssessmentAssignment.is_lead)):
        if agency_id in rows:
            rows[agency_id].lead_name = name

    for agency_id, number, submitted_at in db.session.execute(
            select(Submission.agency_id, func.max(Submission.number), func.max(Submission.submitted_at))
            .where(Submission.cycle_id == cycle.id).group_by(Submission.agency_id)):
        if agency_id in rows:
            rows[agency_id].submission_number, rows[agency_id].submitted_at = number, submitted_at

    judged = and_(Judgement.cycle_id == cycle.id, Judgement.level.is_not(None), Judgement.code.in_(codes))
    # Only judgements of who is on the team now count towards its progress.
    for agency_id, count in db.session.execute(
            select(Judgement.agency_id, func.count())
            .join(AssessmentAssignment, and_(AssessmentAssignment.agency_id == Judgement.agency_id,
                                             AssessmentAssignment.cycle_id == Judgement.cycle_id,
                                             AssessmentAssignment.assessor_id == Judgement.assessor_id))
            .where(judged).group_by(Judgement.agency_id)):
        if agency_id in rows:
            rows[agency_id].scored = count
    for agency_id, scope, code, level in db.session.execute(
            select(Judgement.agency_id, Judgement.scope, Judgement.code, Judgement.level)
            .where(judged, Judgement.assessor_id.is_(None))):
        if agency_id in rows:
            rows[agency_id].consensus += 1
            if scope == "category":
                rows[agency_id].category_levels[code] = level

    for agency_id, done_at, published_at in db.session.execute(
            select(AssessmentState.agency_id, AssessmentState.consensus_done_at, AssessmentState.published_at)
            .where(AssessmentState.cycle_id == cycle.id)):
        if agency_id in rows:
            rows[agency_id].consensus_done_at, rows[agency_id].published_at = done_at, published_at
    return list(rows.values())


def sort_rows(rows: list[OverviewRow], sort: str, descending: bool) -> list[OverviewRow]:
    order = list(STATUSES)
    keys = {
        "name": lambda r: r.agency.name,
        "code": lambda r: r.agency.code,
        "status": lambda r: (order.index(r.status), r.agency.name),
        "submitted": lambda r: (r.submitted_at is not None, r.submitted_at or datetime.min, r.agency.name),
        "scored": lambda r: (r.scored_percent, r.scored, r.agency.name),
        "consensus": lambda r: (r.consensus_percent, r.agency.name),
        "published": lambda r: (r.published_at is not None, r.published_at or datetime.min, r.agency.name),
    }
    return sorted(rows, key=keys[sort], reverse=descending)
