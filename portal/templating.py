"""Thai labels and small helpers shared by every template."""
from flask import Flask

LEVEL_LABELS = {
    "basic": "ระดับพื้นฐาน (Basic)",
    "advance": "ระดับก้าวหน้า (Advance)",
    "significance": "ระดับเกิดผล (Significance)",
}
LEVEL_SHORT = {"basic": "Basic", "advance": "Advance", "significance": "Significance"}
KIND_LABELS = {"process": "กระบวนการ", "result": "ผลลัพธ์"}
AGENCY_TAG_LABELS = {
    "department": "กรม",
    "province": "จังหวัด",
    "public_org": "องค์การมหาชน",
    "service_unit": "หน่วยบริการ",
    "policy_unit": "หน่วยนโยบาย",
}
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def register(app: Flask) -> None:
    from portal.models import ROLES

    app.jinja_env.globals.update(
        ROLES=ROLES,
        LEVEL_LABELS=LEVEL_LABELS,
        LEVEL_SHORT=LEVEL_SHORT,
        KIND_LABELS=KIND_LABELS,
        LEVELS=tuple(LEVEL_LABELS),
    )
    app.jinja_env.filters["agency_tag"] = lambda tag: AGENCY_TAG_LABELS.get(tag, tag)
    app.jinja_env.filters["thai_digits"] = lambda value: str(value).translate(THAI_DIGITS)
