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
"""
import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from portal.coverage.scoring import ScoringRules

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
    achievement: float | None
    level: str | None
    points: int | None


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


def score(metric: MetricData, rules: ScoringRules) -> MetricScore:
    value = achievement(metric.target, metric.values[-1], metric.direction)
    level, points = metric_level(value, rules)
    return MetricScore(value, level, points)


def normalise_name(name: str) -> str:
    """Names compared for duplicates: NFC, whitespace collapsed, case-folded."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


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
    previous = [v for v in metric.values[:-1]][-limits.target_beats_mean_of_previous_years:]
    if previous and all(v is not None for v in previous):
        mean = sum(previous) / len(previous)
        better = metric.target > mean if metric.direction == "higher" else metric.target < mean
        if not better:
            first = years[len(years) - 1 - len(previous)]
            add("target_not_challenging",
                f"{_label(metric)}: เป้าหมาย {_fmt(metric.target)} ไม่ดีกว่าค่าเฉลี่ยปี "
                f"{first}–{years[-2]} ({_fmt(mean)}) ในทิศทางที่ดี ต้องตั้งเป้าหมายให้ท้าทายกว่านี้")
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


def _duplicate_problems(metrics, groups: dict[str, GroupSpec]) -> list[Problem]:
    """Every later report of an already reported name, in any group or dimension."""
    first_seen: dict[str, MetricData] = {}
    found = []
    for metric in metrics:
        key = normalise_name(metric.name)
        if not key:
            continue
        if key in first_seen:
            earlier = first_seen[key]
            group = groups.get(metric.group_code)
            found.append(Problem(
                "duplicate", f"{_label(metric)} ซ้ำกับตัววัดในกลุ่ม {earlier.group_code} "
                             "ตัววัดที่รายงานซ้ำจะไม่ได้รับการพิจารณาให้คะแนน",
                group.dimension_code if group else None, metric.group_code, metric.key))
        else:
            first_seen[key] = metric
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
    found += _duplicate_problems(metrics, by_code)
    found += _indicator_problems(metrics, by_code, tags)
    return found


@dataclass
class Report:
    """Scores and problems of one agency's report, grouped for the page and the summary."""

    scores: dict[int | None, MetricScore] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def problems_in(self, dimension_code: str) -> list[Problem]:
        return [p for p in self.problems if p.dimension_code == dimension_code]

    def problems_of(self, metric_key: int) -> list[Problem]:
        return [p for p in self.problems if p.metric_key == metric_key]


def build_report(metrics: list[MetricData], groups: list[GroupSpec], agency_kind: str,
                 unit_type: str, fiscal_year: int, rules: ScoringRules) -> Report:
    return Report(
        scores={m.key: score(m, rules) for m in metrics},
        problems=validate_report(metrics, groups, agency_kind, unit_type, fiscal_year, rules),
    )
