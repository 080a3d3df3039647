"""An agency's levels per category and sub-item: the figures every dashboard, overview and
export shows, computed once from the criteria and the set of done items."""
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from portal.coverage.levels import (
    ITEM_LEVELS,
    Item,
    LevelTally,
    Outcome,
    category_outcome,
    outcome_from_tallies,
    sub_item_outcome,
)
from portal.coverage.scoring import ProcessPoints


@dataclass(frozen=True)  # not slotted: cached_property needs the instance dict
class SubItemRow:
    id: int
    code: str
    title: str
    items: tuple[Item, ...]

    @cached_property
    def level_totals(self) -> tuple[tuple[str, int], ...]:
        return tuple((level, sum(1 for i in self.items if i.level == level)) for level in ITEM_LEVELS)


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


def agency_report_from_counts(categories: Sequence[CategoryRow], done_counts: dict[tuple[int, str], int],
                              points: ProcessPoints) -> tuple[CategoryReport, ...]:
    """Levels from (sub-item id, level) → done count, which the database counts for the
    overview; the figures equal agency_report's, without the gap lists."""
    reports = []
    for category in categories:
        subs = []
        for sub in category.sub_items:
            tallies = [LevelTally(level, done_counts.get((sub.id, level), 0), total)
                       for level, total in sub.level_totals]
            subs.append(SubItemReport(sub, outcome_from_tallies(tallies, points)))
        reports.append(CategoryReport(category, category_outcome([s.outcome for s in subs], points), tuple(subs)))
    return tuple(reports)


def total_points(reports: Sequence[CategoryReport]) -> int:
    return sum(r.outcome.points for r in reports)
