"""Restoring a backup into an empty installation: checked first, files before the database
(so an interrupted restore can simply be run again), then migrations up to this version
of the portal. The search index is rebuilt from the restored database afterwards."""
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask_migrate import upgrade

from portal.backup import BackupError, archive, database
from portal.evidence.storage import BlobStore
from portal.extensions import db


@dataclass
class Restored:
    manifest: dict
    files: int


def restore(folder: Path) -> Restored:
    report = archive.verify(folder)
    if report.errors:
        raise BackupError("ชุดสำรองข้อมูลไม่สมบูรณ์หรือเสียหาย จึงไม่กู้คืน (ระบบปลายทางไม่ถูกแตะต้อง):\n  - "
                          + "\n  - ".join(report.errors))
    manifest = report.manifest
    _require_known_revision(manifest["portal_revision"])
    store = BlobStore(current_app.config["UPLOAD_DIR"])
    _require_empty(store, set(report.blobs))
    for sha256, file in sorted(report.blobs.items()):
        if not store.exists(sha256):
            with file.open("rb") as reading:
                store.save(reading)  # hashed again on the way in, fsynced, renamed into place
    database.restore(db.engine, Path(folder), manifest)
    _, tables, _ = database.describe_engine(db.engine)
    if tables != manifest["tables"]:
        differing = sorted(n for n in set(tables) | set(manifest["tables"]) if tables.get(n) != manifest["tables"].get(n))
        raise BackupError(f"กู้คืนแล้วแต่จำนวนแถวไม่ตรงกับชุดสำรอง ในตาราง: {', '.join(differing)}")
    upgrade()  # a backup of an older revision is brought up to this portal's schema
    return Restored(manifest, len(report.blobs))


def _require_known_revision(revision: str | None) -> None:
    if revision is None:
        return
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    try:
        script.get_revision(revision)
    except CommandError:
        raise BackupError(f"ชุดสำรองนี้มาจากพอร์ทัลรุ่นที่ใหม่กว่าโปรแกรมนี้ (ฐานข้อมูลรุ่น {revision}) "
                          "กรุณาปรับรุ่นโปรแกรมก่อนกู้คืน") from None


def _require_empty(store: BlobStore, backup_blobs: set[str]) -> None:
    """Never overwrite anyone's data: rows people made, or files the backup does not hold
    (files it holds may be left by an interrupted restore, and are the same bytes)."""
    db.session.remove()  # no transaction of ours may hold the tables a restore replaces
    rows = database.user_rows(db.engine)
    foreign = [h for h in store.all_hashes() if h not in backup_blobs]
    if not rows and not foreign:
        return
    found = ", ".join(f"{name} {count} แถว" for name, count in sorted(rows.items())[:6])
    if foreign:
        found += (", " if found else "") + f"ไฟล์ใน {store.root} {len(foreign)} ไฟล์"
    raise BackupError("ระบบปลายทางมีข้อมูลอยู่แล้ว (" + found + ") การกู้คืนทำได้เฉพาะในระบบที่ยังว่าง "
                      "เพื่อไม่ให้ข้อมูลปัจจุบันถูกเขียนทับ: ตั้ง DATABASE_URL และ UPLOAD_DIR ไปยังที่ว่าง "
                      "(flask --app portal db upgrade ได้ แต่ยังไม่ต้องสร้างผู้ใช้หรือหลักฐาน) แล้วสั่งกู้คืนอีกครั้ง")
