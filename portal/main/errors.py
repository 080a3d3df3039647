"""Thai error pages; htmx requests get the message in the page's message area."""
from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from portal import audit
from portal.auth.session import needs_sign_in, unauthorized
from portal.database import BUSY_MESSAGE, DatabaseBusy, is_contention, reading
from portal.disk import DISK_FULL_MESSAGE, InsufficientStorage, is_disk_full
from portal.errors import Refused
from portal.extensions import db, htmx
from portal.fragments import wants_fragment
from portal.templating import too_large_message

MESSAGES = {
    400: ("คำขอไม่ถูกต้อง", "ระบบไม่เข้าใจคำขอนี้ กรุณาตรวจสอบข้อมูลแล้วลองใหม่"),
    401: ("กรุณาเข้าสู่ระบบ", "หน้านี้ต้องเข้าสู่ระบบก่อนใช้งาน"),
    403: ("ไม่มีสิทธิ์เข้าถึง", "บัญชีของท่านไม่มีสิทธิ์ทำรายการนี้"),
    404: ("ไม่พบหน้าที่ต้องการ", "ไม่พบข้อมูลหรือหน้าที่ท่านเรียก อาจถูกลบหรือพิมพ์ที่อยู่ผิด"),
    405: ("วิธีเรียกไม่ถูกต้อง", "หน้านี้ไม่รองรับการเรียกด้วยวิธีนี้"),
    409: ("ยังทำรายการนี้ไม่ได้", "สถานะของข้อมูลในระบบยังไม่พร้อมสำหรับรายการนี้"),
    413: ("ไฟล์ใหญ่เกินกำหนด", "ขนาดข้อมูลที่ส่งมาเกินขีดจำกัดของระบบ"),
    415: ("ชนิดไฟล์ไม่รองรับ", "ระบบไม่รับไฟล์ชนิดนี้"),
    422: ("ข้อมูลไม่ถูกต้อง", "กรุณาตรวจสอบข้อมูลที่กรอกแล้วลองใหม่"),
    429: ("ส่งคำขอถี่เกินไป", "ท่านส่งคำขอมากเกินกำหนด กรุณารอสักครู่แล้วลองใหม่"),
    500: ("ระบบขัดข้อง", "เกิดข้อผิดพลาดภายในระบบ เจ้าหน้าที่ได้รับแจ้งแล้ว กรุณาลองใหม่ภายหลัง"),
    503: ("ระบบไม่พร้อมให้บริการชั่วคราว", "กรุณาลองใหม่ภายหลัง"),
    507: ("พื้นที่จัดเก็บเต็ม", "ไม่สามารถบันทึกไฟล์ได้เนื่องจากพื้นที่จัดเก็บเต็ม"),
}

STALE = "มีผู้อื่นบันทึกข้อมูลนี้ในเวลาเดียวกันกับท่าน จึงยังไม่ได้บันทึกรายการของท่าน กรุณาโหลดหน้าใหม่ ตรวจสอบ แล้วลองอีกครั้ง"


def render_error(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    context = {"status": status, "title": title, "message": detail or message}
    audit.note_refusal_reason(context["message"])
    if wants_fragment():
        body = render_template("errors/_message.html", **context)
        # Show the message in the page's message area whatever the request targeted.
        return body, status, {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"}
    return render_template("errors/error.html", **context), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if needs_sign_in() and htmx:  # the session cookie expired, and the form's token with it:
            return unauthorized()     # the page goes to sign-in (a plain post's page says reload)
        return render_error(400, "แบบฟอร์มหมดอายุหรือไม่มีรหัสยืนยัน (CSRF) กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        """Werkzeug refuses a body over MAX_CONTENT_LENGTH before any view runs."""
        return render_error(413, too_large_message())

    app.aborter.mapping[507] = InsufficientStorage  # abort(507, description=…) like any other status

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if is_disk_full(error):
            app.logger.error("database write failed: disk full", exc_info=error)
            db.session.rollback()
            with reading():
                return render_error(InsufficientStorage.code, DISK_FULL_MESSAGE)
        if is_contention(error):
            app.logger.warning("database busy on %s %s after retries", request.method, request.path)
            db.session.rollback()
            return busy_answer()
        raise error

    @app.errorhandler(DatabaseBusy)
    def busy(_error):
        return busy_answer()

    @app.errorhandler(OSError)
    def os_error(error: OSError):
        """A full disk met outside the upload code, e.g. while Werkzeug spools a multipart
        body to TMPDIR (parsed by the CSRF check before any view runs)."""
        if not is_disk_full(error):
            raise error
        app.logger.error("disk full: %s", error)
        return render_error(InsufficientStorage.code, DISK_FULL_MESSAGE)

    @app.errorhandler(StaleDataError)
    def saved_meanwhile(_error):
        """Two saves of one record at once that no operation answered itself (portal/versions.py)."""
        db.session.rollback()
        with reading():
            return render_error(409, STALE)

    @app.errorhandler(Refused)
    def refused(error: Refused):
        """A refusal no view answered itself (e.g. no current cycle) still answers in Thai."""
        return render_error(error.status, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        # A Thai detail passed to abort(…, description=…) wins over the generic text.
        custom = error.description if error.description != type(error).description else None
        if isinstance(error, InternalServerError):
            app.logger.error("unhandled error on %s", request.path, exc_info=error.original_exception)
            custom = None  # never show internals to the user
        return render_error(error.code, custom)


def busy_answer():
    """503 in Thai when contention outlasted the retries (portal/database.py); the page is
    rendered in deferred transactions (it reads the user again), which need no lock."""
    with reading():
        response = current_app.make_response(render_error(503, BUSY_MESSAGE))
    response.headers["Retry-After"] = "2"
    return response
