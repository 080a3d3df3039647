"""Every template filter and global, registered in one place: Thai labels, dates, sizes,
metric figures, comment bodies and the review inbox link with its unread badge."""
import math
import re

from flask import Flask, current_app, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from portal.admin.audit_text import detail_lines
from portal.answers import structure as answer_structure
from portal.answers.operations import MAX_STATEMENT
from portal.answers.queries import CLAIM_LABELS, citation_label, citation_url
from portal.coverage.levels import VIEWS
from portal.cycles import current_cycle_or_none
from portal.criteria.schema import split_blanks
from portal.evidence.queries import awaiting_index
from portal.models import AGENCY_KINDS, ROLES, UNIT_TYPES
from portal.models.review import STATUS_LABELS
from portal.results.rules import agency_tags, applies
from portal.reviews.queries import unread_count
from portal.reviews.text import comment_html
from portal.submissions.queries import latest_of
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
FILE_KIND_LABELS = {"link": "ลิงก์", "jpeg": "รูปภาพ JPEG", "png": "รูปภาพ PNG", "txt": "ข้อความ",
                    "answer": "คำตอบ"}  # answers share the type facet with file kinds
AGENCY_TAG_LABELS = {
    "department": "กรม",
    "province": "จังหวัด",
    "public_org": "องค์การมหาชน",
    "service_unit": "หน่วยบริการ",
    "policy_unit": "หน่วยนโยบาย",
}
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
QUERY_WORD = re.compile(r'[^\s"]+')
INBOX_ROLES = ("reviewer", "assessor", "admin")


def marked(text: str, query: str | None) -> Markup:
    """The text, escaped, with the words of a search query marked wherever they occur (Thai
    has no spaces between words, so a word is found inside longer runs too)."""
    words = sorted({w for w in QUERY_WORD.findall((query or "").lower()) if len(w) >= 2}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out, at = [], 0
    for found in pattern.finditer(text):
        out += [escape(text[at:found.start()]), Markup('<mark class="match">'), escape(found.group(0)), Markup("</mark>")]
        at = found.end()
    out.append(escape(text[at:]))
    return Markup("").join(out)


def filesize(size: int) -> str:
    for unit in ("ไบต์", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:,.0f} {unit}" if unit == "ไบต์" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} GB"


def applies_to_agency(applies_to, agency) -> bool:
    """Whether a checklist item counts for this agency (items for one agency type only)."""
    return applies(applies_to, agency_tags(agency.kind, agency.unit_type))


def upload_limit() -> str:
    """The configured upload limit (MAX_CONTENT_LENGTH) in words, e.g. "50 MB"."""
    size = current_app.config["MAX_CONTENT_LENGTH"]
    return f"{size // (1024 * 1024)} MB" if size % (1024 * 1024) == 0 else filesize(size)


def too_large_message(name: str | None = None) -> str:
    """One wording for a file over the limit: the server's 413, the store, the browser."""
    what = f"ไฟล์ “{name}” " if name else "ไฟล์"
    return f"{what}ใหญ่เกิน {upload_limit()} กรุณาลดขนาดไฟล์หรือแบ่งเป็นหลายไฟล์"


def metric_number(value) -> str:
    """Thousands separators, no trailing zeros; a dash for a missing value."""
    return "—" if value is None else f"{value:,.4f}".rstrip("0").rstrip(".")


def achievement_text(value) -> str:
    if value is None:
        return "—"
    if math.isinf(value):
        return "ไม่ถึงเป้าหมาย (เป้าหมาย 0)"
    return f"{value:+,.2f}".rstrip("0").rstrip(".") + " %"


def inbox_url() -> str | None:
    """Reviewers, assessors and admins get the review inbox; agency staff their agency's."""
    if not current_user.is_authenticated:
        return None
    if any(current_user.has_role(role) for role in INBOX_ROLES):
        return url_for("reviews.inbox")
    agency_ids = sorted(g.agency_id for g in current_user.grants if g.agency_id is not None)
    return url_for("reviews.agency_inbox", agency_id=agency_ids[0]) if agency_ids else None


def latest_submission(agency_id: int):
    """The agency's newest submission of the current cycle, open or reopened."""
    cycle = current_cycle_or_none()
    return latest_of(agency_id, cycle.id) if cycle is not None else None


def register(app: Flask) -> None:
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
        REVIEW_STATUS_LABELS=STATUS_LABELS,
        review_inbox_url=inbox_url,
        unread_thread_count=unread_count,
        too_large_message=too_large_message,
        audit_detail_lines=detail_lines,
        awaiting_index=awaiting_index,
        answer_parts=answer_structure.parts_for,
        answer_slots=lambda question: answer_structure.slots(question.text, question.bullets),
        answer_state=answer_structure.state_of,
        ANSWER_STATE_LABELS=answer_structure.STATE_LABELS,
        ANSWER_PART_LIMIT=answer_structure.MAX_PART_CHARS,
        STATEMENT_LIMIT=MAX_STATEMENT,
        CLAIM_LABELS=CLAIM_LABELS,
        citation_label=citation_label,
        citation_url=citation_url,
        latest_submission=latest_submission,
    )
    app.jinja_env.filters["thai_date"] = format_thai_date
    app.jinja_env.filters["thai_datetime"] = format_thai_datetime
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["marked"] = marked
    app.jinja_env.filters["agency_tag"] = lambda tag: AGENCY_TAG_LABELS.get(tag, tag)
    app.jinja_env.filters["file_kind"] = lambda kind: FILE_KIND_LABELS.get(kind, str(kind).upper())
    app.jinja_env.filters["thai_digits"] = lambda value: str(value).translate(THAI_DIGITS)
    app.jinja_env.filters["metric_number"] = metric_number
    app.jinja_env.filters["achievement_text"] = achievement_text
    app.jinja_env.filters["comment_html"] = comment_html
