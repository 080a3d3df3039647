"""The level and score rules of categories 1–6, on hand-made sub-items."""
from pathlib import Path

import pytest

from portal.coverage.levels import (
    Item,
    applicable,
    category_outcome,
    lowest_level,
    percent,
    reached_level,
    sub_item_outcome,
)
from portal.coverage.scoring import ProcessPoints, load_scoring

POINTS = ProcessPoints(below_basic=0, basic=300, advance=400, significance=500)
ITEMS = [
    Item(1, "B1", "basic"), Item(2, "RB1", "basic"),
    Item(3, "A1", "advance"), Item(4, "RA1", "advance"),
    Item(5, "S1", "significance"), Item(6, "RS1", "significance"),
]
ALL = {1, 2, 3, 4, 5, 6}


def codes(items):
    return [i.code for i in items]


def test_empty_sub_item_reaches_nothing():
    outcome = sub_item_outcome([], set(), POINTS)
    assert (outcome.level, outcome.points, outcome.percent) == ("below_basic", 0, 0)
    assert outcome.gaps == () and outcome.missing_for_next == ()


def test_nothing_covered_lists_basic_items_as_missing():
    outcome = sub_item_outcome(ITEMS, set(), POINTS)
    assert outcome.level == "below_basic" and outcome.points == 0
    assert outcome.next_level == "basic"
    assert codes(outcome.missing_for_next) == ["B1", "RB1"]
    assert len(outcome.gaps) == 6


@pytest.mark.parametrize(
    ("missing_id", "level", "points", "next_missing"),
    [
        (2, "below_basic", 0, ["RB1"]),      # one Basic (result) item missing
        (3, "basic", 300, ["A1"]),           # one Advance item missing
        (6, "advance", 400, ["RS1"]),        # one Significance item missing
        (None, "significance", 500, []),
    ],
)
def test_one_item_missing_at_each_level(missing_id, level, points, next_missing):
    done = ALL - {missing_id}
    outcome = sub_item_outcome(ITEMS, done, POINTS)
    assert (outcome.level, outcome.points) == (level, points)
    assert codes(outcome.missing_for_next) == next_missing
    assert outcome.percent == (100 if missing_id is None else 83)


def test_higher_items_without_the_lower_ones_do_not_count():
    outcome = sub_item_outcome(ITEMS, {3, 4, 5, 6, 1}, POINTS)
    assert outcome.level == "below_basic"
    assert [t.percent for t in outcome.tallies] == [50, 100, 100]


def test_accepted_and_covered_views_differ():
    covered, accepted = ALL, {1, 2}
    assert sub_item_outcome(ITEMS, covered, POINTS).level == "significance"
    assert sub_item_outcome(ITEMS, accepted, POINTS).level == "basic"


def test_a_level_without_items_is_passed_once_the_lower_ones_are_done():
    items = [Item(1, "B1", "basic"), Item(2, "S1", "significance")]
    assert sub_item_outcome(items, {1}, POINTS).level == "advance"
    assert sub_item_outcome(items, {1, 2}, POINTS).level == "significance"


def test_category_takes_the_lowest_sub_item_and_sums_coverage():
    full = sub_item_outcome(ITEMS, ALL, POINTS)
    basic = sub_item_outcome(ITEMS, {1, 2}, POINTS)
    outcome = category_outcome([full, basic], POINTS)
    assert (outcome.level, outcome.points) == ("basic", 300)
    assert (outcome.done, outcome.total, outcome.percent) == (8, 12, 66)
    assert codes(outcome.missing_for_next) == ["A1", "RA1"]  # only the lagging sub-item's


def test_category_without_sub_items():
    assert category_outcome([], POINTS).level == "below_basic"


def test_helpers():
    assert percent(0, 0) == 0 and percent(2, 3) == 66
    assert lowest_level(["significance", "advance"]) == "advance"
    assert reached_level([]) == "below_basic"


def test_points_come_from_the_data_file(tmp_path):
    text = (Path(__file__).parents[1] / "criteria" / "scoring.yaml").read_text(encoding="utf-8").replace("basic: 300", "basic: 350")
    (tmp_path / "scoring.yaml").write_text(text, encoding="utf-8")
    points = load_scoring(tmp_path / "scoring.yaml").process_points
    assert sub_item_outcome(ITEMS, {1, 2}, points).points == 350


def test_counts_give_the_same_report_as_item_sets():
    """The overview counts in SQL; its figures must equal the dashboard's item-set rules."""
    import random

    from portal.coverage.report import CategoryRow, SubItemRow, agency_report, agency_report_from_counts

    rng = random.Random(3)
    levels = ("basic", "advance", "significance")
    next_id = iter(range(1, 10_000))
    applies_to = ((), (), (), ("province",), ("department", "public_org"))
    categories = [CategoryRow(c, str(c), f"หมวด {c}", tuple(
        SubItemRow(c * 10 + s, f"{c}.{s}", "", tuple(Item(next(next_id), f"X{n}", rng.choice(levels),
                                                           applies_to=rng.choice(applies_to))
                                                      for n in range(rng.randint(0, 9))))
        for s in range(1, 5))) for c in range(1, 7)]
    all_items = [i for c in categories for s in c.sub_items for i in s.items]
    shared: dict = {}  # as the overview passes it: one for every agency of the page
    for _ in range(50):
        tags = rng.choice(({"department", "service_unit"}, {"province", "policy_unit"}))
        done = {i.id for i in all_items if rng.random() < rng.choice((0.3, 0.8, 0.97, 1.0))}
        counts: dict = {}  # what the database counts: done items the agency is assessed on
        for c in categories:
            for s in c.sub_items:
                for i in applicable(s.items, tags):
                    if i.id in done:
                        counts[(s.id, i.level)] = counts.get((s.id, i.level), 0) + 1
        by_items = agency_report(categories, done, POINTS, tags)
        by_counts = agency_report_from_counts(categories, counts, POINTS, tags, shared)
        for a, b in zip(by_items, by_counts):
            figures = lambda o: (o.level, o.points, o.tallies, o.done, o.total, o.percent, o.next_level)  # noqa: E731
            assert figures(a.outcome) == figures(b.outcome)
            assert [figures(s.outcome) for s in a.sub_items] == [figures(s.outcome) for s in b.sub_items]


# 2.3 as the guide has it: S4 is marked "[ระดับจังหวัด]".
PROVINCE_ONLY = [
    Item(1, "B1", "basic"), Item(2, "RB1", "basic"),
    Item(3, "A1", "advance"), Item(4, "RA1", "advance"),
    Item(5, "S1", "significance"), Item(6, "S4", "significance", applies_to=("province",)),
    Item(7, "RS1", "significance"),
]
DEPARTMENT = {"department", "service_unit"}
PROVINCE = {"province", "policy_unit"}


def test_a_province_only_item_does_not_lower_a_departments_level():
    done = {1, 2, 3, 4, 5, 7}  # everything but the province item
    department = sub_item_outcome(applicable(PROVINCE_ONLY, DEPARTMENT), done, POINTS)
    assert (department.level, department.points, department.percent) == ("significance", 500, 100)
    assert department.gaps == () and department.total == 6
    province = sub_item_outcome(applicable(PROVINCE_ONLY, PROVINCE), done, POINTS)
    assert (province.level, province.points) == ("advance", 400)
    assert codes(province.missing_for_next) == ["S4"]


def test_a_department_that_did_the_province_item_gets_no_credit_for_it():
    outcome = sub_item_outcome(applicable(PROVINCE_ONLY, DEPARTMENT), {1, 2, 6}, POINTS)
    assert (outcome.done, outcome.total) == (2, 6)


def test_the_category_of_a_department_is_not_capped_by_province_items():
    from portal.coverage.report import CategoryRow, SubItemRow, agency_report

    category = CategoryRow(2, "2", "หมวด 2", (
        SubItemRow(23, "2.3", "", tuple(PROVINCE_ONLY)),
        SubItemRow(24, "2.4", "", tuple(Item(i.id + 10, i.code, i.level) for i in ITEMS)),
    ))
    done = {1, 2, 3, 4, 5, 7} | {i.id + 10 for i in ITEMS}
    (department,) = agency_report([category], done, POINTS, DEPARTMENT)
    (province,) = agency_report([category], done, POINTS, PROVINCE)
    assert department.outcome.level == "significance" and department.outcome.points == 500
    assert province.outcome.level == "advance"
    assert [i.code for i in province.outcome.gaps] == ["S4"]


def test_applicable_keeps_items_for_every_agency_and_the_ones_for_its_tags():
    assert [i.code for i in applicable(PROVINCE_ONLY, PROVINCE)] == [i.code for i in PROVINCE_ONLY]
    assert "S4" not in [i.code for i in applicable(PROVINCE_ONLY, {"public_org", "service_unit"})]
