"""Evidence on checklist items: the agency's workspace per sub-item and the item actions.

Item actions answer htmx with the item's panel (coverage included), so the page updates
in place; without htmx they redirect back to the workspace."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from portal.access import agency_or_404, can_edit_agency
from portal.coverage.views import summary_context
from portal.evidence import operations as ops
from portal.evidence.queries import (
    evidence_or_404,
    item_or_404,
    live_evidence_by_item,
    pickable_evidence,
    sub_item_with_items,
)
from portal.extensions import db
from portal.fragments import render, wants_fragment
from portal.jobs import enqueue_extraction
from portal.models import Agency, ChecklistItem
from portal.reviews.queries import item_reviews

bp = Blueprint("evidence", __name__)
FORBIDDEN_EDIT = "เฉพาะเจ้าหน้าที่ของส่วนราชการนี้ (สิทธิ์แก้ไข) เท่านั้นที่แก้ไขหลักฐานได้"


def require_editor(agency_id: int) -> None:
    if not can_edit_agency(agency_id):
        abort(403, description=FORBIDDEN_EDIT)


def panel(agency: Agency, item: ChecklistItem, status: int = 200, error: str | None = None,
          message: str | None = None):
    """The item's panel: the fragment every item action answers with."""
    cycle = ops.current_cycle()
    entries = live_evidence_by_item(agency.id, cycle.id, [item.id])[item.id]
    return render("evidence/item_panel.html", "panel", status=status, agency=agency, item=item,
                  entries=entries, can_edit=can_edit_agency(agency.id), error=error, message=message,
                  reviews=item_reviews(agency.id, cycle.id, [item.id]))


def after_item_action(agency: Agency, item: ChecklistItem, message: str, status: int = 200):
    if wants_fragment():
        response = panel(agency, item, status=status, message=message)
        # The workspace's level box listens for this and fetches its new figures.
        response.headers["HX-Trigger"] = "coverage-changed"
        return response
    flash(message, "success")
    sub_item = item.sub_item
    return redirect(url_for("evidence.workspace", agency_id=agency.id,
                            category_code=sub_item.category.code, sub_item_code=sub_item.code)
                    + f"#item-{item.id}")


def failed_item_action(agency: Agency, item: ChecklistItem, error: ops.EvidenceError):
    db.session.rollback()
    if wants_fragment():
        return panel(agency, item, status=error.status, error=error.message)
    abort(error.status, description=error.message)


@bp.get("/agencies/<int:agency_id>/criteria/<category_code>/<sub_item_code>")
def workspace(agency_id: int, category_code: str, sub_item_code: str):
    agency = agency_or_404(agency_id)
    sub_item = sub_item_with_items(category_code, sub_item_code, current_app.config["CRITERIA_VERSION"])
    try:
        cycle = ops.current_cycle()
    except ops.EvidenceError as error:
        abort(error.status, description=error.message)
    item_ids = [i.id for i in sub_item.items]
    entries = live_evidence_by_item(agency.id, cycle.id, item_ids)
    summary = summary_context(agency, cycle, category_code, sub_item_code, "covered")
    return render("evidence/workspace.html", "content", agency=agency, sub_item=sub_item,
                  category=sub_item.category, cycle=cycle, entries=entries,
                  can_edit=can_edit_agency(agency.id), error=None, message=None,
                  reviews=item_reviews(agency.id, cycle.id, item_ids), **summary)


@bp.get("/agencies/<int:agency_id>/items/<int:item_id>")
def item_panel(agency_id: int, item_id: int):
    return panel(agency_or_404(agency_id), item_or_404(item_id))


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/files")
def upload(agency_id: int, item_id: int):
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    require_editor(agency.id)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        return failed_item_action(agency, item, ops.EvidenceError(422, "กรุณาเลือกไฟล์อย่างน้อยหนึ่งไฟล์"))
    added = []
    try:
        with ops.staged(files) as uploads:  # bytes stored outside the transaction
            for upload_file in uploads:
                added.append(ops.add_file(agency, item, upload_file, current_user))
            db.session.commit()
    except ops.EvidenceError as error:
        return failed_item_action(agency, item, error)
    for evidence in added:
        enqueue_extraction(evidence.id)
    names = ", ".join(e.current_version.original_name for e in added)
    return after_item_action(agency, item, f"อัปโหลดแล้ว: {names}")


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/links")
def add_link(agency_id: int, item_id: int):
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    require_editor(agency.id)
    try:
        ops.add_link(agency, item, request.form.get("url", ""), request.form.get("title", ""), current_user)
        db.session.commit()
    except ops.EvidenceError as error:
        return failed_item_action(agency, item, error)
    return after_item_action(agency, item, "เพิ่มลิงก์แล้ว")


@bp.get("/agencies/<int:agency_id>/items/<int:item_id>/picker")
def picker(agency_id: int, item_id: int):
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    require_editor(agency.id)
    query = request.args.get("q", "").strip()[:100]
    choices = pickable_evidence(agency.id, ops.current_cycle().id, item.id, query)
    return render("evidence/picker.html", "picker", agency=agency, item=item, choices=choices, query=query)


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/attach")
def attach(agency_id: int, item_id: int):
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    require_editor(agency.id)
    evidence_id = request.form.get("evidence_id", type=int)
    evidence = evidence_or_404(evidence_id) if evidence_id else abort(422, description="กรุณาเลือกหลักฐาน")
    if evidence.agency_id != agency.id:
        abort(404)
    try:
        ops.attach(evidence, item, current_user, note=request.form.get("note", ""))
        db.session.commit()
    except ops.EvidenceError as error:
        return failed_item_action(agency, item, error)
    return after_item_action(agency, item, f"แนบ “{evidence.title}” กับรายการ {item.code} แล้ว")


def _on_attached(agency_id: int, item_id: int, evidence_id: int, change, message):
    """Detach and note edits: the agency's own evidence on one of its items, editors only."""
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    evidence = evidence_or_404(evidence_id)
    if evidence.agency_id != agency.id:
        abort(404)
    require_editor(agency.id)
    try:
        change(evidence, item)
        db.session.commit()
    except ops.EvidenceError as error:
        return failed_item_action(agency, item, error)
    return after_item_action(agency, item, message.format(title=evidence.title, code=item.code))


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/detach/<int:evidence_id>")
def detach(agency_id: int, item_id: int, evidence_id: int):
    return _on_attached(agency_id, item_id, evidence_id,
                        lambda evidence, item: ops.detach(evidence, item, current_user),
                        "นำ “{title}” ออกจากรายการ {code} แล้ว (หลักฐานยังอยู่ในระบบ)")


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/note/<int:evidence_id>")
def update_note(agency_id: int, item_id: int, evidence_id: int):
    return _on_attached(agency_id, item_id, evidence_id,
                        lambda evidence, item: ops.update_note(evidence, item, current_user,
                                                               request.form.get("note", "")),
                        "บันทึกหมายเหตุของ “{title}” แล้ว")
