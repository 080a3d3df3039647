"""What needs the signed-in person now, for the home page: for the agencies they edit,
items returned "ต้องแก้ไข" with the reason, questions not answered in full and extractions
that failed; for reviewers (and assessors, admins), items awaiting a first decision, items
the agency resubmitted after "ต้องแก้ไข", and the newest replies; for everyone, the count
of threads with comments they have not read.
Each list is newest first and paged; counts are counted by the database."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import cycles
from portal.access import can_edit_agency
from portal.answers.queries import progress
from portal.coverage.summary import levels_at_a_glance
from portal.extensions import db
from portal.paging import Page, paged
from portal.models import Agency, AssessmentCycle, ChecklistItem, Category, ItemReview, SubItem, User
from portal.models.evidence import Evidence, EvidenceAttachment
from portal.reviews.inbox import InboxFilter, awaiting, decided_as, open_threads, review_scope
from portal.reviews.queries import unread_count

PAGE_SIZE = 10
REVIEWING_ROLES = ("reviewer", "assessor", "admin")
NEWEST_REPLIES = 5
MAX_GLANCES = 5  # agencies whose levels the home page shows (an editor usually has one)


def _paged(statement, number: int) -> Page:
    return paged(statement, number, PAGE_SIZE)


def returned_items(agency_ids: list[int], cycle_id: int, number: int = 1) -> Page:
    """(review, item, agency) the reviewers sent back, newest first."""
    statement = (select(ItemReview, ChecklistItem, Agency)
                 .join(ChecklistItem, ItemReview.checklist_item_id == ChecklistItem.id)
                 .join(Agency, ItemReview.agency_id == Agency.id)
                 .where(ItemReview.cycle_id == cycle_id, ItemReview.status == "needs_revision",
                        ItemReview.agency_id.in_(agency_ids))
                 .options(selectinload(ChecklistItem.sub_item).selectinload(SubItem.category))
                 .order_by(ItemReview.updated_at.desc(), ItemReview.id.desc()))
    return _paged(statement, number)


def failed_extractions(agency_ids: list[int], cycle_id: int, number: int = 1) -> Page:
    statement = (select(Evidence).where(Evidence.agency_id.in_(agency_ids), Evidence.cycle_id == cycle_id,
                                        Evidence.deleted_at.is_(None), Evidence.extraction_status == "failed")
                 .order_by(Evidence.updated_at.desc(), Evidence.id.desc()))
    return _paged(statement, number)


def awaiting_review(scope: set[int] | None, cycle_id: int, number: int = 1) -> Page:
    """(agency, item, newest attachment time) of items awaiting a first decision, the
    newest evidence first (the review inbox lists the same items in criteria order)."""
    newest = func.max(EvidenceAttachment.created_at).label("newest")
    statement = awaiting(select(Evidence.agency_id, EvidenceAttachment.checklist_item_id, newest), cycle_id,
                         first_time=True)
    if scope is not None:
        statement = statement.where(Evidence.agency_id.in_(scope))
    page = _paged(statement.group_by(Evidence.agency_id, EvidenceAttachment.checklist_item_id)
                  .order_by(newest.desc(), EvidenceAttachment.checklist_item_id), number)
    agencies = {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_({r[0] for r in page.rows})))}
    items = {i.id: i for i in db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.id.in_({r[1] for r in page.rows}))
        .options(selectinload(ChecklistItem.sub_item).selectinload(SubItem.category)))}
    return Page([(agencies[a], items[i], when) for a, i, when in page.rows], page.total, page.number, page.size)


def resubmitted_items(scope: set[int] | None, cycle_id: int, number: int = 1) -> Page:
    """(review, item, agency) the agency sent back after "ต้องแก้ไข", newest first."""
    statement = (select(ItemReview, ChecklistItem, Agency)
                 .join(ChecklistItem, ItemReview.checklist_item_id == ChecklistItem.id)
                 .join(Agency, ItemReview.agency_id == Agency.id)
                 .where(ItemReview.cycle_id == cycle_id, decided_as("resubmitted"))
                 .options(selectinload(ChecklistItem.sub_item).selectinload(SubItem.category))
                 .order_by(ItemReview.resubmitted_at.desc(), ItemReview.id.desc()))
    if scope is not None:
        statement = statement.where(ItemReview.agency_id.in_(scope))
    return _paged(statement, number)


@dataclass(frozen=True)
class Unanswered:
    agency: Agency
    category_code: str
    sub_item: SubItem
    missing: int


def unanswered_questions(agencies: list[Agency], cycle: AssessmentCycle) -> tuple[int, list[Unanswered]]:
    """The number of questions not answered in full, and the sub-items that still have some."""
    sub_items = db.session.execute(
        select(SubItem, Category.code).join(Category)
        .where(Category.version == cycles.criteria_edition(cycle)).order_by(Category.position, SubItem.position)).all()
    found, total = [], 0
    for agency in agencies:
        counts = progress(agency.id, cycle.id, [s.id for s, _ in sub_items])
        for sub_item, category_code in sub_items:
            missing = counts[sub_item.id].total - counts[sub_item.id].answered
            if missing:
                total += missing
                found.append(Unanswered(agency, category_code, sub_item, missing))
    return total, found


def worklist(user: User, agencies: list[Agency], cycle: AssessmentCycle | None, pages: dict[str, int]) -> dict:
    """Everything the home page lists; empty when there is no current cycle."""
    editable = [a for a in agencies if can_edit_agency(a.id, user)]
    reviewing = any(user.has_role(role) for role in REVIEWING_ROLES)
    if cycle is None:
        return {"editable": [], "reviewing": False, "unread": 0}
    ids = [a.id for a in editable]
    result = {"editable": editable, "reviewing": reviewing, "unread": unread_count(user)}
    if reviewing:
        scope = review_scope()
        threads, unread = open_threads(cycle.id, InboxFilter())
        result.update(awaiting=awaiting_review(scope, cycle.id, pages.get("awaiting", 1)),
                      resubmitted=resubmitted_items(scope, cycle.id, pages.get("resubmitted", 1)),
                      replies=sorted(threads, key=lambda t: t.last_activity_at, reverse=True)[:NEWEST_REPLIES],
                      replies_unread=unread)
    if editable:
        total, unanswered = unanswered_questions(editable, cycle)
        result.update(returned=returned_items(ids, cycle.id, pages.get("returned", 1)),
                      failed=failed_extractions(ids, cycle.id, pages.get("failed", 1)),
                      unanswered_total=total, unanswered=unanswered,
                      levels=[(a, levels_at_a_glance(a, cycle)) for a in editable[:MAX_GLANCES]])
    return result
