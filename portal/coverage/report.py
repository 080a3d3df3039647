"""An agency's levels per category and sub-item: the figures every dashboard, overview and
export shows, computed once from the criteria, the agency's tags (kind and unit type: the
items it is assessed on) and the set of done items."""
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from portal.coverage.levels import (
    ITEM_LEVELS,
    Item,
    LevelTally,
    Outcome,
    applicable,
    category_outcome,
    category_outcome_from_counts,
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
    def restricted(self) -> bool:
        """Whether some item counts for some agency types only."""
        return any(i.applies_to for i in self.items)

    def items_for(self, agency_tags: set[str]) -> tuple[Item, ...]:
        return applicable(self.items, agency_tags) if self.restricted else self.items

    @cached_property
    def _level_totals(self) -> tuple[tuple[str, int], ...]:
        return _totals(self.items)

    @cached_property
    def _totals_by_tags(self) -> dict[frozenset[str], tuple[tuple[str, int], ...]]:
        return {}

    def level_totals(self, agency_tags: set[str]) -> tuple[tuple[str, int], ...]:
        """Items per level that the agency is assessed on: computed once per sub-item for the
        overview, or once per combination of agency tags when some items are for one agency
        type only (a handful of combinations, for hundreds of agencies)."""
        if not self.restricted:
            return self._level_totals
        key = frozenset(agency_tags)
        totals = self._totals_by_tags.get(key)
        if totals is None:
            totals = self._totals_by_tags[key] = _totals(self.items_for(agency_tags))
        return totals


def _totals(items: Sequence[Item]) -> tuple[tuple[str, int], ...]:
    return tuple((level, sum(1 for i in items if i.level == level)) for level in ITEM_LEVELS)


@dataclass(frozen=True)  # not slotted: cached_property needs the instance dict
class CategoryRow:
    id: int
    code: str
    title: str
    sub_items: tuple[SubItemRow, ...]

    @cached_property
    def _counting_by_tags(self) -> dict[frozenset[str], tuple]:
        return {}

    def counting(self, agency_tags: frozenset[str]) -> tuple[tuple[SubItemRow, tuple[tuple[str, int], ...],
                                                                   tuple[tuple[int, str], ...]], ...]:
        """Per sub-item: its items per level for these agency tags and the (sub-item id,
        level) keys its done counts go by, made once per tag combination for the overview."""
        counting = self._counting_by_tags.get(agency_tags)
        if counting is None:
            counting = self._counting_by_tags[agency_tags] = tuple(
                (sub, sub.level_totals(agency_tags), tuple((sub.id, level) for level in ITEM_LEVELS))
                for sub in self.sub_items)
        return counting


@dataclass(frozen=True)
class SubItemReport:
    sub_item: SubItemRow
    outcome: Outcome


@dataclass(frozen=True)
class CategoryReport:
    category: CategoryRow
    outcome: Outcome
    sub_items: tuple[SubItemReport, ...]


def agency_report(categories: Sequence[CategoryRow], done_ids: set[int], points: ProcessPoints,
                  agency_tags: set[str]) -> tuple[CategoryReport, ...]:
    reports = []
    for category in categories:
        subs = tuple(SubItemReport(s, sub_item_outcome(s.items_for(agency_tags), done_ids, points))
                     for s in category.sub_items)
        reports.append(CategoryReport(category, category_outcome([s.outcome for s in subs], points), subs))
    return tuple(reports)


def agency_report_from_counts(categories: Sequence[CategoryRow], done_counts: dict[tuple[int, str], int],
                              points: ProcessPoints, agency_tags: set[str],
                              shared: dict | None = None) -> tuple[CategoryReport, ...]:
    """Levels from (sub-item id, level) → done count of the items the agency is assessed on,
    which the database counts for the overview; the figures equal agency_report's, without
    the gap lists. `shared`: one dict passed for every agency of a page, so a sub-item with
    the same counts as another agency's (often: nothing done yet) reuses that agency's
    report instead of computing it again; the reports are only read."""
    shared = {} if shared is None else shared
    tags = frozenset(agency_tags)
    count = done_counts.get
    reports = []
    for category in categories:
        subs = []
        for sub, totals, (basic, advance, significance) in category.counting(tags):
            done = (count(basic, 0), count(advance, 0), count(significance, 0))
            key = (sub.id, totals, done)
            report = shared.get(key)
            if report is None:
                tallies = [LevelTally(level, n, total) for (level, total), n in zip(totals, done)]
                report = shared[key] = SubItemReport(sub, outcome_from_tallies(tallies, points))
            subs.append(report)
        reports.append(CategoryReport(category, category_outcome_from_counts([s.outcome for s in subs], points),
                                      tuple(subs)))
    return tuple(reports)
