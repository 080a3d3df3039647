"""Storage quota per agency.

What counts: every distinct file the agency keeps — current and earlier versions, of live
evidence and of evidence in the trash (the trash keeps its files: they can be restored, and
nothing purges them), each file once however often the agency uploaded the same bytes (they
are stored once). Counted per agency: bytes another agency also holds count for both, so
one agency's usage never depends on, or hints at, another agency's files.

The limit is the agency's own (set by an admin) or else AGENCY_QUOTA_MB; neither means no
limit. An upload past it answers 507 Insufficient Storage, the status WebDAV quotas use
(RFC 4331): the agency's storage is full; the request itself is not too large (413).

Concurrency: the check locks the agency's row (SELECT … FOR UPDATE on PostgreSQL) and
holds it until the upload commits, so two uploads of one agency are checked one after the
other and never exceed the quota together. SQLite allows one writer at a time and refuses
a write based on a stale read, which gives the same guarantee.
"""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import case, func, select

from portal import audit
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency
from portal.models.evidence import Evidence, FileVersion
from portal.templating import filesize

MB = 1024 * 1024


@dataclass(frozen=True)
class Usage:
    used: int  # bytes
    in_trash: int  # of those, bytes only trashed evidence holds
    limit: int | None  # bytes; None: no limit

    @property
    def percent(self) -> int | None:
        return None if not self.limit else min(100, round(100 * self.used / self.limit))


def refusal(name: str, used: int, limit: int | None, incoming: int) -> str | None:
    """The Thai message when storing `incoming` more bytes passes the limit, else None."""
    if limit is None or used + incoming <= limit:
        return None
    return (f"พื้นที่จัดเก็บของส่วนราชการเต็มตามโควตา: ใช้ไปแล้ว {filesize(used)} จาก "
            f"{filesize(limit)} ไฟล์ “{name}” มีขนาด {filesize(incoming)} จึงไม่ได้บันทึก "
            "(หลักฐานในถังขยะยังนับรวม) กรุณาแจ้งผู้ดูแลระบบเพื่อเพิ่มโควตา")


def limit_for(agency: Agency) -> int | None:
    if agency.storage_quota_bytes is not None:
        return agency.storage_quota_bytes
    default_mb = current_app.config.get("AGENCY_QUOTA_MB")
    return int(Decimal(str(default_mb)) * MB) if default_mb else None


def _blobs(agency_ids=None):
    """One row per (agency, distinct file): its size and whether live evidence holds it."""
    statement = (
        select(Evidence.agency_id, FileVersion.sha256, func.max(FileVersion.size).label("size"),
               func.max(case((Evidence.deleted_at.is_(None), 1), else_=0)).label("live"))
        .join(Evidence, Evidence.id == FileVersion.evidence_id)
        .group_by(Evidence.agency_id, FileVersion.sha256)
    )
    if agency_ids is not None:
        statement = statement.where(Evidence.agency_id.in_(agency_ids))
    return statement.subquery()


def usage_by_agency(agency_ids=None) -> dict[int, tuple[int, int]]:
    """{agency id: (bytes used, bytes only in the trash)} in one query."""
    blobs = _blobs(agency_ids)
    rows = db.session.execute(
        select(blobs.c.agency_id, func.sum(blobs.c.size),
               func.sum(case((blobs.c.live == 0, blobs.c.size), else_=0)))
        .group_by(blobs.c.agency_id))
    return {agency_id: (int(used or 0), int(trash or 0)) for agency_id, used, trash in rows}


def usage(agency: Agency) -> Usage:
    return usages([agency])[agency.id]


def usages(agencies) -> dict[int, Usage]:
    agencies = list(agencies)
    used = usage_by_agency([a.id for a in agencies])
    return {a.id: Usage(*used.get(a.id, (0, 0)), limit_for(a)) for a in agencies}


def megabytes_text(size: int | None) -> str:
    """A limit in bytes as the admin form shows it ('50', '0.5'); empty for the default."""
    return "" if size is None else f"{Decimal(size) / MB:.2f}".rstrip("0").rstrip(".")


def parse_megabytes(text: str | None) -> Decimal | None:
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Refused(422, f"โควตาพื้นที่ “{text[:20]}” ไม่ใช่ตัวเลข (หน่วย MB เช่น 500 หรือ 0.5)", field="storage_quota_mb") from None
    if not value.is_finite() or value <= 0 or value > 10**9:
        raise Refused(422, "โควตาพื้นที่ต้องมากกว่า 0 MB (เว้นว่างเพื่อใช้ค่าเริ่มต้นของระบบ)", field="storage_quota_mb")
    return value


def check_upload(agency: Agency, name: str, sha256: str, size: int) -> None:
    """Refuse (507) a file that would take the agency past its quota; bytes it already
    keeps cost nothing. Locks the agency's row until the caller's transaction ends."""
    limit = limit_for(agency)
    if limit is None:
        return
    db.session.execute(select(Agency.id).where(Agency.id == agency.id).with_for_update())
    already_kept = db.session.scalar(
        select(FileVersion.id).join(Evidence, Evidence.id == FileVersion.evidence_id)
        .where(Evidence.agency_id == agency.id, FileVersion.sha256 == sha256).limit(1))
    used = usage(agency).used
    if message := refusal(name, used, limit, 0 if already_kept else size):
        raise Refused(507, message)


def set_limit(agency: Agency, megabytes: Decimal | None) -> None:
    """An admin's limit in MB (decimals allowed); None: back to the configured default."""
    new = None if megabytes is None else max(1, int(megabytes * MB))
    if new != agency.storage_quota_bytes:
        audit.record("agency_quota_set", object_type="agency", object_id=agency.id, agency_id=agency.id,
                     **{"from": agency.storage_quota_bytes, "to": new})
        agency.storage_quota_bytes = new
