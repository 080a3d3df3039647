"""Record audit events; the caller's transaction commits them with the change they describe.

Refused and failed actions are audited too (`record_refusal`), centrally: sign-in records
its own failures; every other refusal is recorded after the response is made
(`register`): 403 on any request, 404 on another agency's object (`portal/access.py` marks
those), 429, any refused upload with its reason, and a save refused because someone else
changed the record first (409, portal/versions.py). A flood cannot fill the log: per action
and per user (or client address, before sign-in), the first AUDIT_REFUSAL_LIMIT events of a
window are recorded one by one, and the rest only as a count on a single
"refusals_suppressed" event of that window.
"""
from datetime import timedelta

from flask import Flask, current_app, g, has_request_context, request
from flask_login import current_user
from limits import parse
from sqlalchemy import and_, select

from portal.database import write
from portal.extensions import db
from portal.models import Agency, AuditEvent, User
from portal.models.user import utcnow
from portal.rate_limits import counting

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
    "bulk_import": "นำเข้าข้อมูลจากไฟล์",
    "cycle_created": "สร้างรอบการประเมิน",
    "cycle_made_current": "ตั้งรอบการประเมินปัจจุบัน",
    "cycle_deadline_set": "กำหนดวันส่งรายงานของรอบการประเมิน",
    "submission_made": "ส่งรายงานการประเมินตนเอง",
    "submission_reopened": "เปิดให้แก้ไขรายงานที่ส่งแล้ว",
    "assessor_assigned": "เพิ่มผู้ประเมินในทีม",
    "assessment_lead_set": "ตั้งหัวหน้าทีมผู้ประเมิน",
    "assessor_removed": "นำผู้ประเมินออกจากทีม",
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
    "item_resubmitted": "ส่งรายการที่แก้ไขแล้วให้พิจารณาอีกครั้ง",
    "answer_saved": "บันทึกคำตอบ",
    "answer_citation_added": "อ้างอิงหลักฐานในคำตอบ",
    "answer_citation_removed": "นำการอ้างอิงหลักฐานออกจากคำตอบ",
    "item_statement_saved": "บันทึกผลการดำเนินการของรายการ",
    "level_claimed": "ระบุระดับที่ขอรับการประเมิน",
    "carried_over": "ยกข้อมูลจากปีก่อน",
    "carried_evidence_confirmed": "ยืนยันหลักฐานที่ยกมาจากปีก่อน",
    "judgement_saved": "บันทึกผลการประเมินของผู้ประเมิน",
    "consensus_saved": "บันทึกฉันทามติ (ระดับและข้อค้นพบ)",
    "consensus_finding_taken": "นำข้อค้นพบของผู้ประเมินเข้าฉันทามติ",
    "consensus_done": "ยืนยันฉันทามติ",
    "consensus_reopened": "เปิดแก้ไขฉันทามติ",
    # Publication, improvement plans, good practice (portal/assessment/publication.py, portal/feedback)
    "feedback_published": "เผยแพร่ผลการประเมินและข้อเสนอแนะ",
    "improvement_plan_created": "เพิ่มแผนปรับปรุง",
    "improvement_plan_updated": "แก้ไขแผนปรับปรุง",
    "good_practice_marked": "เสนอเป็นแนวปฏิบัติที่ดี",
    "good_practice_agreed": "ยินยอมเผยแพร่แนวปฏิบัติที่ดี",
    "good_practice_declined": "ไม่ยินยอมเผยแพร่แนวปฏิบัติที่ดี",
    "access_denied": "ถูกปฏิเสธ: ไม่มีสิทธิ์ทำรายการ (403)",
    "object_hidden": "ถูกปฏิเสธ: เรียกข้อมูลของส่วนราชการอื่น (404)",
    "cross_site_refused": "ถูกปฏิเสธ: คำขอจากเว็บไซต์อื่น",
    "upload_refused": "อัปโหลดถูกปฏิเสธ",
    "edit_conflict": "บันทึกไม่สำเร็จ: มีผู้อื่นแก้ไขก่อน (409)",
    "rate_limited": "ส่งคำขอถี่เกินกำหนด (429)",
    "refusals_suppressed": "การปฏิเสธซ้ำ ๆ (นับรวม ไม่บันทึกทีละรายการ)",
}
SUPPRESSED = "refusals_suppressed"
ANONYMOUS = "ผู้ที่ยังไม่เข้าสู่ระบบ"
MAX_PATH = 300


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


def note_refusal_reason(message: str) -> None:
    """The Thai message a refused request answers with: the audit event keeps it."""
    if has_request_context():
        g.refusal_reason = message


def record_refusal(action: str, *, actor: User | None = None, **fields) -> AuditEvent:
    """Like `record`, for a refused or failed action, capped per window (see the module doc).
    Counted in the caller's transaction, so the count and the event commit together."""
    if not has_request_context():
        return record(action, actor=actor, **fields)
    g.refusal_audited = True
    if actor is None and current_user.is_authenticated:
        actor = current_user._get_current_object()
    limit = parse(current_app.config["AUDIT_REFUSAL_LIMIT"])
    who = f"user:{actor.id}" if actor else f"address:{request.remote_addr}"
    key = f"audit-refusals/{action}/{who}/{limit.amount}/{limit.get_expiry()}"
    count = db.session.execute(counting(db.engine.dialect.name, key, limit.get_expiry())).scalar_one()
    if count <= limit.amount:
        return record(action, actor=actor, **fields)
    return _count_suppressed(action, actor, count - limit.amount, limit)


def _count_suppressed(action: str, actor: User | None, suppressed: int, limit) -> AuditEvent:
    """The window's one "suppressed" event for this action and user/address, with the count."""
    same_source = (AuditEvent.actor_id == actor.id) if actor else and_(
        AuditEvent.actor_id.is_(None), AuditEvent.ip_address == request.remote_addr)
    recent = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == SUPPRESSED, same_source,
               AuditEvent.at >= utcnow() - timedelta(seconds=limit.get_expiry()))
        .order_by(AuditEvent.id.desc()).limit(50))
    summary = next((event for event in recent if event.details.get("of_action") == action), None)
    now = utcnow().isoformat(timespec="seconds")
    if summary is None:
        names = {} if actor else {"actor_name": ANONYMOUS}
        return record(SUPPRESSED, actor=actor, of_action=action, suppressed=suppressed,
                      logged_per_window=limit.amount, window_seconds=limit.get_expiry(),
                      last_at=now, **names)
    # A new dict: SQLAlchemy does not see changes made inside a JSON value.
    summary.details = {**summary.details, "last_at": now,
                       "suppressed": max(summary.details.get("suppressed", 0), suppressed)}
    return summary


def register(app: Flask) -> None:
    app.after_request(_audit_refused_request)


def _refusal_action(status: int) -> str | None:
    if status == 404 and g.get("hidden_object"):
        return "object_hidden"
    if status == 403:
        return g.get("refusal_action", "access_denied")
    if status == 429:
        return "rate_limited"
    if status == 409 and g.get("edit_conflict"):
        return "edit_conflict"
    uploading = request.method == "POST" and request.mimetype == "multipart/form-data"
    if uploading and status >= 400 and status not in (401, 404, 500):
        return "upload_refused"
    return None


def _refusal_fields(status: int) -> dict:
    fields = {**g.get("hidden_object", {}), "status": status, "method": request.method,
              "path": request.path[:MAX_PATH]}
    if g.get("refusal_reason"):
        fields["reason"] = g.refusal_reason
    # Names only when the form was read: a body refused for its size was never parsed.
    files = request.__dict__.get("files")
    if files:
        fields["files"] = [f.filename for f in files.getlist("files") if f.filename][:20]
    if request.content_length:
        fields["content_length"] = request.content_length
    # The agency named in the path, so the refusal shows when the log is filtered by agency.
    agency_id = (request.view_args or {}).get("agency_id")
    if "agency_id" not in fields and agency_id and db.session.get(Agency, agency_id) is not None:
        fields["agency_id"] = agency_id
    return fields


def _audit_refused_request(response):
    if g.get("refusal_audited"):
        return response
    action = _refusal_action(response.status_code)
    if action is None:
        return response
    try:
        db.session.rollback()  # whatever the refused request left unsaved stays unsaved
        fields = _refusal_fields(response.status_code)
        # Its own short write transaction (a refused GET's own transaction only reads).
        write(lambda: record_refusal(action, **fields))
    except Exception:  # the audit must never turn a clear refusal into a 500
        db.session.rollback()
        current_app.logger.exception("could not audit a refused request to %s", request.path)
    return response
