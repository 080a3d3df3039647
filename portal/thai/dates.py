"""Dates as Thai officials write them: Buddhist era, Thai month names (15 มี.ค. 2569)."""
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543
MONTHS_FULL = ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
               "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"]
MONTHS_SHORT = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.",
                "ต.ค.", "พ.ย.", "ธ.ค."]
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_MONTH_BY_NAME = {name: i + 1 for i, name in enumerate(MONTHS_FULL)}
_MONTH_BY_NAME |= {name: i + 1 for i, name in enumerate(MONTHS_SHORT)}
_MONTH_BY_NAME |= {name.replace(".", ""): i + 1 for i, name in enumerate(MONTHS_SHORT)}


class ThaiDateError(ValueError):
    """Not a date we can read; the message says in Thai what is expected."""


def format_thai_date(value: date | None, full: bool = False) -> str:
    if value is None:
        return ""
    months = MONTHS_FULL if full else MONTHS_SHORT
    return f"{value.day} {months[value.month - 1]} {value.year + BE_OFFSET}"


def format_thai_datetime(value: datetime | None) -> str:
    """UTC timestamps shown in Bangkok time."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    local = value.astimezone(BANGKOK)
    return f"{format_thai_date(local.date())} {local:%H:%M}"


def _to_gregorian(year: int) -> int:
    # Thai users write Buddhist-era years; an ISO date from <input type=date> is Gregorian.
    return year - BE_OFFSET if year > 2400 else year


def parse_thai_date(text: str) -> date | None:
    """Read '15 มี.ค. 2569', '15 มีนาคม 2569', '15/3/2569' or ISO '2026-03-15'; '' → None."""
    raw = (text or "").strip().translate(THAI_DIGITS)
    if not raw:
        return None
    expected = "กรุณากรอกวันที่ เช่น 15 มี.ค. 2569 หรือ 15/3/2569"
    try:
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw):
            year, month, day = (int(g) for g in match.groups())
        elif match := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", raw):
            day, month, year = (int(g) for g in match.groups())
        elif match := re.fullmatch(r"(\d{1,2})\s*([ก-๙.]+?)\s*(\d{4})", raw):
            day, year = int(match.group(1)), int(match.group(3))
            month = _MONTH_BY_NAME.get(match.group(2)) or _MONTH_BY_NAME.get(match.group(2).replace(".", ""))
            if month is None:
                raise ThaiDateError(f"ไม่รู้จักชื่อเดือน “{match.group(2)}” — {expected}")
        else:
            raise ThaiDateError(expected)
        result = date(_to_gregorian(year), month, day)
    except ValueError as error:
        if isinstance(error, ThaiDateError):
            raise
        raise ThaiDateError(f"ไม่มีวันที่นี้ในปฏิทิน — {expected}") from None
    if not 1900 <= result.year <= 2200:
        raise ThaiDateError(f"ปีไม่อยู่ในช่วงที่รับได้ — {expected}")
    return result
