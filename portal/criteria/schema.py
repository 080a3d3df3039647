"""The shape of the criteria YAML files; pydantic reports the exact field that is wrong."""
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Level = Literal["basic", "advance", "significance"]
Kind = Literal["process", "result"]
AgencyTag = Literal["department", "province", "public_org", "service_unit", "policy_unit"]

# The code prefix decides level and kind: B/A/S are processes, RB/RA/RS their results.
CODE_PATTERN = re.compile(r"^(R?)([BAS])([1-9][0-9]*)$")
LEVEL_BY_LETTER = {"B": "basic", "A": "advance", "S": "significance"}

# A question's fill-in blank, where the guide prints a run of dots: the agency's answer
# goes there. Any other run of dots in a question is a typo in the data.
BLANK = "……"
STRAY_DOTS = re.compile(r"\.{2,}|…")


def split_blanks(template: str) -> list[tuple[str, bool]]:
    """A question text as (piece, is_blank) pairs, in order: "คือ …… โดย ……" →
    [("คือ ", False), ("", True), (" โดย ", False), ("", True)]."""
    pieces: list[tuple[str, bool]] = []
    for n, text in enumerate(template.split(BLANK)):
        if n:
            pieces.append(("", True))
        if text:
            pieces.append((text, False))
    return pieces


def _check_blanks(text: str) -> str:
    if STRAY_DOTS.search(text.replace(BLANK, "")):
        raise ValueError(f"จุดไข่ปลาที่ไม่ใช่ช่องว่างให้ตอบ ({BLANK}): {text!r}")
    return text


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ChecklistItemData(Strict):
    code: str
    level: Level
    kind: Kind
    text: str = Field(min_length=1)
    # Agencies the item counts for; empty = every agency (the guide marks a few items
    # "[ระดับจังหวัด]": province only).
    applies_to: list[AgencyTag] = []

    @model_validator(mode="after")
    def code_matches_level_and_kind(self) -> "ChecklistItemData":
        match = CODE_PATTERN.match(self.code)
        if not match:
            raise ValueError(f"รหัส {self.code!r} ไม่ใช่รูปแบบ B1, RB1, A1, RA1, S1 หรือ RS1")
        kind = "result" if match.group(1) else "process"
        level = LEVEL_BY_LETTER[match.group(2)]
        if (level, kind) != (self.level, self.kind):
            raise ValueError(
                f"รหัส {self.code} ต้องเป็น level={level}, kind={kind} "
                f"(ในไฟล์: level={self.level}, kind={self.kind})"
            )
        return self


class QuestionData(Strict):
    """A question as the guide prints it: a lead text and its sub-bullets, each with the
    fill-in blanks (BLANK) where the guide leaves dots for the answer."""

    code: str = Field(pattern=r"^[1-6]\.[1-4]\.[0-9]+$")
    text: str = Field(min_length=1)
    bullets: list[str] = []

    @model_validator(mode="after")
    def blanks_are_well_formed(self) -> "QuestionData":
        for text in (self.text, *self.bullets):
            if not text.strip():
                raise ValueError(f"คำถาม {self.code}: ข้อย่อยว่าง")
            _check_blanks(text)
        return self


class GlossaryEntry(Strict):
    """A note printed beside the guidance: "นวัตกรรม = การเปลี่ยนแปลงที่สำคัญ…"."""

    term: str = Field(min_length=1)
    definition: str = Field(min_length=1)


class PerLevel(Strict):
    basic: list[str] = []
    advance: list[str] = []
    significance: list[str] = []


class MeaningPerLevel(Strict):
    basic: str = ""
    advance: str = ""
    significance: str = ""


class SubItemData(Strict):
    code: str = Field(pattern=r"^[1-6]\.[1-4]$")
    title: str = Field(min_length=1)
    intent: str = ""
    questions: list[QuestionData] = []
    guidance: PerLevel = PerLevel()
    glossary: list[GlossaryEntry] = []
    meaning: MeaningPerLevel = MeaningPerLevel()
    items: list[ChecklistItemData] = Field(min_length=1)
    notes: list[str] = []

    @model_validator(mode="after")
    def codes_unique_and_nested(self) -> "SubItemData":
        codes = [i.code for i in self.items]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"รหัสรายการซ้ำใน {self.code}: {', '.join(duplicates)}")
        for question in self.questions:
            if not question.code.startswith(self.code + "."):
                raise ValueError(f"คำถาม {question.code} ไม่อยู่ในหัวข้อ {self.code}")
        return self


class ProcessCategoryData(Strict):
    version: str
    code: Literal["1", "2", "3", "4", "5", "6"]
    title: str = Field(min_length=1)
    intent: str = ""  # เจตนารมณ์ of the category
    notes: list[str] = []
    sub_items: list[SubItemData] = Field(min_length=1)

    @model_validator(mode="after")
    def sub_items_belong_here(self) -> "ProcessCategoryData":
        for sub_item in self.sub_items:
            if not sub_item.code.startswith(self.code + "."):
                raise ValueError(f"หัวข้อ {sub_item.code} ไม่อยู่ในหมวด {self.code}")
        return self


class MandatoryIndicatorData(Strict):
    text: str = Field(min_length=1)
    applies_to: list[AgencyTag] = []


class MetricGroupData(Strict):
    code: str = Field(pattern=r"^7\.[1-6]\.[0-9]+$")
    title: str = Field(min_length=1)
    description: str = ""
    examples: list[str] = []
    mandatory: bool = False
    applies_to: list[AgencyTag] = []
    min_metrics: int | None = Field(default=None, ge=0)
    max_metrics: int | None = Field(default=None, ge=1)
    mandatory_indicators: list[MandatoryIndicatorData] = []
    notes: list[str] = []


class DimensionData(Strict):
    code: str = Field(pattern=r"^7\.[1-6]$")
    title: str = Field(min_length=1)
    description: str = ""
    groups: list[MetricGroupData] = Field(min_length=1)
    notes: list[str] = []

    @model_validator(mode="after")
    def groups_belong_here(self) -> "DimensionData":
        for group in self.groups:
            if not group.code.startswith(self.code + "."):
                raise ValueError(f"กลุ่มตัวชี้วัด {group.code} ไม่อยู่ในมิติ {self.code}")
        return self


class ResultsCategoryData(Strict):
    version: str
    code: Literal["7"]
    title: str = Field(min_length=1)
    reporting_rules: list[str] = []
    scoring_rule: str = ""
    mandatory_legend: str = ""
    notes: list[str] = []
    dimensions: list[DimensionData] = Field(min_length=1)
