"""Category 7 rules as pure functions: achievement, level and points of one metric, and
the reporting rules checked over an agency's whole report.

No Flask and no database here: callers pass plain values and the validated ScoringRules,
so every number comes from criteria/scoring.yaml and every rule is unit-tested.

Decisions (also in criteria/README.md):
- A target of 0 gives no percentage. Reaching it exactly, or beating it, counts as 0 %
  (Basic): the guide measures "how far beyond the target" in percent, which a zero target
  cannot express, so the portal does not guess a larger margin and warns instead. Missing
  a zero target is below it by any measure: -inf, below Basic.
- Negative targets divide by |target|, so the sign of the achievement always says
  whether the result is better (+) or worse (-) than the target.
- Report problems are warnings shown on the page, never blocking a save: a report is
  built metric by metric, so a mandatory group not yet filled is normal while editing.
  Only a metric's own data (name, direction, numbers) block a save (portal/results/forms.py).
- The guide's scoring conditions (หมวด 7 in the guide, criteria/scoring.yaml `category_7`)
  change a metric's points, not whether it can be saved: a target no better than the mean of
  the two previous years scores 0 (and so does one that cannot be judged for want of those
  years), Significance needs three years improving in the good direction (else Advance),
  and a metric reported twice scores once: the later report scores nothing.
"""
import difflib
import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from portal.coverage.scoring import LEVEL_ORDER, ScoringRules

DIRECTIONS = ("higher", "lower")
# Agency kinds and unit types as the criteria files tag them (criteria/README.md).
UNIT_TAGS = {"service": "service_unit", "policy": "policy_unit"}


@dataclass(frozen=True)
class MetricData:
    """One reported metric as plain values; `values` are the three fiscal years, oldest first."""

    name: str
    group_code: str
    direction: str
    target: float | None
    values: tuple[float | None, float | None, float | None]
    mandatory_indicator: str = ""
    key: int | None = None  # the row id, so problems can point at a table row
    unit: str = ""


@dataclass(frozen=True)
class GroupSpec:
    """What the criteria say about one metric group."""

    code: str
    title: str
    dimension_code: str
    dimension_title: str = ""
    mandatory: bool = False
    applies_to: tuple[str, ...] = ()
    min_metrics: int | None = None
    max_metrics: int | None = None
    # (indicator text, agency tags it applies to; empty = every agency)
    mandatory_indicators: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Problem:
    """A report-level warning in Thai, naming the dimension, group and metric it concerns."""

    kind: str
    message: str
    dimension_code: str | None = None
    group_code: str | None = None
    metric_key: int | None = None


@dataclass(frozen=True)
class MetricScore:
    """`level`/`points` after the guide's conditions; `band_level` is what the achievement
    alone reaches. `condition` names why a metric scores 0 (target_not_challenging,
    target_unjudgeable, duplicate), `capped` says Significance was held at Advance for want
    of an improving trend; `reason` says either in Thai."""

    achievement: float | None
    level: str | None
    points: int | None
    band_level: str | None = None
    condition: str | None = None
    capped: bool = False
    reason: str = ""


def achievement(target: float | None, actual: float | None, direction: str) -> float | None:
    """Percent by which `actual` beats `target` in the good direction; None if not computable."""
    if target is None or actual is None or direction not in DIRECTIONS:
        return None
    gain = actual - target if direction == "higher" else target - actual
    if target == 0:
        return 0.0 if gain >= 0 else -math.inf
    # Rounded so that float noise (3.15 vs 3 → 4.9999999999999964) does not cross a band edge.
    return round(gain * 100 / abs(target), 9)


def metric_level(value: float | None, rules: ScoringRules) -> tuple[str | None, int | None]:
    """The first result band containing the achievement: (level, points); (None, None) if none."""
    if value is None:
        return None, None
    for band in rules.result_bands:
        if band.contains(value):
            return band.level, band.points
    raise ValueError(f"scoring.yaml: no result band contains achievement {value}")


def _better(a: float, b: float, direction: str) -> bool:
    """`a` is strictly better than `b` in the metric's good direction."""
    return a > b if direction == "higher" else a < b


def improving_trend(values, direction: str) -> bool:
    """รายงานผล 3 ปีเพื่อให้เห็นแนวโน้ม: every year strictly better than the one before."""
    if len(values) < 2 or any(v is None for v in values) or direction not in DIRECTIONS:
        return False
    return all(_better(later, earlier, direction) for earlier, later in zip(values, values[1:]))


def challenging_target(target: float | None, previous, direction: str) -> bool | None:
    """เป้าหมายในปัจจุบันต้องดีกว่าค่าเฉลี่ยของ 2 ปีก่อนหน้า: True/False, or None when a
    previous year is missing and the target cannot be judged."""
    if target is None or not previous or any(v is None for v in previous):
        return None
    return _better(target, sum(previous) / len(previous), direction)


def _band_points(level: str, rules: ScoringRules) -> int:
    return next(b.points for b in rules.result_bands if b.level == level)


def score(metric: MetricData, rules: ScoringRules) -> MetricScore:
    """One metric's level and points as the guide scores it (duplicates: see build_report)."""
    value = achievement(metric.target, metric.values[-1], metric.direction)
    level, points = metric_level(value, rules)
    if level is None:
        return MetricScore(value, None, None)
    years = rules.reporting_limits.target_beats_mean_of_previous_years
    challenging = challenging_target(metric.target, metric.values[:-1][-years:], metric.direction)
    if challenging is None:
        return MetricScore(value, "below_basic", 0, level, "target_unjudgeable",
                           reason=f"ไม่มีผล {years} ปีก่อนหน้าครบ จึงพิจารณาไม่ได้ว่าเป้าหมายท้าทาย "
                                  "ไม่ได้คะแนน")
    if not challenging:
        return MetricScore(value, "below_basic", 0, level, "target_not_challenging",
                           reason=f"เป้าหมายไม่ดีกว่าค่าเฉลี่ยของ {years} ปีก่อนหน้า "
                                  "(ตัววัดทุกตัวต้องตั้งเป้าหมายท้าทาย) ไม่ได้คะแนน")
    needed = rules.category_7.significance_needs_improving_years
    if level == "significance" and not improving_trend(metric.values[-needed:], metric.direction):
        return MetricScore(value, "advance", _band_points("advance", rules), level, capped=True,
                           reason=f"ผล {needed} ปียังไม่ดีขึ้นต่อเนื่อง ระดับ Significance ต้องเห็นแนวโน้มที่ดีขึ้น "
                                  "จึงได้ระดับ Advance")
    return MetricScore(value, level, points, level)


# Thai digits fold to Arabic; punctuation, symbols and spaces drop out, so "ร้อยละ ๘๐ (Open-Data)"
# and "ร้อยละ80 open data" compare equal.
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def normalise_name(name: str) -> str:
    """Names compared for duplicates: NFC, Thai digits as Arabic, no spaces, punctuation or
    symbols, case-folded."""
    text = unicodedata.normalize("NFC", name or "").translate(_THAI_DIGITS).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC")


def agency_tags(agency_kind: str, unit_type: str) -> set[str]:
    return {agency_kind, UNIT_TAGS.get(unit_type, unit_type)}


def applies(applies_to, tags: set[str]) -> bool:
    """An empty applies_to means every agency."""
    return not applies_to or bool(set(applies_to) & tags)


def fiscal_years(fiscal_year: int) -> tuple[int, int, int]:
    """The three years a metric reports, Buddhist era, oldest first."""
    return fiscal_year - 2, fiscal_year - 1, fiscal_year


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _label(metric: MetricData) -> str:
    return f"ตัววัด “{metric.name}” (กลุ่ม {metric.group_code})"


def _metric_problems(metric: MetricData, dim: str, fiscal_year: int, rules: ScoringRules) -> list[Problem]:
    """Missing years or target, and a target no better than the mean of the previous years."""
    limits, found = rules.reporting_limits, []
    years = fiscal_years(fiscal_year)
    needed = min(limits.years_of_data, len(years))
    missing = [str(year) for year, value in list(zip(years, metric.values))[-needed:] if value is None]

    def add(kind, message):
        found.append(Problem(kind, message, dim, metric.group_code, metric.key))

    if missing:
        add("missing_year", f"{_label(metric)}: ยังไม่มีผลปี {', '.join(missing)} "
                            f"(ต้องรายงาน {needed} ปี)")
    if metric.target is None:
        add("missing_target", f"{_label(metric)}: ยังไม่ได้กำหนดค่าเป้าหมาย")
        return found
    previous = list(metric.values[:-1])[-limits.target_beats_mean_of_previous_years:]
    first = years[len(years) - 1 - len(previous)]
    challenging = challenging_target(metric.target, previous, metric.direction)
    if challenging is None:
        add("target_unjudgeable",
            f"{_label(metric)}: ยังไม่มีผลปี {first}–{years[-2]} ครบ จึงพิจารณาไม่ได้ว่าเป้าหมายท้าทาย "
            "(ต้องดีกว่าค่าเฉลี่ยของ 2 ปีก่อนหน้า) ตัววัดนี้จึงได้ 0 คะแนน")
    elif not challenging:
        mean = sum(previous) / len(previous)
        add("target_not_challenging",
            f"{_label(metric)}: เป้าหมาย {_fmt(metric.target)} ไม่ดีกว่าค่าเฉลี่ยปี "
            f"{first}–{years[-2]} ({_fmt(mean)}) ในทิศทางที่ดี ตัววัดทุกตัวต้องตั้งเป้าหมายท้าทาย "
            "ตัววัดนี้จึงได้ 0 คะแนน")
    if metric.target == 0 and metric.values[-1] is not None:
        if achievement(metric.target, metric.values[-1], metric.direction) == 0 and metric.values[-1] != 0:
            add("zero_target", f"{_label(metric)}: เป้าหมายเป็น 0 จึงคำนวณร้อยละที่ดีกว่าเป้าหมายไม่ได้ "
                               "ระบบนับเป็นระดับพื้นฐาน")
    return found


def _count_problems(metrics, groups: dict[str, GroupSpec], tags, rules) -> list[Problem]:
    """Limits per dimension, per group and for the mission group; mandatory groups present."""
    limits, found = rules.reporting_limits, []
    mission = limits.mission_group
    by_group, by_dim = defaultdict(int), defaultdict(int)
    for metric in metrics:
        by_group[metric.group_code] += 1
        if metric.group_code in groups:
            by_dim[groups[metric.group_code].dimension_code] += 1
    dims = {g.dimension_code: g.dimension_title for g in groups.values()}
    for code, count in sorted(by_dim.items()):
        if count > limits.max_metrics_per_dimension:
            found.append(Problem("too_many_in_dimension",
                                 f"มิติ {code} {dims[code]}: รายงาน {count} ตัววัด เกินกำหนด "
                                 f"{limits.max_metrics_per_dimension} ตัวต่อมิติ", code))
    for code, group in groups.items():
        count, where = by_group[code], f"กลุ่ม {code} {group.title}"
        if code == mission.code:
            if count < mission.min_metrics:
                found.append(Problem("too_few_in_mission_group",
                                     f"{where}: ต้องรายงาน {mission.min_metrics}–{mission.max_metrics} "
                                     f"ตัววัด ขณะนี้มี {count} ตัว", group.dimension_code, code))
            elif count > mission.max_metrics:
                found.append(Problem("too_many_in_group",
                                     f"{where}: รายงาน {count} ตัววัด เกินกำหนด {mission.max_metrics} ตัว",
                                     group.dimension_code, code))
            continue
        most = group.max_metrics or limits.max_metrics_per_group
        if count > most:
            found.append(Problem("too_many_in_group",
                                 f"{where}: รายงาน {count} ตัววัด เกินกำหนด {most} ตัวต่อกลุ่ม",
                                 group.dimension_code, code))
        if group.min_metrics and 0 < count < group.min_metrics:
            found.append(Problem("too_few_in_group", f"{where}: ต้องรายงานอย่างน้อย "
                                 f"{group.min_metrics} ตัววัด ขณะนี้มี {count} ตัว", group.dimension_code, code))
        if group.mandatory and applies(group.applies_to, tags) and count == 0:
            found.append(Problem("mandatory_group_missing",
                                 f"{where} เป็นกลุ่มตัวชี้วัดบังคับ (*) แต่ยังไม่มีตัววัด",
                                 group.dimension_code, code))
    return found


@dataclass(frozen=True)
class Duplicate:
    """`later` reports again what `earlier` reports; `why` says how they were matched."""

    earlier: MetricData
    later: MetricData
    why: str


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def duplicate_reason(earlier: MetricData, later: MetricData, similarity: float) -> str | None:
    """ไม่รายงานตัววัดซ้ำ แม้เปลี่ยนหน่วยวัด: the same normalised name, a reworded name
    (difflib ratio ≥ `similarity`), or the same three years of numbers under another unit."""
    a, b = normalise_name(earlier.name), normalise_name(later.name)
    if a and a == b:
        return "ชื่อเดียวกัน"
    # Names that differ only in a number ("ภารกิจ 1", "ภารกิจ 2") are different metrics.
    if a and b and _digits(a) == _digits(b):
        ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
        if ratio >= similarity:
            return f"ชื่อใกล้เคียงกัน ({ratio * 100:.0f} %)"
    if (all(v is not None for v in earlier.values) and earlier.values == later.values
            and normalise_name(earlier.unit) != normalise_name(later.unit)):
        return "ผล 3 ปีเท่ากันทุกปีแต่เปลี่ยนหน่วยวัด"
    return None


def find_duplicates(metrics: list[MetricData], similarity: float) -> list[Duplicate]:
    """Every later report of an already counted metric, in any group or dimension, in
    report order: the first report is the one scored."""
    counted: list[MetricData] = []
    found = []
    for metric in metrics:
        match = next(((earlier, why) for earlier in counted
                      if (why := duplicate_reason(earlier, metric, similarity))), None)
        if match:
            found.append(Duplicate(match[0], metric, match[1]))
        else:
            counted.append(metric)
    return found


def _duplicate_problems(duplicates: list[Duplicate], groups: dict[str, GroupSpec]) -> list[Problem]:
    found = []
    for dup in duplicates:
        group = groups.get(dup.later.group_code)
        found.append(Problem(
            "duplicate", f"{_label(dup.later)} ตัววัดซ้ำกับ “{dup.earlier.name}” (กลุ่ม {dup.earlier.group_code}; "
                         f"{dup.why}) กรณีรายงานซ้ำจะไม่พิจารณาให้คะแนน",
            group.dimension_code if group else None, dup.later.group_code, dup.later.key))
    return found


def _indicator_problems(metrics, groups: dict[str, GroupSpec], tags) -> list[Problem]:
    """Each mandatory indicator (**) that applies to the agency is answered in its group."""
    found = []
    for code, group in groups.items():
        answered = set()
        for metric in metrics:
            if metric.group_code == code:
                answered.add(normalise_name(metric.mandatory_indicator))
                answered.add(normalise_name(metric.name))
        for text, applies_to in group.mandatory_indicators:
            if applies(applies_to, tags) and normalise_name(text) not in answered:
                found.append(Problem("mandatory_indicator_missing",
                                     f"กลุ่ม {code}: ยังไม่ได้รายงานตัวชี้วัดบังคับ (**) “{text}”",
                                     group.dimension_code, code))
    return found


def validate_report(metrics: list[MetricData], groups: list[GroupSpec], agency_kind: str,
                    unit_type: str, fiscal_year: int, rules: ScoringRules) -> list[Problem]:
    """Every reporting rule over the agency's whole report, as warnings in Thai."""
    by_code = {g.code: g for g in groups}
    tags = agency_tags(agency_kind, unit_type)
    found: list[Problem] = []
    for metric in metrics:
        group = by_code.get(metric.group_code)
        found += _metric_problems(metric, group.dimension_code if group else None, fiscal_year, rules)
    found += _count_problems(metrics, by_code, tags, rules)
    found += _duplicate_problems(find_duplicates(metrics, rules.category_7.duplicate_name_similarity), by_code)
    found += _indicator_problems(metrics, by_code, tags)
    return found


@dataclass(frozen=True)
class CategoryScore:
    """Category 7 as a whole (criteria/scoring.yaml `category_7`): the mean of the points of
    the counted metrics and the level of that mean; None before any metric is reported."""

    points: float | None
    level: str | None
    counted: int
    not_scored: int  # counted at 0: no target or no current-year result yet


def band_of_points(points: float, rules: ScoringRules) -> str:
    """The highest level whose band points the mean reaches (350 → Basic, 400 → Advance)."""
    reached = [b for b in rules.result_bands if b.points <= points]
    return max(reached, key=lambda b: (b.points, LEVEL_ORDER.index(b.level))).level if reached else "below_basic"


def category_score(scores: list[MetricScore], rules: ScoringRules) -> CategoryScore:
    """Duplicates are left out (scored once, by their first report); a metric the system
    cannot score yet counts 0, so leaving a number out never raises the mean."""
    counted = [s for s in scores if s.condition != "duplicate"]
    if not counted:
        return CategoryScore(None, None, 0, 0)
    mean = round(sum(s.points or 0 for s in counted) / len(counted), 2)
    return CategoryScore(mean, band_of_points(mean, rules), len(counted),
                         sum(1 for s in counted if s.points is None))


@dataclass
class Report:
    """Scores and problems of one agency's report, grouped for the page and the summary."""

    scores: dict[int | None, MetricScore] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    category: CategoryScore = field(default_factory=lambda: CategoryScore(None, None, 0, 0))

    def problems_in(self, dimension_code: str) -> list[Problem]:
        return [p for p in self.problems if p.dimension_code == dimension_code]

    def problems_of(self, metric_key: int) -> list[Problem]:
        return [p for p in self.problems if p.metric_key == metric_key]

    def duplicate_flags(self, metric_key: int) -> list[str]:
        """"ตัววัดซ้ำกับ …" on both metrics of a pair, saying which one is scored."""
        flags = []
        for dup in self.duplicates:
            if dup.later.key == metric_key:
                flags.append(f"ตัววัดซ้ำกับ “{dup.earlier.name}” (กลุ่ม {dup.earlier.group_code}; {dup.why}) "
                             "— ไม่พิจารณาให้คะแนนตัวนี้")
            elif dup.earlier.key == metric_key:
                flags.append(f"ตัววัดซ้ำกับ “{dup.later.name}” (กลุ่ม {dup.later.group_code}; {dup.why}) "
                             "— นับคะแนนเฉพาะตัวนี้")
        return flags


def build_report(metrics: list[MetricData], groups: list[GroupSpec], agency_kind: str,
                 unit_type: str, fiscal_year: int, rules: ScoringRules) -> Report:
    scores = {m.key: score(m, rules) for m in metrics}
    duplicates = find_duplicates(metrics, rules.category_7.duplicate_name_similarity)
    for dup in duplicates:  # กรณีรายงานซ้ำจะไม่พิจารณาให้คะแนน
        first = scores[dup.later.key]
        scores[dup.later.key] = MetricScore(first.achievement, "below_basic" if first.level else None,
                                            0 if first.level else None, first.band_level, "duplicate",
                                            reason="ตัววัดซ้ำ ไม่พิจารณาให้คะแนน")
    return Report(
        scores=scores,
        problems=validate_report(metrics, groups, agency_kind, unit_type, fiscal_year, rules),
        duplicates=duplicates,
        category=category_score(list(scores.values()), rules),
    )
