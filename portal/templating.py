"""Thai labels and small helpers shared by every template."""
from flask import Flask

from portal.thai.dates import format_thai_date, format_thai_datetime

LEVEL_LABELS = {
    "basic": "ระดับพื้นฐาน (Basic)",
    "advance": "ระดับก้าวหน้า (Advance)",
    "significance": "ระดับเกิดผล (Significance)",
}
LEVEL_SHORT = {"basic": "Basic", "advance": "Advance", "significance": "Significance"}
# What a sub-item, category or metric has reached; "below_basic" is a level nobody aims for.
REACHED_LABELS = {
    "below_basic": "ยังไม่ถึงระดับพื้นฐาน",
    "basic": "พื้นฐาน (Basic)",
    "advance": "ก้าวหน้า (Advance)",
    "significance": "เกิดผล (Significance)",
}
KIND_LABELS = {"process": "กระบวนการ", "result": "ผลลัพธ์"}
FILE_KIND_LABELS = {"link": "ลิงก์", "jpeg": "รูปภาพ JPEG", "png": "รูปภาพ PNG", "txt": "ข้อความ"}
AGENCY_TAG_LABELS = {
    "department": "กรม",
    "province": "จังหวัด",
    "public_org": "องค์การมหาชน",
    "service_unit": "หน่วยบริการ",
    "policy_unit": "หน่วยนโยบาย",
}
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def filesize(size: int) -> str:
    for unit in ("ไบต์", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:,.0f} {unit}" if unit == "ไบต์" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} GB"


def register(app: Flask) -> None:
    from portal.coverage.levels import VIEWS
    from portal.criteria.schema import split_blanks
    from portal.models import AGENCY_KINDS, ROLES, UNIT_TYPES
    from portal.results.rules import agency_tags, applies

    def applies_to_agency(applies_to, agency) -> bool:
        return applies(applies_to, agency_tags(agency.kind, agency.unit_type))

    app.jinja_env.globals.update(
        ROLES=ROLES,
        LEVEL_LABELS=LEVEL_LABELS,
        LEVEL_SHORT=LEVEL_SHORT,
        KIND_LABELS=KIND_LABELS,
        REACHED_LABELS=REACHED_LABELS,
        VIEWS=VIEWS,
        zip=zip,
        AGENCY_KINDS=AGENCY_KINDS,
        UNIT_TYPES=UNIT_TYPES,
        LEVELS=tuple(LEVEL_LABELS),
        applies_to_agency=applies_to_agency,
        split_blanks=split_blanks,
    )
    app.jinja_env.filters["thai_date"] = format_thai_date
    app.jinja_env.filters["thai_datetime"] = format_thai_datetime
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["agency_tag"] = lambda tag: AGENCY_TAG_LABELS.get(tag, tag)
    app.jinja_env.filters["file_kind"] = lambda kind: FILE_KIND_LABELS.get(kind, str(kind).upper())
    app.jinja_env.filters["thai_digits"] = lambda value: str(value).translate(THAI_DIGITS)
