"""Category 7 rules: achievement, level and points, and the reporting rules, as pure
functions over plain values and the rules in criteria/scoring.yaml."""
import math

import pytest

from portal.config import PROJECT_ROOT
from portal.coverage.scoring import load_scoring
from portal.criteria.loader import load_criteria
from portal.results.forms import parse_number
from portal.results.rules import (
    GroupSpec,
    MetricData,
    achievement,
    band_of_points,
    build_report,
    category_score,
    find_duplicates,
    improving_trend,
    metric_level,
    normalise_name,
    score,
    validate_report,
)

RULES = load_scoring(PROJECT_ROOT / "criteria" / "scoring.yaml")
YEAR = 2569


def _criteria_groups() -> list[GroupSpec]:
    """The real groups of criteria/pmqa-4.0/category-7.yaml, as the page passes them."""
    criteria = load_criteria(PROJECT_ROOT / "criteria", "pmqa-4.0")
    category = criteria.results
    return [GroupSpec(code=g.code, title=g.title, dimension_code=d.code, dimension_title=d.title,
                      mandatory=g.mandatory, applies_to=tuple(g.applies_to),
                      min_metrics=g.min_metrics, max_metrics=g.max_metrics,
                      mandatory_indicators=tuple((i.text, tuple(i.applies_to)) for i in g.mandatory_indicators))
            for d in category.dimensions for g in d.groups]


GROUPS = _criteria_groups()
_keys = iter(range(1, 10_000))


def metric(name="ตัววัด", group="7.1.2", direction="higher", target=110.0,
           values=(90.0, 100.0, 115.0), indicator="", unit="") -> MetricData:
    return MetricData(name=name, group_code=group, direction=direction, target=target,
                      values=values, mandatory_indicator=indicator, key=next(_keys), unit=unit)


def kinds(problems) -> list[str]:
    return [p.kind for p in problems]


def check(metrics, kind="department", unit="service"):
    return validate_report(metrics, GROUPS, kind, unit, YEAR, RULES)


# achievement ------------------------------------------------------------------------------

def test_higher_is_better_beats_target_by_percent_of_target():
    assert achievement(100, 107, "higher") == 7.0
    assert achievement(100, 95, "higher") == -5.0


def test_lower_is_better_counts_a_smaller_result_as_better():
    assert achievement(20, 18, "lower") == 10.0  # 2 days faster than a 20-day target
    assert achievement(20, 21, "lower") == -5.0
    assert metric_level(achievement(20, 18, "lower"), RULES) == ("advance", 400)
    assert metric_level(achievement(20, 21, "lower"), RULES) == ("below_basic", 0)


def test_negative_targets_divide_by_their_absolute_value():
    assert achievement(-10, -5, "higher") == 50.0
    assert achievement(-10, -12, "higher") == -20.0
    assert achievement(-10, -12, "lower") == 20.0


def test_zero_target_reached_or_beaten_is_zero_percent_and_missed_is_below_basic():
    assert achievement(0, 0, "lower") == 0.0
    assert achievement(0, 3, "higher") == 0.0
    assert achievement(0, 3, "lower") == -math.inf
    assert metric_level(achievement(0, 0, "lower"), RULES) == ("basic", 300)
    assert metric_level(achievement(0, 3, "lower"), RULES) == ("below_basic", 0)


def test_no_achievement_without_target_result_or_known_direction():
    assert achievement(None, 5, "higher") is None
    assert achievement(5, None, "higher") is None
    assert achievement(5, 6, "sideways") is None
    assert metric_level(None, RULES) == (None, None)


@pytest.mark.parametrize("target, actual, expected", [
    (100, 100, ("basic", 300)),            # target reached exactly
    (100, 105, ("basic", 300)),            # exactly 5 %: the guide's text says "ไม่เกินร้อยละ 5"
    (3, 3.15, ("basic", 300)),             # 4.9999999999999964 in floats: still 5 %
    (100, 105.01, ("advance", 400)),
    (20, 22, ("advance", 400)),            # exactly 10 %
    (0.3, 0.33, ("advance", 400)),         # 9.999999999999991 in floats
    (100, 110.01, ("significance", 500)),
    (100, 99.99, ("below_basic", 0)),
])
def test_band_boundaries_follow_the_guides_text(target, actual, expected):
    assert metric_level(achievement(target, actual, "higher"), RULES) == expected


def test_score_uses_the_current_year():
    # previous years below the target (so the target is challenging), the last one far above
    scored = score(metric(target=100, values=(60, 70, 104)), RULES)
    assert (scored.achievement, scored.level, scored.points) == (4.0, "basic", 300)


# numbers as typed ------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("1,250.5", 1250.5), ("๑,๒๕๐.๕", 1250.5), (" 42 ", 42.0), ("-3.5", -3.5), ("−7", -7.0),
    ("", None), ("๐.๕", 0.5),
])
def test_numbers_accept_thousands_separators_and_thai_digits(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["abc", "1,2", "12,34.5", "1.2.3", "nan", "inf", "5%"])
def test_numbers_refuse_anything_else(text):
    with pytest.raises(ValueError):
        parse_number(text)


# reporting rules ---------------------------------------------------------------------------

def test_missing_years_are_named_in_the_buddhist_era():
    problems = check([metric(name="ร้อยละความพึงพอใจ", values=(None, 80.0, None))])
    missing = [p for p in problems if p.kind == "missing_year"]
    assert len(missing) == 1
    assert "2567" in missing[0].message and "2569" in missing[0].message
    assert "2568" not in missing[0].message
    assert "ร้อยละความพึงพอใจ" in missing[0].message and missing[0].dimension_code == "7.1"


def test_target_must_beat_the_mean_of_the_two_previous_years_in_the_good_direction():
    assert "target_not_challenging" in kinds(check([metric(target=95, values=(90, 100, 99))]))
    assert "target_not_challenging" in kinds(check([metric(target=95, values=(90, 100, 99))]))
    assert "target_not_challenging" not in kinds(check([metric(target=95.5, values=(90, 100, 99))]))
    # lower is better: the target must be below the mean
    assert "target_not_challenging" in kinds(check([metric(direction="lower", target=16, values=(14, 18, 15))]))
    assert "target_not_challenging" not in kinds(check([metric(direction="lower", target=15, values=(14, 18, 15))]))


def test_limits_per_dimension_and_group():
    many = [metric(name=f"ตัววัด {i}", group=group)
            for i, group in enumerate(["7.1.2", "7.1.2", "7.1.3", "7.1.3", "7.1.4", "7.1.4"])]
    problems = check(many)
    assert [p.dimension_code for p in problems if p.kind == "too_many_in_dimension"] == ["7.1"]
    assert "too_many_in_group" not in kinds(problems)  # two per group is allowed
    three = check([metric(name=f"ตัววัด {i}", group="7.2.1") for i in range(3)])
    assert [p.group_code for p in three if p.kind == "too_many_in_group"] == ["7.2.1"]


def test_mission_group_needs_two_to_three_metrics():
    def mission(count):
        return kinds(check([metric(name=f"ภารกิจ {i}", group="7.1.1") for i in range(count)]))

    assert "too_few_in_mission_group" in mission(0)
    assert "too_few_in_mission_group" in mission(1)
    assert "too_few_in_mission_group" not in mission(2) and "too_many_in_group" not in mission(3)
    assert "too_many_in_group" in mission(4)


def test_duplicates_are_found_across_dimensions_after_normalising_names():
    problems = check([metric(name="ร้อยละของ  Open Data", group="7.1.2"),
                      metric(name="ร้อยละของ open data ", group="7.6.4")])
    duplicates = [p for p in problems if p.kind == "duplicate"]
    assert len(duplicates) == 1
    assert duplicates[0].dimension_code == "7.6" and "7.1.2" in duplicates[0].message
    assert "ตัววัดซ้ำกับ “ร้อยละของ  Open Data”" in duplicates[0].message
    assert normalise_name("ก\u0e33") == normalise_name("กำ")  # NFC


def test_mandatory_groups_depend_on_the_unit_type():
    service = [p.group_code for p in check([], unit="service") if p.kind == "mandatory_group_missing"]
    policy = [p.group_code for p in check([], unit="policy") if p.kind == "mandatory_group_missing"]
    assert "7.2.2" in service and "7.2.4" not in service
    assert "7.2.4" in policy and "7.2.2" not in policy
    assert {"7.3.2", "7.5.1", "7.6.3", "7.6.4"} <= set(service) & set(policy)
    filled = check([metric(name="ร้อยละบริการออนไลน์", group="7.2.2")], unit="service")
    assert "7.2.2" not in [p.group_code for p in filled if p.kind == "mandatory_group_missing"]


def test_mandatory_indicators_depend_on_the_agency_kind():
    def missing(kind, metrics=()):
        return [p.message for p in check(list(metrics), kind=kind) if p.kind == "mandatory_indicator_missing"
                and p.group_code == "7.6.3"]

    department, province = missing("department"), missing("province")
    assert len(department) == 1 and "ระดับความพร้อมรัฐบาลดิจิทัล" in department[0]
    assert len(province) == 1 and "ร้อยละของการปรับปรุงกระบวนการโดยใช้เทคโนโลยีสมัยใหม่" in province[0]
    answered = metric(name="ระดับความพร้อมรัฐบาลดิจิทัล (กรม)", group="7.6.3",
                      indicator="ระดับความพร้อมรัฐบาลดิจิทัลของหน่วยงานภาครัฐ (ผลประเมินของ สพร.)")
    assert missing("department", [answered]) == []
    # answering it in another group does not count
    elsewhere = metric(name="x", group="7.6.4", indicator=answered.mandatory_indicator)
    assert len(missing("department", [elsewhere])) == 1


def test_a_complete_report_has_no_problems():
    tag_service = [("7.1.1", "ภารกิจ 1", ""), ("7.1.1", "ภารกิจ 2", ""),
                   ("7.2.2", "ร้อยละของการให้บริการที่ปรับสู่ดิจิทัลเต็มรูปแบบ",
                    "ร้อยละของการให้บริการที่ปรับสู่ดิจิทัลเต็มรูปแบบ"),
                   ("7.3.2", "ดัชนีดิจิทัล", "ดัชนีการพัฒนาสมรรถนะด้านดิจิทัลของบุคลากร (digital capability) (ผลประเมินตัววัดย่อยของ สพร.)"),
                   ("7.5.1", "ดัชนีการรับรู้การทุจริต", ""),
                   ("7.6.3", "ความพร้อมรัฐบาลดิจิทัล", "ระดับความพร้อมรัฐบาลดิจิทัลของหน่วยงานภาครัฐ (ผลประเมินของ สพร.)"),
                   ("7.6.4", "Open Data", "ร้อยละของชุดข้อมูลดิจิทัลที่เปิดเผยต่อสาธารณะ (Open Data)"),
                   ("7.6.4", "Digitized", "ร้อยละของฐานข้อมูลที่ได้รับการพัฒนาในรูปแบบ Digitized")]
    metrics = [metric(name=name, group=group, indicator=indicator) for group, name, indicator in tag_service]
    assert check(metrics) == []


def test_zero_target_beaten_is_reported_as_a_warning():
    problems = check([metric(name="จำนวนสิทธิบัตร", target=0, values=(-1, -1, 2))])
    assert "zero_target" in kinds(problems)


# trend chart geometry ----------------------------------------------------------------------

def test_trend_chart_draws_higher_values_higher_and_the_target_across():
    from portal.results.chart import trend_chart

    chart = trend_chart((10.0, 20.0, 30.0), 25.0, (2567, 2568, 2569), width=100, height=40, pad=5)
    ys = [y for _, y, _, _ in chart.points]
    assert ys[0] > ys[1] > ys[2]  # SVG y grows downwards
    assert ys[0] == 35 and ys[2] == 5 and chart.target_y == 12.5
    assert [x for x, _, _, _ in chart.points] == [5, 50, 95]
    assert "2567: 10" in chart.label and "เป้าหมาย 25" in chart.label


def test_trend_chart_skips_missing_years_and_centres_flat_lines():
    from portal.results.chart import trend_chart

    chart = trend_chart((None, 7.0, 7.0), 7.0, (2567, 2568, 2569), height=40)
    assert [year for _, _, year, _ in chart.points] == [2568, 2569]
    assert {y for _, y, _, _ in chart.points} == {20} and chart.target_y == 20
    assert "2567: ไม่มีข้อมูล" in chart.label
    assert trend_chart((None, None, None), None, (2567, 2568, 2569)).points == []


# the guide's category 7 scoring conditions (คู่มือ หมวด 7 ผลลัพธ์การดำเนินการ) -----------------

def test_ตัววัดทุกตัวต้องตั้งเป้าหมายท้าทาย_target_not_better_than_mean_of_two_previous_years_scores_zero():
    # +13.6 % beyond a target of 110 would be Significance, but 110 is not above mean(100, 120) = 110
    scored = score(metric(target=110, values=(100, 120, 125)), RULES)
    assert (scored.level, scored.points, scored.band_level) == ("below_basic", 0, "significance")
    assert scored.condition == "target_not_challenging" and "เป้าหมายท้าทาย" in scored.reason
    problem = next(p for p in check([metric(target=110, values=(100, 120, 125))])
                   if p.kind == "target_not_challenging")
    assert "0 คะแนน" in problem.message and "2567–2568" in problem.message
    # one step above the mean is challenging and scores its band
    assert score(metric(target=110.5, values=(100, 120, 125)), RULES).points == 500


def test_ตัววัดทุกตัวต้องตั้งเป้าหมายท้าทาย_lower_is_better_target_must_be_below_the_mean():
    # days to serve: mean(20, 16) = 18; a target of 18 is not better, 17 is
    assert score(metric(direction="lower", target=18, values=(20, 16, 15)), RULES).condition == "target_not_challenging"
    lower = score(metric(direction="lower", target=17, values=(20, 16, 16)), RULES)
    assert (lower.achievement, lower.level, lower.points) == (round(100 / 17, 9), "advance", 400)


def test_ตัววัดทุกตัวต้องตั้งเป้าหมายท้าทาย_missing_previous_years_cannot_be_judged_and_scores_zero():
    for values in ((None, 100, 130), (100, None, 130), (None, None, 130)):
        scored = score(metric(target=110, values=values), RULES)
        assert (scored.points, scored.condition) == (0, "target_unjudgeable")
        assert "พิจารณาไม่ได้" in scored.reason
    problems = check([metric(target=110, values=(None, 100, 130))])
    assert "target_unjudgeable" in kinds(problems) and "target_not_challenging" not in kinds(problems)


def test_รายงานผล3ปีเพื่อให้เห็นแนวโน้ม_significance_needs_improving_trend():
    # +18 % beyond the target: Significance only when each year beats the one before
    assert score(metric(target=100, values=(80, 90, 118)), RULES).level == "significance"
    for values in ((95, 90, 118), (90, 90, 118)):     # a dip, a flat year
        capped = score(metric(target=93, values=values), RULES)  # mean 92.5 or 90: challenging
        assert capped.band_level == "significance"
        assert (capped.level, capped.points, capped.capped) == ("advance", 400, True)
        assert "แนวโน้ม" in capped.reason
    assert improving_trend((80, 90, 118), "higher") and not improving_trend((None, 90, 118), "higher")


def test_รายงานผล3ปีเพื่อให้เห็นแนวโน้ม_lower_is_better_improves_downwards():
    # complaints per month: 30 → 25 → 17 against a target of 20 (−15 %, i.e. 15 % better)
    scored = score(metric(direction="lower", target=20, values=(30, 25, 17)), RULES)
    assert (scored.level, scored.points) == ("significance", 500)
    rising = score(metric(direction="lower", target=20, values=(22, 25, 17)), RULES)
    assert (rising.level, rising.capped) == ("advance", True)
    assert improving_trend((30, 25, 17), "lower") and not improving_trend((17, 25, 30), "lower")


def test_ไม่รายงานตัววัดซ้ำแม้เปลี่ยนหน่วยวัด_duplicate_with_changed_unit_scored_once():
    first = metric(name="ความพึงพอใจของผู้รับบริการ", group="7.2.1", unit="ร้อยละ", values=(80, 85, 92),
                   target=83)  # +10.8 %, improving: Significance
    again = metric(name="คะแนนความพึงพอใจเฉลี่ย", group="7.2.3", unit="คะแนน (เต็ม 5)", values=(80, 85, 92),
                   target=83)
    [dup] = find_duplicates([first, again], RULES.category_7.duplicate_name_similarity)
    assert (dup.earlier, dup.later) == (first, again) and "เปลี่ยนหน่วยวัด" in dup.why
    report = build_report([first, again], GROUPS, "department", "service", YEAR, RULES)
    assert report.scores[first.key].points == 500 and report.scores[again.key].condition == "duplicate"
    assert report.scores[again.key].points == 0
    assert report.category.counted == 1 and report.category.points == 500  # scored once
    assert any("ตัววัดซ้ำกับ “คะแนนความพึงพอใจเฉลี่ย”" in f for f in report.duplicate_flags(first.key))
    assert any("ตัววัดซ้ำกับ “ความพึงพอใจของผู้รับบริการ”" in f for f in report.duplicate_flags(again.key))
    # the same numbers under the same unit with different names are two metrics
    other = metric(name="ร้อยละของงานที่แล้วเสร็จ", group="7.2.3", unit="ร้อยละ", values=(80, 85, 92))
    assert find_duplicates([first, other], 0.9) == []


def test_ไม่รายงานตัววัดซ้ำในกลุ่มเดียวกันหรือข้ามกลุ่มมิติ_reworded_name_is_a_duplicate():
    first = metric(name="ร้อยละความพึงพอใจของผู้รับบริการ", group="7.2.1", values=(80, 85, 92))
    reworded = metric(name="ร้อยละ ความพึงพอใจของผู้รับบริการ (ภาพรวม)", group="7.6.1", values=(70, 75, 90))
    thai_digits = metric(name="ร้อยละ ๘๐ ของ Open-Data", group="7.1.2", values=(1, 2, 3))
    arabic = metric(name="ร้อยละ80ของ open data", group="7.1.3", values=(4, 5, 6))
    found = find_duplicates([first, reworded, thai_digits, arabic], RULES.category_7.duplicate_name_similarity)
    assert [(d.earlier.key, d.later.key) for d in found] == [(first.key, reworded.key),
                                                             (thai_digits.key, arabic.key)]
    assert found[0].why.startswith("ชื่อใกล้เคียงกัน") and found[1].why == "ชื่อเดียวกัน"
    assert normalise_name("ร้อยละ ๘๐ ของ Open-Data") == normalise_name("ร้อยละ80ของ open data")
    # names that differ only in a number are different metrics, however similar
    numbered = [metric(name="ร้อยละความสำเร็จของโครงการสำคัญที่ 1"),
                metric(name="ร้อยละความสำเร็จของโครงการสำคัญที่ 2", values=(1, 2, 3))]
    assert find_duplicates(numbered, 0.9) == []


def test_category_7_score_is_the_mean_of_counted_metrics_and_its_level_the_band_of_that_mean():
    metrics = [metric(name="ก", target=100, values=(80, 90, 104)),           # Basic 300
               metric(name="ข", group="7.2.1", target=100, values=(80, 90, 108)),  # Advance 400
               metric(name="ค", group="7.3.1", target=100, values=(100, 120, 125)),  # not challenging: 0
               metric(name="ง", group="7.4.1", target=None, values=(80, 90, 104))]   # no target: 0
    report = build_report(metrics, GROUPS, "department", "service", YEAR, RULES)
    assert (report.category.points, report.category.counted, report.category.not_scored) == (175, 4, 1)
    assert report.category.level == "below_basic"
    assert category_score([], RULES).points is None
    assert [band_of_points(p, RULES) for p in (0, 299.99, 300, 350, 400, 499, 500)] == \
        ["below_basic", "below_basic", "basic", "basic", "advance", "advance", "significance"]
