"""Inbox queries: open threads and items waiting for a decision, within the user's scope."""
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.paging import Page, paged
from portal.models import Agency, Category, ChecklistItem, SubItem
from portal.models.evidence import Evidence, EvidenceAttachment
from portal.models.review import CommentThread, ItemReview
from portal.reviews.permissions import internal_agency_ids, visible_threads_clause
from portal.reviews.queries import unread_thread_ids

LIMIT = 200  # open threads listed
PAGE_SIZE = 50  # items per inbox page
STATUS_FILTERS = {
    "awaiting": "รอพิจารณา (มีหลักฐาน ยังไม่ตัดสิน)",
    "resubmitted": "แก้ไขแล้ว รอพิจารณาอีกครั้ง",
    "needs_revision": "ต้องแก้ไข",
    "accepted": "ผ่านการพิจารณา",
}
# By agency, then criteria order; selected too, because PostgreSQL orders a DISTINCT only by
# selected columns. Agency.id breaks a tie between two agencies of one name.
ORDER = (Agency.name, Agency.id, Category.position, SubItem.position, ChecklistItem.position, ChecklistItem.id)


@dataclass
class InboxFilter:
    agency_id: int | None = None
    category: str | None = None
    status: str = "awaiting"

    @classmethod
    def from_args(cls, args, default_status: str = "awaiting", prefix: str = "") -> "InboxFilter":
        """The inbox reads `agency`, `category`, `status`; an item page carries the same
        filter as `inbox_agency`… so its "next item" link walks the list the reviewer chose."""
        status = args.get(prefix + "status", default_status)
        return cls(args.get(prefix + "agency", type=int), args.get(prefix + "category") or None,
                   status if status in STATUS_FILTERS else default_status)

    def as_args(self, prefix: str = "") -> dict:
        args = {prefix + "status": self.status, prefix + "agency": self.agency_id, prefix + "category": self.category}
        return {name: value for name, value in args.items() if value}


def _item_filters(statement, agency_column, item_column, flt: InboxFilter, scope: set[int] | None):
    statement = statement.join(ChecklistItem, ChecklistItem.id == item_column).join(SubItem).join(Category)
    if scope is not None:
        statement = statement.where(agency_column.in_(scope))
    if flt.agency_id:
        statement = statement.where(agency_column == flt.agency_id)
    if flt.category:
        statement = statement.where(Category.code == flt.category)
    return statement


def open_threads(cycle_id: int, flt: InboxFilter) -> tuple[list[CommentThread], set[int]]:
    """Open threads the user may read, newest activity first, and which are unread."""
    statement = _item_filters(select(CommentThread), CommentThread.agency_id,
                              CommentThread.checklist_item_id, flt, None)
    threads = list(db.session.scalars(
        statement.where(CommentThread.cycle_id == cycle_id, CommentThread.resolved_at.is_(None),
                        visible_threads_clause())
        .options(selectinload(CommentThread.comments), selectinload(CommentThread.agency),
                 selectinload(CommentThread.checklist_item))
        .order_by(CommentThread.last_activity_at.desc()).limit(LIMIT)))
    unread = unread_thread_ids([t.id for t in threads])
    threads.sort(key=lambda t: t.id not in unread)  # unread first, otherwise newest first
    return threads, unread


def awaiting(statement, cycle_id: int, first_time: bool = False):
    """Items with live evidence and no decision yet (no review, or sent for review); with
    `first_time`, not those the agency resubmitted after "ต้องแก้ไข" (listed apart)."""
    on_review = and_(ItemReview.agency_id == Evidence.agency_id, ItemReview.cycle_id == cycle_id,
                     ItemReview.checklist_item_id == EvidenceAttachment.checklist_item_id)
    undecided = or_(ItemReview.id.is_(None), ItemReview.status == "submitted")
    if first_time:
        undecided = or_(ItemReview.id.is_(None),
                        and_(ItemReview.status == "submitted", ItemReview.resubmitted_at.is_(None)))
    return (statement.select_from(EvidenceAttachment)
            .join(Evidence, EvidenceAttachment.evidence_id == Evidence.id)
            .outerjoin(ItemReview, on_review)
            .where(Evidence.cycle_id == cycle_id, Evidence.deleted_at.is_(None), undecided))


def decided_as(status: str):
    """A review's status filter; "resubmitted" is sent again after "ต้องแก้ไข"."""
    if status == "resubmitted":
        return and_(ItemReview.status == "submitted", ItemReview.resubmitted_at.is_not(None))
    return ItemReview.status == status


def _review_statement(cycle_id: int, flt: InboxFilter, scope: set[int] | None):
    """(agency id, item id, review id) for the status filter, in inbox order: by agency,
    then criteria order, so the page groups by agency and sub-item. "awaiting" means the
    item has live evidence and no decision yet (no review, or submitted)."""
    if flt.status == "awaiting":
        statement = awaiting(select(Evidence.agency_id, EvidenceAttachment.checklist_item_id, ItemReview.id,
                                    *ORDER).distinct(), cycle_id)
        agency_column, item_column = Evidence.agency_id, EvidenceAttachment.checklist_item_id
    else:
        statement = select(ItemReview.agency_id, ItemReview.checklist_item_id, ItemReview.id, *ORDER).where(
            ItemReview.cycle_id == cycle_id, decided_as(flt.status))
        agency_column, item_column = ItemReview.agency_id, ItemReview.checklist_item_id
    statement = _item_filters(statement.join(Agency, Agency.id == agency_column), agency_column, item_column,
                              flt, scope)
    return statement, agency_column, item_column


def _loaded(rows) -> list[tuple]:
    """(agency, item, review or None) for (agency id, item id, review id) rows, in three queries."""
    agencies = {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_({r[0] for r in rows})))}
    items = {i.id: i for i in db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.id.in_({r[1] for r in rows}))
        .options(selectinload(ChecklistItem.sub_item).selectinload(SubItem.category)))}
    reviews = {r.id: r for r in db.session.scalars(select(ItemReview).where(ItemReview.id.in_({r[2] for r in rows if r[2]})))}
    return [(agencies[a], items[i], reviews.get(r)) for a, i, r in rows]


def review_rows(cycle_id: int, flt: InboxFilter, scope: set[int] | None, number: int = 1) -> Page:
    """One page of (agency, item, review or None) for the status filter."""
    statement, _, _ = _review_statement(cycle_id, flt, scope)
    page = paged(statement.order_by(*ORDER), number, PAGE_SIZE)
    return Page(_loaded([row[:3] for row in page.rows]), page.total, page.number, page.size)


def next_after(cycle_id: int, flt: InboxFilter, scope: set[int] | None, agency: Agency,
               item: ChecklistItem) -> tuple[Agency, ChecklistItem] | None:
    """The row that follows (agency, item) in the inbox's order under the same filter, so a
    reviewer walks through what awaits them; the first row when this one is not listed
    before any other (it was just decided, or its filter changed)."""
    statement, _, _ = _review_statement(cycle_id, flt, scope)
    sub_item = item.sub_item
    here = (agency.name, agency.id, sub_item.category.position, sub_item.position, item.position, item.id)
    after = db.session.execute(statement.where(tuple_(*ORDER) > tuple_(*here)).order_by(*ORDER).limit(1)).first()
    if after is None:
        after = db.session.execute(statement.where(tuple_(*ORDER) != tuple_(*here)).order_by(*ORDER).limit(1)).first()
    if after is None:
        return None
    found_agency, found_item, _ = _loaded([after[:3]])[0]
    return found_agency, found_item


def review_scope() -> set[int] | None:
    """Agencies in the reviewer inbox: assigned ones; all for assessors and admins."""
    return internal_agency_ids()
