"""An agency's levels per category and sub-item: the figures every dashboard, overview and
export shows, computed once from the criteria and the set of done items."""
from collections.abc import Sequence
from dataclasses import dataclass

from portal.coverage.levels import Item, Outcome, category_outcome, sub_item_outcome
from portal.coverage.scoring import ProcessPoints


@dataclass(frozen=True)
class SubItemRow:
    id: int
    code: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class CategoryRow:
    id: int
    code: str
    title: str
    sub_items: tuple[SubItemRow, ...]


@dataclass(frozen=True)
class SubItemReport:
    sub_item: SubItemRow
    outcome: Outcome


@dataclass(frozen=True)
class CategoryReport:
    category: CategoryRow
    outcome: Outcome
    sub_items: tuple[SubItemReport, ...]


def agency_report(categories: Sequence[CategoryRow], done_ids: set[int],
                  points: ProcessPoints) -> tuple[CategoryReport, ...]:
    reports = []
    for category in categories:
        subs = tuple(SubItemReport(s, sub_item_outcome(s.items, done_ids, points)) for s in category.sub_items)
        reports.append(CategoryReport(category, category_outcome([s.outcome for s in subs], points), subs))
    return tuple(reports)


def total_points(reports: Sequence[CategoryReport]) -> int:
    return sum(r.outcome.points for r in reports)
