"""The audit log read by a person: each event's details as Thai lines of text ("ชื่อที่แสดง:
ก → ข"), never raw JSON. Recording stays in portal/audit.py; this is only how it reads."""
from portal.audit import ACTION_LABELS
from portal.models import AGENCY_KINDS, ROLES, UNIT_TYPES
from portal.models.review import STATUS_LABELS

DETAIL_LABELS = {
    "reason": "เหตุผล", "status": "รหัสสถานะ", "method": "วิธีเรียก", "path": "ที่อยู่",
    "files": "ไฟล์", "content_length": "ขนาดคำขอ (ไบต์)", "of_action": "การกระทำที่ซ้ำ",
    "suppressed": "จำนวนที่นับรวม", "logged_per_window": "บันทึกทีละรายการได้ต่อช่วง",
    "window_seconds": "ช่วงเวลา (วินาที)", "last_at": "ครั้งล่าสุด (UTC)",
    "item": "รายการ", "sub_item": "หัวข้อย่อย", "question": "คำถาม", "name": "ชื่อ", "title": "ชื่อเรื่อง",
    "kind": "ประเภท", "url": "ลิงก์", "sha256": "รหัสไฟล์ (SHA-256)", "manifest_sha256": "รหัสรายงาน (SHA-256)",
    "version": "ฉบับที่", "number": "ครั้งที่", "username": "ชื่อผู้ใช้", "role": "บทบาท",
    "display_name": "ชื่อที่แสดง", "email": "อีเมล", "code": "รหัส", "unit_type": "ประเภทหน่วยงาน",
    "active": "ใช้งาน", "fiscal_year": "ปีงบประมาณ", "deadline": "วันสุดท้ายที่ส่ง", "late": "ส่งช้า",
    "group": "กลุ่มตัววัด", "metrics": "ตัววัด", "evidence": "หลักฐาน", "evidence_id": "หลักฐาน (รหัส)",
    "page": "หน้า", "visibility": "ผู้ที่เห็น", "not_applicable": "ไม่เกี่ยวข้อง",
    "was_not_applicable": "เดิมไม่เกี่ยวข้อง", "before": "เดิม", "after": "ใหม่", "values": "ค่า",
    "from_year": "จากปี", "to_year": "ไปยังปี", "answers": "คำตอบ", "count": "จำนวน", "at": "เมื่อ",
    "copy_of": "สำเนาของหลักฐาน (รหัส)", "description": "คำอธิบาย", "document_date": "วันที่ในเอกสาร",
    "direction": "ทิศทางที่ดี", "target": "ค่าเป้าหมาย", "unit": "หน่วยวัด", "quota_mb": "โควตา (MB)",
    "storage_quota_bytes": "โควตา (ไบต์)", "value_two_years_ago": "ผลปีก่อนหน้า 2 ปี",
    "value_last_year": "ผลปีที่แล้ว", "value_this_year": "ผลปีปัจจุบัน", "mandatory_indicator": "ตัวชี้วัดบังคับ",
    "level": "ระดับ", "lead": "หัวหน้าทีม", "assessor": "ผู้ประเมิน",
    "agency_code": "รหัสส่วนราชการ", "previous_lead": "หัวหน้าทีมเดิม", "was_lead": "เป็นหัวหน้าทีม",
    "judgements_deleted": "ผลการประเมินที่ลบ", "via": "ช่องทาง",
    "import_of": "นำเข้า", "rows": "จำนวนแถว", "create": "สร้างใหม่", "update": "แก้ไข",
    "unchanged": "ไม่เปลี่ยน", "grant": "เพิ่มบทบาท", "exists": "มีอยู่แล้ว",
}
# Values that are codes of the portal's own vocabularies, shown by their Thai names.
VALUE_LABELS = {
    **STATUS_LABELS, **AGENCY_KINDS, **UNIT_TYPES, **ROLES,
    "shared": "แสดงต่อส่วนราชการ", "internal": "เฉพาะผู้ตรวจและผู้ประเมิน", "file": "ไฟล์", "link": "ลิงก์",
    "higher": "ยิ่งมากยิ่งดี", "lower": "ยิ่งน้อยยิ่งดี", "below_basic": "ยังไม่ถึงระดับพื้นฐาน",
    "agencies": "ส่วนราชการ", "users": "บัญชีผู้ใช้",
    "basic": "ระดับพื้นฐาน", "advance": "ระดับก้าวหน้า", "significance": "ระดับเกิดผล",
}
HASH_KEYS = ("sha256", "manifest_sha256")
EMPTY = "(ว่าง)"


def value_text(key: str, value) -> str:
    """One value as a person reads it."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    if key == "of_action":
        return ACTION_LABELS.get(value, value)
    if key in HASH_KEYS and isinstance(value, str):
        return value[:12] + "…"  # enough to tell files apart; the full hash is in the database
    if isinstance(value, dict):
        if set(value) == {"from", "to"}:
            return f"{value_text(key, value['from'])} → {value_text(key, value['to'])}"
        return "; ".join(f"{DETAIL_LABELS.get(k, k)}: {value_text(k, v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(key, v) for v in value) or EMPTY
    if isinstance(value, str):
        return VALUE_LABELS.get(value, value)
    return str(value)


def detail_lines(details: dict | None) -> list[tuple[str, str]]:
    """(label, text) per detail; a change set becomes one line per changed field, and a
    before/after pair one "เดิม → ใหม่" line."""
    details = dict(details or {})
    lines = []
    if "before" in details and "after" in details:
        lines.append(("เปลี่ยนจาก", f"{value_text('after', details.pop('before'))} → "
                                    f"{value_text('after', details.pop('after'))}"))
    for key, value in details.items():
        if key == "changes" and isinstance(value, dict):
            lines += [(DETAIL_LABELS.get(field, field), value_text(field, change)) for field, change in value.items()]
        else:
            lines.append((DETAIL_LABELS.get(key, key), value_text(key, value)))
    return lines
