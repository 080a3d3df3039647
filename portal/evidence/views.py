"""Evidence on checklist items: the agency's workspace per sub-item and the item actions.

Item actions answer htmx with the item's panel (coverage included), so the page updates
in place; without htmx they redirect back to the workspace, or, refused, answer with the
workspace page itself (panels.workspace_page) with the reason and what was typed."""
from flask import abort, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from portal import audit, cycles, versions
from portal.access import agency_or_404, can_edit_agency
from portal.actions import act
from portal.errors import Refused
from portal.evidence import bp
from portal.evidence import operations as ops
from portal.evidence.panels import panel, workspace_page
from portal.evidence.queries import (
    evidence_or_404,
    item_or_404,
    item_url,
    pickable_evidence,
)
from portal.extensions import db
from portal.fragments import render, wants_fragment
from portal.main.errors import render_error
from portal.models import Agency, ChecklistItem
from portal.submissions.lock import require_editable
from portal.templating import too_large_message

FORBIDDEN_EDIT = "เฉพาะเจ้าหน้าที่ของส่วนราชการนี้ (สิทธิ์แก้ไข) เท่านั้นที่แก้ไขหลักฐานได้"


def require_editor(agency_id: int) -> None:
    if not can_edit_agency(agency_id):
        abort(403, description=FORBIDDEN_EDIT)


def item_action(agency: Agency, item: ChecklistItem, change, message, note_drafts: dict[int, str] | None = None):
    """One change on an item's evidence, answered with the item's panel (portal.actions);
    the workspace's level box listens for "coverage-changed" and fetches its new figures."""
    return act(change, message, show=lambda text, _: panel(agency, item, message=text),
               form=lambda refusal: panel(agency, item, status=refusal.status, error=refusal.message,
                                          note_drafts=note_drafts),
               back=item_url(agency.id, item), trigger="coverage-changed", full_page=True)


@bp.get("/agencies/<int:agency_id>/criteria/<category_code>/<sub_item_code>")
def workspace(agency_id: int, category_code: str, sub_item_code: str):
    return workspace_page(agency_or_404(agency_id), category_code, sub_item_code)


@bp.get("/agencies/<int:agency_id>/items/<int:item_id>")
def item_panel(agency_id: int, item_id: int):
    return panel(agency_or_404(agency_id), item_or_404(item_id))


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/files")
def upload(agency_id: int, item_id: int):
    """New files for the item; a file the agency already has as evidence is not stored
    twice but asked about in the panel (attach the existing one, or keep a copy)."""
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    require_editor(agency.id)
    files = [f for f in request.files.getlist("files") if f and f.filename]

    title, document_date = request.form.get("title", ""), request.form.get("document_date", "")

    def add_files():
        if not files:
            raise Refused(422, "กรุณาเลือกไฟล์อย่างน้อยหนึ่งไฟล์")
        date = ops.parse_document_date(document_date)
        with ops.staged(files) as uploads:  # bytes stored outside the transaction
            outcome = ops.add_files(agency, item, uploads, current_user, title=title, document_date=date)
            db.session.commit()  # inside: a commit that fails removes the bytes again
        return outcome

    def said(outcome) -> str:
        # The panel asks about each duplicate itself; a plain form post (no panel) is told here.
        added, duplicates = outcome
        parts = ["อัปโหลดแล้ว: " + ", ".join(e.current_version.original_name for e in added)] if added else []
        if not wants_fragment():
            parts += [f"“{d.name}” เป็นไฟล์เดียวกับหลักฐาน “{d.existing.title}” ที่มีอยู่แล้ว จึงยังไม่ได้เพิ่ม"
                      for d in duplicates]
        return " · ".join(parts)

    return act(add_files, said, show=lambda text, outcome: panel(agency, item, message=text, duplicates=outcome[1]),
               form=lambda refusal: panel(agency, item, status=refusal.status, error=refusal.message,
                                          upload_draft={"title": title, "document_date": document_date}),
               back=item_url(agency.id, item), trigger="coverage-changed", full_page=True)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_error):
    """A body over the limit is refused before any view runs, so the upload's title and date
    are not read. A plain upload still gets its workspace page with the reason at the item;
    htmx, other evidence URLs and a post the user may not make get the app's answer."""
    message, args = too_large_message(), request.view_args or {}
    if request.endpoint != "evidence.upload" or wants_fragment():
        return render_error(413, message)
    try:
        agency, item = agency_or_404(args["agency_id"]), item_or_404(args["item_id"])
        require_editor(agency.id)
    except HTTPException:
        return render_error(413, message)
    audit.note_refusal_reason(message)  # the refused upload is audited with it, as in act()
    return panel(agency, item, status=413, error=message)


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/duplicates/<int:evidence_id>")
def resolve_duplicate(agency_id: int, item_id: int, evidence_id: int):
    """The user's answer to "this file is already evidence": attach that one (the default)
    or keep a separate copy on purpose."""
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    existing = evidence_or_404(evidence_id)
    if existing.agency_id != agency.id or existing.kind != "file":
        abort(404)
    require_editor(agency.id)
    choice, name = request.form.get("choice", ""), request.form.get("name", "")
    return item_action(agency, item, lambda: ops.resolve_duplicate(existing, item, choice, name, current_user),
                       lambda text: text)


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/links")
def add_link(agency_id: int, item_id: int):
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    require_editor(agency.id)
    url, title = request.form.get("url", "")[:2000], request.form.get("title", "")[:300]
    # A refused link keeps what was typed, in its open form, with the reason beside it.
    return act(lambda: ops.add_link(agency, item, url, title, current_user), "เพิ่มลิงก์แล้ว",
               show=lambda text, _: panel(agency, item, message=text),
               form=lambda refusal: panel(agency, item, status=refusal.status,
                                          link_draft={"url": url, "title": title, "error": refusal.message}),
               back=item_url(agency.id, item), trigger="coverage-changed", full_page=True)


@bp.get("/agencies/<int:agency_id>/items/<int:item_id>/picker")
def picker(agency_id: int, item_id: int):
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    require_editor(agency.id)
    require_editable(agency.id)
    query = request.args.get("q", "").strip()[:100]
    choices = pickable_evidence(agency.id, cycles.current_cycle().id, item.id, query)
    return render("evidence/picker.html", "picker", agency=agency, item=item, choices=choices, query=query)


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/attach")
def attach(agency_id: int, item_id: int):
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    require_editor(agency.id)
    evidence_id = request.form.get("evidence_id", type=int)
    evidence = evidence_or_404(evidence_id) if evidence_id else abort(422, description="กรุณาเลือกหลักฐาน")
    if evidence.agency_id != agency.id:
        abort(404)
    return item_action(agency, item,
                       lambda: ops.attach(evidence, item, current_user, note=request.form.get("note", "")),
                       f"แนบ “{evidence.title}” กับรายการ {item.code} แล้ว")


def _on_attached(agency_id: int, item_id: int, evidence_id: int, change, message, note_draft: str | None = None):
    """Detach and note edits: the agency's own evidence on one of its items, editors only."""
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    evidence = evidence_or_404(evidence_id)
    if evidence.agency_id != agency.id:
        abort(404)
    require_editor(agency.id)
    return item_action(agency, item, lambda: change(evidence, item),
                       message.format(title=evidence.title, code=item.code),
                       note_drafts=None if note_draft is None else {evidence.id: note_draft})


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/detach/<int:evidence_id>")
def detach(agency_id: int, item_id: int, evidence_id: int):
    return _on_attached(agency_id, item_id, evidence_id,
                        lambda evidence, item: ops.detach(evidence, item, current_user),
                        "นำ “{title}” ออกจากรายการ {code} แล้ว (หลักฐานยังอยู่ในระบบ)")


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/note/<int:evidence_id>")
def update_note(agency_id: int, item_id: int, evidence_id: int):
    note = request.form.get("note", "")
    return _on_attached(agency_id, item_id, evidence_id,
                        lambda evidence, item: ops.update_note(evidence, item, current_user, note,
                                                               version=versions.submitted(request.form)),
                        "บันทึกหมายเหตุของ “{title}” แล้ว", note_draft=note)
