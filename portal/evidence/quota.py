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
from decimal import Decimal
from typing import BinaryIO

from flask import current_app
from sqlalchemy import case, func, select

from portal import audit
from portal.evidence.errors import EvidenceError
from portal.evidence.storage import measure
from portal.extensions import db
from portal.models import Agency
from portal.models.evidence import Evidence, FileVersion

MB = 1024 * 1024


@dataclass(frozen=True)
class Usage:
    used: int  # bytes
    in_trash: int  # of those, bytes only trashed evidence holds
    limit: int | None  # bytes; None: no limit

    @property
    def percent(self) -> int | None:
        return None if not self.limit else min(100, round(100 * self.used / self.limit))


def format_size(size: int) -> str:
    """Thai-readable size: '950 ไบต์', '12.5 KB', '48.2 MB', '1.5 GB' (1 MB = 1024 KB)."""
    if size < 1024:
        return f"{size} ไบต์"
    for unit, scale in (("GB", MB * 1024), ("MB", MB), ("KB", 1024)):
        if size >= scale or unit == "KB":
            return f"{size / scale:,.1f}".removesuffix(".0") + f" {unit}"
    raise AssertionError("unreachable")


def refusal(name: str, used: int, limit: int | None, incoming: int) -> str | None:
    """The Thai message when storing `incoming` more bytes passes the limit, else None."""
    if limit is None or used + incoming <= limit:
        return None
    return (f"พื้นที่จัดเก็บของส่วนราชการเต็มตามโควตา: ใช้ไปแล้ว {format_size(used)} จาก "
            f"{format_size(limit)} ไฟล์ “{name}” มีขนาด {format_size(incoming)} จึงไม่ได้บันทึก "
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
    used, in_trash = usage_by_agency([agency.id]).get(agency.id, (0, 0))
    return Usage(used, in_trash, limit_for(agency))


def check_upload(agency: Agency, name: str, stream: BinaryIO) -> None:
    """Refuse (507) a file that would take the agency past its quota; bytes it already
    keeps cost nothing. Locks the agency's row until the caller's transaction ends."""
    limit = limit_for(agency)
    if limit is None:
        return
    sha256, size = measure(stream)
    db.session.execute(select(Agency.id).where(Agency.id == agency.id).with_for_update())
    already_kept = db.session.scalar(
        select(FileVersion.id).join(Evidence, Evidence.id == FileVersion.evidence_id)
        .where(Evidence.agency_id == agency.id, FileVersion.sha256 == sha256).limit(1))
    used = usage(agency).used
    if message := refusal(name, used, limit, 0 if already_kept else size):
        raise EvidenceError(507, message)


def set_limit(agency: Agency, megabytes: Decimal | None) -> None:
    """An admin's limit in MB (decimals allowed); None: back to the configured default."""
    if megabytes is not None and not megabytes > 0:
        raise EvidenceError(422, "โควตาพื้นที่ต้องมากกว่า 0 MB (เว้นว่างเพื่อใช้ค่าเริ่มต้นของระบบ)")
    new = None if megabytes is None else max(1, int(megabytes * MB))
    if new != agency.storage_quota_bytes:
        audit.record("agency_quota_set", object_type="agency", object_id=agency.id, agency_id=agency.id,
                     **{"from": agency.storage_quota_bytes, "to": new})
        agency.storage_quota_bytes = new
