"""Bulk import pages (admins only, via the area's before_request): upload → dry-run preview
of every row → confirm → one transaction. Parsing and planning live in portal.admin.imports."""
from pathlib import Path

from flask import Response, abort, current_app, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.admin import bp
from portal.admin import imports
from portal.errors import Refused
from portal.extensions import db
from portal.fragments import render
from portal.models import Agency, RoleGrant, User


def _folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def _kind_or_404(kind: str) -> str:
    if kind not in imports.KINDS:
        abort(404)
    return kind


def _page(status: int = 200, **context):
    for name, default in (("errors", {}), ("plan", None), ("done", False), ("passwords", []),
                          ("filename", ""), ("token", ""), ("sha256", ""), ("counts", {})):
        context.setdefault(name, default)
    return render("admin/import.html", "content", status=status, columns=imports.COLUMNS,
                  kind_labels=imports.KIND_LABELS, max_rows=imports.MAX_ROWS,
                  max_mb=imports.MAX_BYTES // (1024 * 1024), **context)


def _database():
    agencies = {a.code: a for a in db.session.scalars(select(Agency))}
    users = {u.username.lower(): u for u in db.session.scalars(
        select(User).options(selectinload(User.grants).selectinload(RoleGrant.agency)))}
    return agencies, users


def _plan(kind: str, filename: str, data: bytes):
    rows = imports.read_table(kind, filename, data)
    agencies, users = _database()
    if kind == "agencies":
        plan = imports.plan_agencies(rows, agencies)
    else:
        held = {name: {(g.role, g.agency.code if g.agency else None) for g in user.grants}
                for name, user in users.items()}
        plan = imports.plan_users(rows, held, set(agencies))
    return plan, agencies, users


@bp.get("/import")
def imports_page():
    return _page()


@bp.get("/import/<kind>.csv")
def import_template(kind: str):
    kind = _kind_or_404(kind)
    return Response(imports.template_csv(kind), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=import-{kind}.csv"})


@bp.post("/import/<kind>")
def import_preview(kind: str):
    kind = _kind_or_404(kind)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(422, errors={kind: "กรุณาเลือกไฟล์ CSV หรือ Excel (.xlsx)"})
    data = upload.stream.read(imports.MAX_BYTES + 1)
    try:
        plan, _agencies, _users = _plan(kind, upload.filename, data)
    except Refused as refusal:
        audit.note_refusal_reason(refusal.message)
        return _page(refusal.status, errors={kind: refusal.message})
    token = imports.stash(_folder(), kind, upload.filename, data)
    return _page(422 if plan.errors else 200, plan=plan, filename=upload.filename, token=token,
                 sha256=imports.digest(data), counts=imports.counts(plan))


@bp.post("/import/<kind>/confirm")
def import_confirm(kind: str):
    kind = _kind_or_404(kind)
    token, sha256 = request.form.get("token", ""), request.form.get("sha256", "")
    filename = request.form.get("filename", "")[:200]  # shown only; the stash's own name is read
    try:
        stashed, data = imports.unstash(_folder(), kind, token, sha256)
        plan, agencies, users = _plan(kind, stashed, data)
        if plan.errors:  # the preview offered no confirm button; refuse a hand-made post too
            db.session.rollback()
            audit.note_refusal_reason("ไฟล์มีข้อผิดพลาด")
            return _page(422, plan=plan, filename=filename, token=token, sha256=sha256,
                         counts=imports.counts(plan),
                         errors={kind: "ไฟล์มีข้อผิดพลาด จึงไม่นำเข้าข้อมูลใดเลย กรุณาแก้ไขแล้วอัปโหลดใหม่"})
        passwords = imports.apply(plan, agencies, users)
        counts = imports.counts(plan)
        audit.record("bulk_import", import_of=kind, rows=len(plan.rows), sha256=sha256,
                     **{key: value for key, value in counts.items() if value})
        db.session.commit()
    except Refused as refusal:
        db.session.rollback()
        audit.note_refusal_reason(refusal.message)
        return _page(refusal.status, errors={kind: refusal.message})
    imports.discard(_folder(), kind, token)
    return _page(plan=plan, done=True, filename=filename, counts=counts, passwords=passwords)
