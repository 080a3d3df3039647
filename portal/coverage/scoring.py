"""The numbers behind levels and scores, read from `criteria/scoring.yaml` (never from code),
so an administrator can align them with the year's official announcement."""
from functools import lru_cache
from pathlib import Path

import yaml
from flask import current_app
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

LEVEL_ORDER = ("below_basic", "basic", "advance", "significance")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ProcessPoints(_Strict):
    below_basic: int
    basic: int
    advance: int
    significance: int

    def for_level(self, level: str) -> int:
        return getattr(self, level)


class ResultBand(_Strict):
    """Achievement (percent beyond target) within [from, to]; open ends where not given."""

    level: str
    points: int
    below: float | None = None
    from_: float | None = None
    from_inclusive: bool = True
    to: float | None = None
    to_inclusive: bool = True

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              alias_generator=lambda name: "from" if name == "from_" else name)

    def contains(self, achievement: float) -> bool:
        if self.below is not None:
            return achievement < self.below
        if self.from_ is not None:
            if achievement < self.from_ or (achievement == self.from_ and not self.from_inclusive):
                return False
        if self.to is not None:
            if achievement > self.to or (achievement == self.to and not self.to_inclusive):
                return False
        return True


class MissionGroup(_Strict):
    code: str
    min_metrics: int
    max_metrics: int


class ReportingLimits(_Strict):
    years_of_data: int
    max_metrics_per_dimension: int
    max_metrics_per_group: int
    mission_group: MissionGroup
    target_beats_mean_of_previous_years: int


class Category7(_Strict):
    """How category 7 is scored beyond each metric's band (the guide's reporting rules);
    `score` and `level` are the written rule, read by people: portal/results/rules.py
    implements exactly these words (category_score, band_of_points)."""

    score: str
    level: str
    duplicate_name_similarity: float
    significance_needs_improving_years: int


class ScoringRules(_Strict):
    version: str
    process_points: ProcessPoints
    result_bands: list[ResultBand]
    reporting_limits: ReportingLimits
    category_7: Category7
    notes: list[str] = []

    @model_validator(mode="after")
    def bands_name_known_levels(self):
        for band in self.result_bands:
            if band.level not in LEVEL_ORDER:
                raise ValueError(f"result_bands: unknown level {band.level!r}")
        return self


class ScoringError(ValueError):
    pass


def load_scoring(path: Path) -> ScoringRules:
    try:
        return ScoringRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise ScoringError(f"{path}: {error}") from error


@lru_cache(maxsize=4)
def _cached(path: str, mtime_ns: int) -> ScoringRules:
    return load_scoring(Path(path))


def scoring_rules() -> ScoringRules:
    """The app's rules; re-read when the file changes, so an edit needs no restart."""
    path = Path(current_app.config["CRITERIA_DIR"]) / "scoring.yaml"
    return _cached(str(path), path.stat().st_mtime_ns)
