"""Read-side of coverage: the criteria as plain rows and which items are done, per view."""
from collections import Counter, defaultdict

from sqlalchemy import String, cast, func, select, union, union_all

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
    overview of hundreds of agencies. The database answers one row per agency, its done
    item ids as one comma-separated string (GROUP BY with group_concat / string_agg);
    splitting, de-duplicating (an item attached by several evidence) and tallying by an
    item → (sub-item, level) map run in C (str.split, set, Counter over map), which costs
    a fraction of fetching ~40k (agency, item) rows or of SQL joining and grouping them
    (bench/assessment_overview.py). Items for some agency types only (`restricted`) count
    only for the agencies whose tags they apply to: each tag combination has its own map."""
    if view == "accepted":
        done = (select(ItemReview.agency_id.label("agency_id"), ItemReview.checklist_item_id.label("item_id"))
                .where(ItemReview.cycle_id == cycle_id, ItemReview.status == "accepted"))
        if agency_ids is not None:
            done = done.where(ItemReview.agency_id.in_(agency_ids))
    else:
        done = (select(Evidence.agency_id.label("agency_id"), EvidenceAttachment.checklist_item_id.label("item_id"))
                .join(Evidence, EvidenceAttachment.evidence_id == Evidence.id)
                .where(Evidence.cycle_id == cycle_id, Evidence.deleted_at.is_(None),
                       EvidenceAttachment.awaiting_confirmation.is_(False)))
        if agency_ids is not None:
            done = done.where(Evidence.agency_id.in_(agency_ids))
        done = union_all(done, not_applicable_rows(cycle_id, agency_ids))  # decided without evidence
    done = done.subquery()
    per_agency = (select(done.c.agency_id, func.aggregate_strings(cast(done.c.item_id, String), ","))
                  .group_by(done.c.agency_id))
    # Keyed by the ids as the database spells them and tallied by slot number: no int() per
    # id, and Counter hashes small ints instead of (sub-item, level) tuples.
    slot_of: dict[tuple[int, str], int] = {}  # (sub-item id, level) → slot number
    where = {item_id: slot_of.setdefault((sub_item_id, level), len(slot_of))
             for item_id, sub_item_id, level in db.session.execute(
                 select(ChecklistItem.id, ChecklistItem.sub_item_id, ChecklistItem.level))}
    slots = list(slot_of)
    where_for_tags: dict[frozenset[str], dict[str, int]] = {}
    counts: dict[int, dict[tuple[int, str], int]] = {}
    for agency_id, item_ids in db.session.execute(per_agency).tuples():
        tags = frozenset(agency_tags.get(agency_id, ()))
        where_here = where_for_tags.get(tags)
        if where_here is None:
            where_here = where_for_tags[tags] = {
                str(item_id): slot for item_id, slot in where.items()
                if item_id not in restricted or applies(restricted[item_id], tags)}
        tally = Counter(map(where_here.get, set(item_ids.split(","))))
        tally.pop(None, None)  # items of no sub-item the agency is assessed on
        if tally:
            counts[agency_id] = {slots[slot]: n for slot, n in tally.items()}
    return counts


def done_item_ids(agency_id: int, cycle_id: int, view: str) -> set[int]:
    """Items done in the view: "covered" (live evidence, or marked "ไม่เกี่ยวข้อง" with a
    reason: decided by the agency in the data) or "accepted" (reviewer's verdict, which an
    item that does not apply needs like any other)."""
    if view == "accepted":
        return accepted_item_ids(agency_id, cycle_id)
    return set(db.session.scalars(union(covered_items(agency_id, cycle_id), not_applicable_items(agency_id, cycle_id))))
