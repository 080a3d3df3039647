"""Record audit events; the caller's transaction commits them with the change they describe."""
from flask import has_request_context, request
from flask_login import current_user

from portal.extensions import db
from portal.models import AuditEvent, User

ACTION_LABELS = {
    "login_success": "เข้าสู่ระบบ",
    "login_failed": "เข้าสู่ระบบไม่สำเร็จ",
    "login_blocked": "เข้าสู่ระบบถูกปฏิเสธ (บัญชีถูกระงับ)",
    "logout": "ออกจากระบบ",
    "user_created": "สร้างบัญชีผู้ใช้",
    "user_updated": "แก้ไขบัญชีผู้ใช้",
    "user_deactivated": "ระงับบัญชีผู้ใช้",
    "user_reactivated": "เปิดใช้บัญชีผู้ใช้",
    "password_reset": "ตั้งรหัสผ่านใหม่",
    "role_granted": "เพิ่มบทบาท",
    "role_revoked": "ถอนบทบาท",
    "agency_created": "สร้างส่วนราชการ",
    "agency_updated": "แก้ไขส่วนราชการ",
    "cycle_created": "สร้างรอบการประเมิน",
    "cycle_made_current": "ตั้งรอบการประเมินปัจจุบัน",
    "evidence_added": "เพิ่มหลักฐาน",
    "evidence_replaced": "แทนที่ไฟล์หลักฐาน",
    "evidence_attached": "แนบหลักฐานกับรายการ",
    "evidence_detached": "นำหลักฐานออกจากรายการ",
    "evidence_updated": "แก้ไขรายละเอียดหลักฐาน",
    "evidence_note_updated": "แก้ไขหมายเหตุหลักฐาน",
    "evidence_deleted": "ย้ายหลักฐานไปถังขยะ",
    "evidence_restored": "กู้คืนหลักฐาน",
    "evidence_retry": "สั่งดึงข้อความใหม่",
    "agency_quota_set": "กำหนดโควตาพื้นที่จัดเก็บ",
    "result_metric_created": "เพิ่มตัววัดหมวด 7",
    "result_metric_updated": "แก้ไขตัววัดหมวด 7",
    "result_metric_deleted": "ลบตัววัดหมวด 7",
    "thread_started": "เริ่มกระทู้ความเห็น",
    "comment_posted": "ตอบความเห็น",
    "comment_edited": "แก้ไขความเห็น",
    "comment_deleted": "ลบความเห็น",
    "thread_resolved": "ปิดกระทู้ (ได้ข้อยุติ)",
    "thread_reopened": "เปิดกระทู้อีกครั้ง",
    "review_status_changed": "เปลี่ยนสถานะการพิจารณารายการ",
}


def record(action: str, *, actor: User | None = None, object_type: str | None = None,
           object_id: int | None = None, agency_id: int | None = None, **details) -> AuditEvent:
    """Add an audit event to the session. `actor` defaults to the signed-in user;
    CLI actions have none and say so in their details."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else details.pop("actor_name", "ระบบ"),
        object_type=object_type,
        object_id=object_id,
        agency_id=agency_id,
        ip_address=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(event)
    return event
