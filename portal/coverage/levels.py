"""Levels and scores of categories 1–6 as pure functions (no Flask, no database).

A sub-item reaches Basic when all its Basic items (B, RB) are done, Advance when also all
Advance items are, Significance when also all Significance items are; a category takes the
lowest level of its sub-items. "Done" means covered (live evidence) in one view and accepted
by a reviewer in the other; callers pass the set of done item ids for the view they show.
Items marked for one agency type only (the guide's "[ระดับจังหวัด]") do not exist for the
others: `applicable` leaves them out before any level, gap or percentage is computed.
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from portal.coverage.scoring import ProcessPoints
from portal.results.rules import applies

ITEM_LEVELS = ("basic", "advance", "significance")
VIEWS = {"covered": "ตามหลักฐาน", "accepted": "ผ่านการพิจารณา"}


@dataclass(frozen=True)
class Item:
    id: int
    code: str
    level: str
    text: str = ""
    sub_item_code: str = ""
    applies_to: tuple[str, ...] = ()  # agency tags; empty = every agency

    @property
    def full_code(self) -> str:
        return f"{self.sub_item_code}-{self.code}" if self.sub_item_code else self.code


class LevelTally(NamedTuple):
    """How many items of one level are done, for a coverage bar (a tuple: made by the
    thousand for the overview)."""

    level: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)

    @property
    def complete(self) -> bool:
        return self.done == self.total


@dataclass(slots=True)  # slotted, not frozen: the overview makes thousands per page
class Outcome:
    """A sub-item's or category's reached level, score and coverage."""

    level: str
    points: int
    done: int
    total: int
    tallies: tuple[LevelTally, ...]
    gaps: tuple[Item, ...] = ()
    # Items still to do before the next level, lowest level first (empty at the top).
    next_level: str | None = None
    missing_for_next: tuple[Item, ...] = field(default=())

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)


def applicable(items: Sequence[Item], agency_tags: set[str]) -> tuple[Item, ...]:
    """The items that count for an agency with these tags (its kind and unit type)."""
    return tuple(item for item in items if applies(item.applies_to, agency_tags))


def percent(done: int, total: int) -> int:
    """Whole percent rounded down, so 99.6 % never shows as a finished 100 %."""
    return done * 100 // total if total else 0


def _tallies(items: Sequence[Item], done_ids: set[int]) -> tuple[LevelTally, ...]:
    # One pass: the overview runs this for every sub-item of hundreds of agencies.
    done = dict.fromkeys(ITEM_LEVELS, 0)
    total = dict.fromkeys(ITEM_LEVELS, 0)
    for item in items:
        total[item.level] += 1
        if item.id in done_ids:
            done[item.level] += 1
    return tuple(LevelTally(level, done[level], total[level]) for level in ITEM_LEVELS)


def reached_level(tallies: Iterable[LevelTally]) -> str:
    """The highest level whose items, and those of every level below, are all done.

    A sub-item with no items at all reaches nothing: there is nothing to show for it.
    """
    reached, any_items = "below_basic", False
    for tally in tallies:
        if tally.done != tally.total:
            return reached  # this level has items, so the sub-item is not empty
        any_items = any_items or tally.total > 0
        reached = tally.level
    return reached if any_items else "below_basic"


_NEXT = {"below_basic": "basic", "basic": "advance", "advance": "significance", "significance": None}


def next_level(level: str) -> str | None:
    return _NEXT[level]


def sub_item_outcome(items: Sequence[Item], done_ids: set[int], points: ProcessPoints) -> Outcome:
    tallies = _tallies(items, done_ids)
    level = reached_level(tallies)
    upcoming = next_level(level)
    gaps = tuple(i for i in items if i.id not in done_ids)
    missing = tuple(i for i in gaps if i.level == upcoming) if upcoming else ()
    return Outcome(level=level, points=points.for_level(level),
                   done=sum(t.done for t in tallies), total=sum(t.total for t in tallies),
                   tallies=tallies, gaps=gaps, next_level=upcoming, missing_for_next=missing)


def outcome_from_tallies(tallies: Sequence[LevelTally], points: ProcessPoints) -> Outcome:
    """The same level and score from counts alone, for views that list no gaps (the overview)."""
    level = reached_level(tallies)
    basic, advance, significance = tallies
    return Outcome(level, points.for_level(level), basic.done + advance.done + significance.done,
                   basic.total + advance.total + significance.total, tuple(tallies), next_level=_NEXT[level])


_RANK = {"below_basic": 0, "basic": 1, "advance": 2, "significance": 3}


def category_outcome_from_counts(sub_outcomes: Sequence[Outcome], points: ProcessPoints) -> Outcome:
    """category_outcome for sub-item outcomes without gap lists (outcome_from_tallies'),
    in one pass: the overview computes it for every category of hundreds of agencies."""
    level = min((o.level for o in sub_outcomes), key=_RANK.__getitem__, default="below_basic")
    basic_done = basic_total = advance_done = advance_total = significance_done = significance_total = 0
    for outcome in sub_outcomes:
        basic, advance, significance = outcome.tallies
        basic_done += basic.done
        basic_total += basic.total
        advance_done += advance.done
        advance_total += advance.total
        significance_done += significance.done
        significance_total += significance.total
    tallies = (LevelTally("basic", basic_done, basic_total), LevelTally("advance", advance_done, advance_total),
               LevelTally("significance", significance_done, significance_total))
    return Outcome(level, points.for_level(level), basic_done + advance_done + significance_done,
                   basic_total + advance_total + significance_total, tallies, next_level=_NEXT[level])


def lowest_level(levels: Iterable[str]) -> str:
    order = ("below_basic", *ITEM_LEVELS)
    levels = list(levels)
    return min(levels, key=order.index) if levels else "below_basic"


def category_outcome(sub_outcomes: Sequence[Outcome], points: ProcessPoints) -> Outcome:
    """The lowest level of the sub-items; coverage summed over all of their items."""
    level = lowest_level(o.level for o in sub_outcomes)
    tallies = tuple(
        LevelTally(level_name,
                   sum(o.tallies[n].done for o in sub_outcomes),
                   sum(o.tallies[n].total for o in sub_outcomes))
        for n, level_name in enumerate(ITEM_LEVELS)
    )
    gaps = tuple(item for o in sub_outcomes for item in o.gaps)
    upcoming = next_level(level)
    missing = tuple(item for o in sub_outcomes if o.level == level for item in o.missing_for_next)
    return Outcome(level=level, points=points.for_level(level),
                   done=sum(t.done for t in tallies), total=sum(t.total for t in tallies),
                   tallies=tallies, gaps=gaps, next_level=upcoming, missing_for_next=missing)
