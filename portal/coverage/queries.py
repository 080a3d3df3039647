"""Read-side of coverage: the criteria as plain rows and which items are done, per view."""
from collections import defaultdict

from sqlalchemy import select, union

from portal.answers.queries import not_applicable_items, not_applicable_rows
from portal.coverage.levels import Item
from portal.coverage.report import CategoryRow, SubItemRow
from portal.evidence.queries import covered_items
from portal.extensions import db
from portal.results.rules import applies
from portal.reviews.queries import accepted_item_ids
from portal.models import Category, ChecklistItem, ItemReview, SubItem
from portal.models.evidence import Evidence, EvidenceAttachment


def process_categories(version: str) -> tuple[CategoryRow, ...]:
    """Categories 1–6 with their sub-items and items, as plain rows (three column queries)."""
    categories = db.session.execute(
        select(Category.id, Category.code, Category.title)
        .where(Category.version == version).order_by(Category.position)
    ).all()
    sub_items = db.session.execute(
        select(SubItem.id, SubItem.category_id, SubItem.code, SubItem.title)
        .join(Category).where(Category.version == version).order_by(SubItem.position)
    ).all()
    items = db.session.execute(
        select(ChecklistItem.id, ChecklistItem.sub_item_id, ChecklistItem.code,
               ChecklistItem.level, ChecklistItem.text, ChecklistItem.applies_to)
        .join(SubItem).join(Category).where(Category.version == version)
        .order_by(ChecklistItem.position)
    ).all()
    sub_codes = {s.id: s.code for s in sub_items}
    items_by_sub: dict[int, list[Item]] = defaultdict(list)
    for row in items:
        items_by_sub[row.sub_item_id].append(
            Item(row.id, row.code, row.level, row.text, sub_codes[row.sub_item_id],
                 tuple(row.applies_to or ())))
    subs_by_category: dict[int, list[SubItemRow]] = defaultdict(list)
    for s in sub_items:
        subs_by_category[s.category_id].append(SubItemRow(s.id, s.code, s.title, tuple(items_by_sub[s.id])))
    return tuple(CategoryRow(c.id, c.code, c.title, tuple(subs_by_category[c.id]))
                 for c in categories if subs_by_category[c.id])


def restricted_items(categories: tuple[CategoryRow, ...]) -> dict[int, tuple[str, ...]]:
    """item id → agency tags, for the items that count for some agency types only."""
    return {i.id: i.applies_to for c in categories for s in c.sub_items for i in s.items if i.applies_to}


def done_counts_by_agency(cycle_id: int, view: str, agency_tags: dict[int, set[str]],
                          restricted: dict[int, tuple[str, ...]],
                          agency_ids: list[int] | None = None) -> dict[int, dict[tuple[int, str], int]]:
    """agency id → {(sub-item id, level): done items the agency is assessed on}, for the
    overview of hundreds of agencies. The database lists each agency's done items once (one
    query: UNION or DISTINCT); they are tallied here by an item → (sub-item, level) map of
    the criteria, which costs less than joining and grouping tens of thousands of rows in
    SQL (bench/assessment_overview.py). Items for some agency types only (`restricted`)
    count only for the agencies whose tags they apply to."""
    if view == "accepted":
        done = (select(ItemReview.agency_id, ItemReview.checklist_item_id)
                .where(ItemReview.cycle_id == cycle_id, ItemReview.status == "accepted").distinct())
        if agency_ids is not None:
            done = done.where(ItemReview.agency_id.in_(agency_ids))
    else:
        done = (select(Evidence.agency_id.label("agency_id"), EvidenceAttachment.checklist_item_id.label("item_id"))
                .join(Evidence, EvidenceAttachment.evidence_id == Evidence.id)
                .where(Evidence.cycle_id == cycle_id, Evidence.deleted_at.is_(None),
                       EvidenceAttachment.awaiting_confirmation.is_(False)))
        if agency_ids is not None:
            done = done.where(Evidence.agency_id.in_(agency_ids))
        done = union(done, not_applicable_rows(cycle_id, agency_ids))  # decided without evidence
    where = {item_id: (sub_item_id, level) for item_id, sub_item_id, level in db.session.execute(
        select(ChecklistItem.id, ChecklistItem.sub_item_id, ChecklistItem.level))}
    no_tags: set[str] = set()
    counts: dict[int, dict[tuple[int, str], int]] = defaultdict(dict)
    for agency_id, item_id in db.session.execute(done).tuples():
        key = where.get(item_id)
        if key is None or (item_id in restricted and not applies(restricted[item_id],
                                                                  agency_tags.get(agency_id, no_tags))):
            continue
        per_agency = counts[agency_id]
        per_agency[key] = per_agency.get(key, 0) + 1
    return counts


def done_item_ids(agency_id: int, cycle_id: int, view: str) -> set[int]:
    """Items done in the view: "covered" (live evidence, or marked "ไม่เกี่ยวข้อง" with a
    reason: decided by the agency in the data) or "accepted" (reviewer's verdict, which an
    item that does not apply needs like any other)."""
    if view == "accepted":
        return accepted_item_ids(agency_id, cycle_id)
    return set(db.session.scalars(union(covered_items(agency_id, cycle_id), not_applicable_items(agency_id, cycle_id))))
