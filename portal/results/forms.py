"""Reading one metric from a form: the checks that block a save (HTTP 422).

Only a metric's own data block it — an empty name, an unknown direction, a number that is
not a number. Rules that depend on the other metrics are warnings (portal/results/rules.py).
Numbers may use thousands separators and Thai digits (๑,๒๓๔.๕), as agencies type them.
"""
import math
import re
import unicodedata
from dataclasses import dataclass, field

from portal.thai.dates import THAI_DIGITS  # the portal's one Thai → Arabic digit folding

NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?|[+-]?\.\d+")
MAX_NAME, MAX_UNIT = 500, 64
VALUE_FIELDS = ("target", "value_two_years_ago", "value_last_year", "value_this_year")
# The metric's definition: free text with its length limit and Thai label, then the
# baseline (a number) and the process sub-item it measures (a code of categories 1–6).
DEFINITION_TEXTS = {"formula": ("สูตรคำนวณ", 2000), "data_source": ("แหล่งข้อมูล", 1000),
                    "responsible_unit": ("หน่วยงานที่รับผิดชอบ", 255)}
DEFINITION_FIELDS = (*DEFINITION_TEXTS, "baseline", "process_sub_item")
SUB_ITEM_CODE = re.compile(r"[1-6]\.\d{1,2}")
DIRECTION_LABELS = {"higher": "ยิ่งมากยิ่งดี", "lower": "ยิ่งน้อยยิ่งดี"}


def parse_number(text: str | None) -> float | None:
    """A number as agencies type it; None for an empty field; ValueError for anything else."""
    cleaned = unicodedata.normalize("NFKC", text or "").translate(THAI_DIGITS)
    cleaned = cleaned.replace("\u2212", "-").replace(" ", "").strip()
    if not cleaned:
        return None
    if not NUMBER.fullmatch(cleaned):
        raise ValueError(text)
    value = float(cleaned.replace(",", ""))
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _clean(text: str | None) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc")
    return " ".join(text.split())


@dataclass
class MetricForm:
    """The submitted text (kept for re-display) and, when valid, the parsed values."""

    raw: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    evidence_ids: list[int] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def field_labels(fiscal_year: int) -> dict[str, str]:
    """Thai labels of the number fields, years in the Buddhist era."""
    return {"target": f"ค่าเป้าหมายปี {fiscal_year}", "value_two_years_ago": f"ผลปี {fiscal_year - 2}",
            "value_last_year": f"ผลปี {fiscal_year - 1}", "value_this_year": f"ผลปี {fiscal_year}"}


def sub_item_code(text: str | None) -> str:
    """A sub-item code as typed ("๒.๓", " 2.3 ") in the criteria's spelling ("2.3")."""
    return _clean(unicodedata.normalize("NFKC", text or "").translate(THAI_DIGITS)).replace(" ", "")


def _read_definition(result: "MetricForm", sub_item_codes) -> dict:
    values = {}
    for name, (label, most) in DEFINITION_TEXTS.items():
        values[name] = _clean(result.raw[name])
        if len(values[name]) > most:
            result.errors[name] = f"{label}ยาวเกิน {most:,} ตัวอักษร"
    try:
        values["baseline"] = parse_number(result.raw["baseline"])
    except ValueError:
        result.errors["baseline"] = (f"ค่าฐาน “{result.raw['baseline']}” ไม่ใช่ตัวเลข "
                                     "(ใช้ได้ทั้งเลขไทยและเลขอารบิก เช่น 1,250.5 หรือ ๑,๒๕๐.๕)")
    code = sub_item_code(result.raw["process_sub_item"])
    if code and (not SUB_ITEM_CODE.fullmatch(code) or code not in sub_item_codes):
        result.errors["process_sub_item"] = (f"ไม่พบหัวข้อ “{result.raw['process_sub_item'].strip()}” "
                                             "ในหมวด 1–6 ของเกณฑ์ (กรอกรหัสหัวข้อ เช่น 2.3)")
    values["process_sub_item"] = code
    return values


def read_metric_form(form, indicator_texts: list[str], fiscal_year: int,
                     sub_item_codes=frozenset()) -> MetricForm:
    """Parse name, unit, direction, target, the three years and the definition; collect
    Thai messages per field. `sub_item_codes`: the process sub-items a metric may measure."""
    fields = ("name", "unit", "direction", "mandatory_indicator", *VALUE_FIELDS, *DEFINITION_FIELDS)
    result = MetricForm(raw={name: form.get(name, "") or "" for name in fields})
    name, unit = _clean(result.raw["name"]), _clean(result.raw["unit"])
    if not name:
        result.errors["name"] = "กรุณากรอกชื่อตัววัด"
    elif len(name) > MAX_NAME:
        result.errors["name"] = f"ชื่อตัววัดยาวเกิน {MAX_NAME} ตัวอักษร"
    if len(unit) > MAX_UNIT:
        result.errors["unit"] = f"หน่วยวัดยาวเกิน {MAX_UNIT} ตัวอักษร"
    direction = result.raw["direction"]
    if direction not in DIRECTION_LABELS:
        result.errors["direction"] = "กรุณาเลือกทิศทางของตัววัด (ยิ่งมากยิ่งดี หรือ ยิ่งน้อยยิ่งดี)"
    indicator = _clean(result.raw["mandatory_indicator"])
    if indicator and indicator not in indicator_texts:
        result.errors["mandatory_indicator"] = "ตัวชี้วัดบังคับที่เลือกไม่อยู่ในกลุ่มนี้"
    numbers, labels = {}, field_labels(fiscal_year)
    for name_ in VALUE_FIELDS:
        try:
            numbers[name_] = parse_number(result.raw[name_])
        except ValueError:
            result.errors[name_] = (f"{labels[name_]} “{result.raw[name_]}” ไม่ใช่ตัวเลข "
                                    "(ใช้ได้ทั้งเลขไทยและเลขอารบิก เช่น 1,250.5 หรือ ๑,๒๕๐.๕)")
    definition = _read_definition(result, sub_item_codes)
    try:
        result.evidence_ids = sorted({int(v) for v in form.getlist("evidence_ids")})
    except ValueError:
        result.errors["evidence_ids"] = "หลักฐานที่เลือกไม่ถูกต้อง"
    if result.valid:
        result.values = {"name": name, "unit": unit, "direction": direction,
                         "mandatory_indicator": indicator, **numbers, **definition}
    return result


def form_from_metric(metric) -> MetricForm:
    """An edit form filled with the stored metric."""
    def text(value):
        return "" if value is None else f"{value:,.6f}".rstrip("0").rstrip(".")

    raw = {"name": metric.name, "unit": metric.unit, "direction": metric.direction,
           "mandatory_indicator": metric.mandatory_indicator,
           **{name: text(getattr(metric, name)) for name in (*VALUE_FIELDS, "baseline")},
           **{name: getattr(metric, name) or "" for name in (*DEFINITION_TEXTS, "process_sub_item")}}
    return MetricForm(raw=raw, evidence_ids=[link.evidence_id for link in metric.evidence_links])


def empty_form() -> MetricForm:
    return MetricForm(raw={"name": "", "unit": "", "direction": "higher", "mandatory_indicator": "",
                           **{name: "" for name in (*VALUE_FIELDS, *DEFINITION_FIELDS)}})
