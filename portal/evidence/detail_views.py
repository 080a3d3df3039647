"""One evidence: its page, edits, trash, versions, status, download and preview."""
from pathlib import Path, PurePath
from urllib.parse import quote

from flask import abort, current_app, make_response, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import cycles, versions
from portal.access import agency_or_404
from portal.actions import act
from portal.errors import Refused
from portal.evidence import bp, quota
from portal.evidence import operations as ops
from portal.evidence.extract import MAX_PAGES, ExtractionError
from portal.evidence.preview import draw_page
from portal.evidence.queries import attachable_items, evidence_or_404
from portal.evidence.storage import BlobStore
from portal.evidence.views import require_editor
from portal.extensions import db
from portal.fragments import render
from portal.models import ChecklistItem
from portal.models.evidence import Evidence
from portal.submissions.lock import editable

# Shown in the browser; everything else downloads, so no uploaded content runs in the page.
INLINE_KINDS = {"pdf", "png", "jpeg"}
DRAFT_FIELDS = ("title", "document_date", "description")  # the details form, kept when refused


def _show(evidence: Evidence, status: int = 200, error: str | None = None, message: str | None = None,
          draft: dict | None = None, error_field: str | None = None):
    """`draft`: what the user typed into the details form, shown again after a refusal, with
    the message beside `error_field` (the input it is about) when there is one."""
    can_edit = editable(evidence.agency_id)
    choices = (attachable_items(evidence, cycles.criteria_edition(evidence.cycle), "")
               if can_edit and evidence.deleted_at is None else [])
    return render("evidence/show.html", "content", status=status, evidence=evidence,
                  can_edit=can_edit, error=error, message=message, draft=draft, attach_choices=choices,
                  error_field=error_field)


@bp.get("/evidence/<int:evidence_id>")
def show(evidence_id: int):
    return _show(evidence_or_404(evidence_id))


def _change(evidence_id: int, change, message, files=(), keeps_draft: bool = False):
    """The shape of every edit: find (404), check the right (403), change, commit, answer
    with the evidence page (portal.actions). Uploaded `files` are stored before the
    transaction that records them and passed to `change`; a refused details form keeps
    what was typed."""
    evidence = evidence_or_404(evidence_id)
    require_editor(evidence.agency_id)
    draft = {key: request.form.get(key, "") for key in DRAFT_FIELDS} if keeps_draft else None

    def change_and_commit():
        with ops.staged(files) as uploads:
            change(evidence, *uploads)
            db.session.commit()  # inside: a commit that fails removes the bytes again

    return act(change_and_commit, lambda _: message(evidence) if callable(message) else message,
               show=lambda text, _: _show(evidence, message=text),
               form=lambda refusal: _show(evidence, status=refusal.status, error=refusal.message, draft=draft,
                                          error_field=refusal.field if keeps_draft else None),
               back=url_for("evidence.show", evidence_id=evidence.id), full_page=True)


def _update_details(evidence: Evidence) -> None:
    document_date = ops.parse_document_date(request.form.get("document_date", ""))
    ops.update_details(evidence, current_user, title=request.form.get("title", ""),
                       description=request.form.get("description", ""), document_date=document_date,
                       version=versions.submitted(request.form))


def _replace_file(evidence: Evidence, upload=None) -> None:
    if upload is None:
        raise Refused(422, "กรุณาเลือกไฟล์ที่จะใช้แทน")
    ops.replace_file(evidence, upload, current_user, version=versions.submitted(request.form))


@bp.post("/evidence/<int:evidence_id>")
def update(evidence_id: int):
    return _change(evidence_id, _update_details, "บันทึกรายละเอียดแล้ว", keeps_draft=True)


@bp.post("/evidence/<int:evidence_id>/delete")
def delete(evidence_id: int):
    return _change(evidence_id, lambda e: ops.delete(e, current_user),
                   "ย้ายหลักฐานไปถังขยะแล้ว กู้คืนได้จากหน้านี้หรือหน้าถังขยะ")


@bp.post("/evidence/<int:evidence_id>/restore")
def restore(evidence_id: int):
    return _change(evidence_id, lambda e: ops.restore(e, current_user), "กู้คืนหลักฐานแล้ว")


@bp.post("/evidence/<int:evidence_id>/replace")
def replace(evidence_id: int):
    upload = request.files.get("file")
    return _change(evidence_id, _replace_file, lambda e: (
        f"แทนที่ไฟล์แล้ว (ฉบับที่ {e.current_version.number}) ฉบับก่อนหน้ายังเก็บไว้"),
        files=[upload] if upload is not None and upload.filename else [])


@bp.post("/evidence/<int:evidence_id>/retry")
def retry(evidence_id: int):
    """From an item panel or the evidence page: answers with the status alone."""
    evidence = evidence_or_404(evidence_id)
    require_editor(evidence.agency_id)
    return act(lambda: ops.request_retry(evidence, current_user), "ส่งไฟล์เข้าคิวดึงข้อความอีกครั้งแล้ว",
               show=lambda _text, _: render("evidence/_status.html", "status", evidence=evidence,
                                            can_edit=True),
               back=url_for("evidence.show", evidence_id=evidence.id))


@bp.get("/evidence/<int:evidence_id>/status")
def status(evidence_id: int):
    """Polled by the page while extraction runs; stops polling once finished."""
    evidence = evidence_or_404(evidence_id)
    return render("evidence/_status.html", "status", evidence=evidence,
                  can_edit=editable(evidence.agency_id))


def _version(evidence: Evidence):
    if evidence.kind != "file":
        abort(404)
    number = request.args.get("version", type=int)
    version = evidence.current_version if number is None else next(
        (v for v in evidence.versions if v.number == number), None)
    if version is None:
        abort(404, description="ไม่พบไฟล์ฉบับนี้")
    return version


def _send(evidence: Evidence, inline: bool):
    version = _version(evidence)
    path = BlobStore(current_app.config["UPLOAD_DIR"]).path_for(version.sha256)
    if not path.is_file():
        abort(404, description="ไม่พบไฟล์ในที่จัดเก็บ กรุณาแจ้งผู้ดูแลระบบ")
    response = send_file(path, mimetype=version.mime, conditional=True, max_age=0)
    disposition = "inline" if inline else "attachment"
    name = version.original_name
    suffix = PurePath(name).suffix if PurePath(name).suffix.isascii() else ""
    fallback = name if name.isascii() and '"' not in name else f"evidence-{evidence.id}{suffix}"
    # RFC 6266/5987: an ASCII fallback for old clients and the real (Thai) name, percent-encoded.
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="{fallback}"; filename*=UTF-8\'\'{quote(name, safe="")}'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if inline:
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; object-src 'self'; sandbox"
    return response


@bp.get("/evidence/<int:evidence_id>/download")
def download(evidence_id: int):
    return _send(evidence_or_404(evidence_id), inline=False)


@bp.get("/evidence/<int:evidence_id>/preview")
def preview(evidence_id: int):
    evidence = evidence_or_404(evidence_id)
    inline = _version(evidence).file_kind in INLINE_KINDS
    return _send(evidence, inline=inline)


@bp.get("/evidence/<int:evidence_id>/items")
def attachable(evidence_id: int):
    """The items the evidence may be attached to, by code or words (an htmx fragment)."""
    evidence = evidence_or_404(evidence_id)
    require_editor(evidence.agency_id)
    query = request.args.get("q", "")[:100]
    return render("evidence/_attach_many.html", "choices", evidence=evidence, query=query,
                  choices=attachable_items(evidence, cycles.criteria_edition(evidence.cycle), query))


@bp.post("/evidence/<int:evidence_id>/items")
def attach_many(evidence_id: int):
    """Attach to several items at once, across sub-items; answered with the evidence page."""
    ids = {i for i in request.form.getlist("item_id", type=int) if i}
    items = list(db.session.scalars(select(ChecklistItem).where(ChecklistItem.id.in_(ids)))) if ids else []
    if len(items) != len(ids):
        abort(404, description="ไม่พบรายการตรวจสอบที่เลือกบางรายการ")
    attached: list = []
    return _change(evidence_id, lambda evidence: attached.extend(ops.attach_many(evidence, items, current_user)),
                   lambda _: "แนบกับรายการแล้ว: " + ", ".join(item.full_code for item in attached))


@bp.get("/evidence/<int:evidence_id>/pages/<int:number>.png")
def page_image(evidence_id: int, number: int):
    """One page of a PDF evidence as an image, for the preview on its page."""
    evidence = evidence_or_404(evidence_id)
    version = _version(evidence)
    if version.file_kind != "pdf" or not 1 <= number <= MAX_PAGES:
        abort(404, description="ไม่มีหน้านี้ในไฟล์")
    path = BlobStore(current_app.config["UPLOAD_DIR"]).path_for(version.sha256)
    if not path.is_file():
        abort(404, description="ไม่พบไฟล์ในที่จัดเก็บ กรุณาแจ้งผู้ดูแลระบบ")
    try:
        image = draw_page(path, version.sha256, number, Path(current_app.config["PREVIEW_CACHE_DIR"]))
    except ExtractionError:
        abort(404, description=f"แสดงหน้า {number} ของไฟล์นี้ไม่ได้ (ไม่มีหน้านี้หรือไฟล์เสียหาย) กรุณาดาวน์โหลดไฟล์")
    response = make_response(image)
    response.headers["Content-Type"] = "image/png"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=86400"  # a stored file's page never changes
    return response


@bp.get("/agencies/<int:agency_id>/trash")
def trash(agency_id: int):
    agency = agency_or_404(agency_id)
    deleted = list(db.session.scalars(
        select(Evidence).where(Evidence.agency_id == agency.id, Evidence.deleted_at.is_not(None))
        .order_by(Evidence.deleted_at.desc())
    ))
    return render("evidence/trash.html", "content", agency=agency, deleted=deleted,
                  can_edit=editable(agency.id), storage=quota.usage(agency))
