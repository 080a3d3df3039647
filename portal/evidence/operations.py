"""Every change to evidence goes through here: validate, store, audit, and record what
must follow the commit (text extraction, the search index: portal.effects). Views and the
import command call these and commit; a refusal is Refused with a Thai message. Uploaded
bytes are scanned and stored before the transaction that records them (`staged`), so
writing and typing a large file never holds the database's write lock."""
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import audit, cycles, effects, versions
from portal.database import end_transaction, reading
from portal.errors import Refused
from portal.text import clean_text
from portal.evidence import antivirus, filetypes, quota
from portal.evidence.links import LinkError, validate_url
from portal.evidence.metadata import title_from
from portal.evidence.queries import same_file
from portal.evidence.storage import BlobStore, StorageFull, StoredBlob, TooLarge, rewindable
from portal.submissions.lock import require_open
from portal.extensions import db
from portal.templating import too_large_message
from portal.thai.dates import ThaiDateError, format_thai_date, parse_thai_date
from portal.models import Agency, ChecklistItem, User
from portal.models.evidence import Evidence, EvidenceAttachment, FileVersion
from portal.models.user import utcnow

MAX_TITLE = 300
MAX_DESCRIPTION = 2000
MAX_NOTE = 1000
EDIT_ACTIONS = ("evidence_updated", "evidence_replaced")  # what the evidence's version counts
log = logging.getLogger(__name__)


def blob_store() -> BlobStore:
    return BlobStore(current_app.config["UPLOAD_DIR"])


@dataclass(frozen=True)
class StagedFile:
    """An upload whose bytes are scanned, stored and typed, not yet recorded in the database."""

    name: str
    file_type: filetypes.FileType
    blob: StoredBlob


def stage(upload: FileStorage) -> StagedFile:
    """Validate the name, scan the bytes before any of them is stored, store them, decide
    the type by content."""
    try:
        name = filetypes.safe_display_name(upload.filename or "")
    except filetypes.FileTypeError as error:
        raise Refused(error.status, error.message) from None
    stream = rewindable(upload.stream)
    antivirus.check_upload(stream, name)
    store = blob_store()
    try:
        blob = store.save(stream, max_size=current_app.config["MAX_CONTENT_LENGTH"])
    except TooLarge:
        raise Refused(413, too_large_message(name)) from None
    except StorageFull:
        raise Refused(507, "พื้นที่จัดเก็บไฟล์เต็ม ระบบยังไม่ได้บันทึกไฟล์นี้ กรุณาแจ้งผู้ดูแลระบบ") from None
    try:
        file_type = filetypes.detect(blob.path, name)
    except filetypes.FileTypeError as error:
        if blob.created:
            _forget_unreferenced(blob.sha256)
        raise Refused(error.status, f"“{name}”: {error.message}") from None
    return StagedFile(name, file_type, blob)


@contextmanager
def staged(uploads):
    """Store the uploads outside any transaction, then record them inside the block
    (which commits). If the block fails, the bytes only these uploads brought are
    removed again: nothing is half-stored."""
    uploads = list(uploads)
    if uploads:
        end_transaction()  # what the caller read is read again, fresh, by the write
    files: list[StagedFile] = []
    try:
        for upload in uploads:
            files.append(stage(upload))
        yield files
    except BaseException:
        db.session.rollback()
        for staged_file in files:
            _forget_staged(staged_file)
        raise


def _forget_staged(staged_file: StagedFile) -> None:
    if not staged_file.blob.created:
        return
    try:
        with reading():  # deferred: works while another writer holds the lock
            _forget_unreferenced(staged_file.blob.sha256)
    except Exception:  # noqa: BLE001  (`storage check --remove-orphans` finds it later)
        log.exception("could not remove the unrecorded upload %s", staged_file.blob.sha256)


def _staged_for(agency: Agency, upload: "FileStorage | StagedFile") -> StagedFile:
    """The upload staged, and within the agency's quota (checked in the transaction that
    records it, which holds the agency's row: portal/evidence/quota.py)."""
    staged_file = upload if isinstance(upload, StagedFile) else stage(upload)
    try:
        quota.check_upload(agency, staged_file.name, staged_file.blob.sha256, staged_file.blob.size)
    except Refused:
        if not isinstance(upload, StagedFile):  # staged() cleans up what it staged
            db.session.rollback()
            _forget_staged(staged_file)
        raise
    return staged_file


def _forget_unreferenced(sha256: str) -> None:
    """Remove bytes just stored for a refused upload, unless a committed row uses them."""
    if db.session.scalar(select(FileVersion.id).where(FileVersion.sha256 == sha256).limit(1)) is None:
        blob_store().delete(sha256)


def add_file(agency: Agency, item: ChecklistItem | None, upload: "FileStorage | StagedFile", user: User,
             title: str | None = None, document_date: date | None = None) -> Evidence:
    """A new file evidence; with no title given it is named after the file until its
    extraction reads the document's own title (and date, when none is given)."""
    cycle = cycles.current_cycle()
    require_open(agency.id, cycle.id)
    staged_file = _staged_for(agency, upload)
    name, file_type, blob = staged_file.name, staged_file.file_type, staged_file.blob
    evidence = Evidence(
        agency=agency, cycle=cycle, kind="file",
        title=clean_text(title, "ชื่อหลักฐาน", limit=MAX_TITLE, required=False) or title_from(name),
        created_by=user, extraction_status="queued", document_date=document_date,
    )
    evidence.versions.append(FileVersion(
        number=1, sha256=blob.sha256, size=blob.size, mime=file_type.mime,
        file_kind=file_type.kind, original_name=name, uploaded_by_id=user.id if user else None,
    ))
    if item is not None:
        evidence.attachments.append(EvidenceAttachment(checklist_item=item, created_by_id=_id(user)))
    db.session.add(evidence)
    db.session.flush()
    _log("evidence_added", evidence, user, kind="file", name=name, sha256=blob.sha256,
         item=item.full_code if item else None)
    effects.record(db.session, "extract", [evidence.id])
    return evidence


def parse_document_date(text: str) -> date | None:
    """A document date as typed (Buddhist era, Thai month names or digits); '' → None."""
    try:
        return parse_thai_date(text[:32])
    except ThaiDateError as error:
        raise Refused(422, f"วันที่ของเอกสาร: {error}", field="document_date") from None


@dataclass(frozen=True)
class Duplicate:
    """An upload whose bytes are already the agency's evidence: not stored twice unless
    the user says so (resolve_duplicate)."""

    name: str
    existing: Evidence


def add_files(agency: Agency, item: ChecklistItem, uploads: list, user: User, keep_copies: bool = False,
              title: str | None = None, document_date: date | None = None) -> tuple[list[Evidence], list[Duplicate]]:
    """Each staged upload as new evidence of the item, except the files the agency already
    has as evidence of the cycle (live or in the trash), which come back as Duplicates to
    ask about; `keep_copies` records them too, on purpose. The same file twice in one
    upload is recorded once. A title typed in the form names a single file only; the
    document date applies to each."""
    cycle = cycles.current_cycle()
    added, duplicates, seen = [], [], {}
    for upload in uploads:
        sha256 = upload.blob.sha256
        existing = seen.get(sha256) or (None if keep_copies else same_file(agency.id, cycle.id, sha256))
        if existing is not None:
            duplicates.append(Duplicate(upload.name, existing))
            continue
        evidence = add_file(agency, item, upload, user, title=title if len(uploads) == 1 else None,
                            document_date=document_date)
        added.append(evidence)
        seen[sha256] = evidence
    return added, duplicates


def resolve_duplicate(existing: Evidence, item: ChecklistItem, choice: str, name: str, user: User) -> str:
    """What the user chose for an upload that repeats `existing`: attach the existing
    evidence to the item (restored from the trash if it is there), or keep a separate
    copy of it on purpose (its bytes are stored already: no second upload). The message."""
    _require_unsubmitted(existing)
    if choice == "attach":
        if existing.deleted_at is not None:
            restore(existing, user)
        if any(a.checklist_item_id == item.id for a in existing.attachments):
            return f"“{existing.title}” แนบกับรายการ {item.code} อยู่แล้ว ไม่ได้เพิ่มไฟล์ซ้ำ"
        attach(existing, item, user)
        return f"แนบหลักฐานเดิม “{existing.title}” กับรายการ {item.code} แล้ว ไม่ได้เพิ่มไฟล์ซ้ำ"
    if choice != "copy":
        raise Refused(422, "กรุณาเลือกว่าจะแนบหลักฐานเดิมหรือเก็บเป็นสำเนาแยก")
    source = existing.current_version
    name = clean_text(name, "ชื่อไฟล์", limit=MAX_TITLE, required=False) or source.original_name
    copy = Evidence(agency_id=existing.agency_id, cycle_id=existing.cycle_id, kind="file",
                    title=title_from(name), created_by=user, extraction_status="queued")
    copy.versions.append(FileVersion(number=1, sha256=source.sha256, size=source.size, mime=source.mime,
                                     file_kind=source.file_kind, original_name=name, uploaded_by_id=_id(user)))
    copy.attachments.append(EvidenceAttachment(checklist_item=item, created_by_id=_id(user)))
    db.session.add(copy)
    db.session.flush()
    _log("evidence_added", copy, user, kind="file", name=name, sha256=source.sha256, item=item.full_code,
         copy_of=existing.id)
    effects.record(db.session, "extract", [copy.id])
    return f"เก็บ “{name}” เป็นหลักฐานแยกจาก “{existing.title}” แล้ว"


def add_link(agency: Agency, item: ChecklistItem | None, url: str, title: str, user: User) -> Evidence:
    cycle = cycles.current_cycle()
    require_open(agency.id, cycle.id)
    try:
        url = validate_url(url)
    except LinkError as error:
        raise Refused(422, str(error)) from None
    evidence = Evidence(
        agency=agency, cycle=cycle, kind="link", url=url,
        title=clean_text(title, "ชื่อลิงก์", limit=MAX_TITLE, required=True, ask="กรุณากรอก"),
        created_by=user, extraction_status="not_applicable",  # links are never fetched
    )
    if item is not None:
        evidence.attachments.append(EvidenceAttachment(checklist_item=item, created_by_id=_id(user)))
    db.session.add(evidence)
    db.session.flush()
    _log("evidence_added", evidence, user, kind="link", url=url, title=evidence.title,
         item=item.full_code if item else None)
    return evidence


def replace_file(evidence: Evidence, upload: "FileStorage | StagedFile", user: User,
                 version: int | None = None) -> Evidence:
    """`version`: what the form showed (portal/versions.py); a refused replacement's staged
    bytes are removed again by `staged`."""
    _require_unsubmitted(evidence)
    if evidence.kind != "file":
        raise Refused(422, "หลักฐานประเภทลิงก์ไม่มีไฟล์ให้แทนที่")
    _require_live(evidence)
    versions.check(evidence, version, lambda: edit_conflict(evidence, user))
    staged_file = _staged_for(evidence.agency, upload)
    name, file_type, blob = staged_file.name, staged_file.file_type, staged_file.blob
    number = evidence.current_version.number + 1
    with versions.saving(lambda: edit_conflict(evidence, user)):
        evidence.versions.append(FileVersion(
            number=number, sha256=blob.sha256, size=blob.size, mime=file_type.mime,
            file_kind=file_type.kind, original_name=name, uploaded_by_id=_id(user),
        ))
        evidence.pages.clear()
        evidence.extraction_status, evidence.extraction_error = "queued", None
        evidence.pages_done = evidence.pages_total = 0
        versions.bump(evidence)
    _log("evidence_replaced", evidence, user, version=number, name=name, sha256=blob.sha256)
    effects.record(db.session, "extract", [evidence.id])
    return evidence


def attach(evidence: Evidence, item: ChecklistItem, user: User, note: str = "") -> EvidenceAttachment:
    _require_unsubmitted(evidence)
    _require_live(evidence)
    if any(a.checklist_item_id == item.id for a in evidence.attachments):
        raise Refused(422, f"หลักฐานนี้แนบกับรายการ {item.full_code} อยู่แล้ว")
    attachment = EvidenceAttachment(checklist_item=item, created_by_id=_id(user),
                                    note=clean_text(note, "หมายเหตุ", limit=MAX_NOTE, required=False))
    evidence.attachments.append(attachment)
    _touch(evidence)
    _log("evidence_attached", evidence, user, item=item.full_code)
    return attachment


def attach_many(evidence: Evidence, items: list[ChecklistItem], user: User) -> list[ChecklistItem]:
    """One step for several items (any sub-items): those it is not attached to yet, all or
    none. The items newly attached."""
    _require_unsubmitted(evidence)
    _require_live(evidence)
    if not items:
        raise Refused(422, "กรุณาเลือกรายการอย่างน้อยหนึ่งรายการ")
    attached = {a.checklist_item_id for a in evidence.attachments}
    new = [item for item in items if item.id not in attached]
    if not new:
        raise Refused(422, "หลักฐานนี้แนบกับรายการที่เลือกทั้งหมดอยู่แล้ว")
    for item in new:  # one event per item: what changed on an item is read per item (reviews/changes.py)
        evidence.attachments.append(EvidenceAttachment(checklist_item=item, created_by_id=_id(user)))
        _log("evidence_attached", evidence, user, item=item.full_code)
    _touch(evidence)
    return new


def detach(evidence: Evidence, item: ChecklistItem, user: User) -> None:
    _require_unsubmitted(evidence)
    attachment = next((a for a in evidence.attachments if a.checklist_item_id == item.id), None)
    if attachment is None:
        raise Refused(404, "หลักฐานนี้ไม่ได้แนบกับรายการนี้")
    evidence.attachments.remove(attachment)
    _touch(evidence)
    _log("evidence_detached", evidence, user, item=item.full_code)


def update_details(evidence: Evidence, user: User, *, title: str, description: str,
                   document_date: date | None, version: int | None = None) -> None:
    """`version`: what the form showed (portal/versions.py); None only outside forms."""
    _require_unsubmitted(evidence)
    _require_live(evidence)
    versions.check(evidence, version, lambda: edit_conflict(evidence, user))
    values = {
        "title": clean_text(title, "ชื่อหลักฐาน", limit=MAX_TITLE, required=True, ask="กรุณากรอก", field="title"),
        "description": clean_text(description, "คำอธิบาย", limit=MAX_DESCRIPTION, required=False,
                                  field="description"),
        "document_date": document_date,
    }
    changes = {k: {"from": str(getattr(evidence, k) or ""), "to": str(v or "")}
               for k, v in values.items() if getattr(evidence, k) != v}
    if not changes:
        return
    with versions.saving(lambda: edit_conflict(evidence, user)):
        for key, value in values.items():
            setattr(evidence, key, value)
        versions.bump(evidence)
    _log("evidence_updated", evidence, user, changes=changes)


def edit_conflict(evidence: Evidence, user: User | None) -> Refused:
    """409: the evidence as it is now, and who changed it last (portal/versions.py)."""
    current = [("ชื่อหลักฐาน", versions.quoted(evidence.title))]
    if evidence.kind == "file":
        file = evidence.current_version
        current.append(("ไฟล์", f"{versions.quoted(file.original_name)} (ฉบับที่ {file.number})"))
    current += [("วันที่ของเอกสาร", format_thai_date(evidence.document_date) or "(ไม่ระบุ)"),
                ("คำอธิบาย", versions.quoted(evidence.description))]
    change = versions.last_audited("evidence", evidence.id, EDIT_ACTIONS)
    return versions.conflict("หลักฐานนี้", current, change, user)


def update_note(evidence: Evidence, item: ChecklistItem, user: User, note: str,
                version: int | None = None) -> None:
    """`version`: the attachment's, as the note form showed it (portal/versions.py)."""
    _require_unsubmitted(evidence)
    attachment = next((a for a in evidence.attachments if a.checklist_item_id == item.id), None)
    if attachment is None:
        raise Refused(404, "หลักฐานนี้ไม่ได้แนบกับรายการนี้")
    versions.check(attachment, version, lambda: note_conflict(evidence, item, user))
    text = clean_text(note, "หมายเหตุ", limit=MAX_NOTE, required=False)
    if text == attachment.note:
        return
    with versions.saving(lambda: note_conflict(evidence, item, user)):
        attachment.note = text
    _log("evidence_note_updated", evidence, user, item=item.full_code)


def note_conflict(evidence: Evidence, item: ChecklistItem, user: User | None) -> Refused:
    attachment = next((a for a in evidence.attachments if a.checklist_item_id == item.id), None)
    if attachment is None:
        return Refused(404, "มีผู้อื่นนำหลักฐานนี้ออกจากรายการไปแล้ว หมายเหตุที่พิมพ์ยังไม่ได้บันทึก")
    change = versions.last_audited("evidence", evidence.id, ("evidence_note_updated",),
                                   lambda details: details.get("item") == item.full_code)
    return versions.conflict(f"หมายเหตุของ “{evidence.title}” ในรายการ {item.code} ", [
        ("หมายเหตุ", versions.quoted(attachment.note))], change, user)


def delete(evidence: Evidence, user: User) -> None:
    """Soft delete: the evidence goes to the trash and can be restored."""
    _require_unsubmitted(evidence)
    _require_live(evidence)
    evidence.deleted_at = datetime.now(timezone.utc)
    evidence.deleted_by_id = _id(user)
    _log("evidence_deleted", evidence, user)


def restore(evidence: Evidence, user: User) -> None:
    _require_unsubmitted(evidence)
    if evidence.deleted_at is None:
        raise Refused(422, "หลักฐานนี้ไม่ได้อยู่ในถังขยะ")
    evidence.deleted_at = None
    evidence.deleted_by_id = None
    _log("evidence_restored", evidence, user)


def request_retry(evidence: Evidence, user: User) -> None:
    _require_unsubmitted(evidence)
    _require_live(evidence)
    if evidence.extraction_status != "failed":
        raise Refused(422, "ลองใหม่ได้เฉพาะหลักฐานที่ดึงข้อความไม่สำเร็จ")
    evidence.extraction_status, evidence.extraction_error = "queued", None
    _log("evidence_retry", evidence, user)
    effects.record(db.session, "extract", [evidence.id])


def _log(action: str, evidence: Evidence, user: User | None, **details) -> None:
    """Audit a change to an evidence; its search index entry follows after the commit."""
    audit.record(action, actor=user, object_type="evidence", object_id=evidence.id,
                 agency_id=evidence.agency_id, **details)
    effects.record(db.session, "index", [evidence.id])


def _touch(evidence: Evidence) -> None:
    """Its items are indexed with it: a new updated_at tells the index sweep and a
    running rebuild that its documents changed (a collection change alone writes no row)."""
    evidence.updated_at = utcnow()


def _require_unsubmitted(evidence: Evidence) -> None:
    """First in every change: a submitted cycle is read-only (portal/submissions/lock.py)."""
    require_open(evidence.agency_id, evidence.cycle_id)


def _require_live(evidence: Evidence) -> None:
    if evidence.deleted_at is not None:
        raise Refused(422, "หลักฐานนี้อยู่ในถังขยะ กรุณากู้คืนก่อน")


def _id(user: User | None) -> int | None:
    return user.id if user is not None else None
