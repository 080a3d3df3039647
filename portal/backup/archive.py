"""Creating a backup folder and checking one (layout in portal/backup/__init__.py)."""
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app

from portal import cycles
from portal.backup import BackupError, database
from portal.evidence.storage import BlobStore
from portal.extensions import db

FORMAT = "pmqa-portal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
BLOBS = "uploads"
CHUNK = 1024 * 1024
SUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S.*)$")
BLOB_PATH = re.compile(r"^uploads/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")


@dataclass
class Created:
    folder: Path
    manifest: dict


@dataclass
class Report:
    manifest: dict | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    blobs: dict[str, Path] = field(default_factory=dict)  # sha256 → file in the backup


def default_destination() -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(current_app.config["BACKUP_DIR"]) / f"pmqa-{stamp}"


def create(destination: Path | None = None) -> Created:
    """Write the backup beside its destination, then rename it into place, so a folder with
    the destination's name is always a finished backup."""
    destination = Path(destination or default_destination()).resolve()
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupError(f"ปลายทาง {destination} มีอยู่แล้วและไม่ว่าง กรุณาระบุโฟลเดอร์ใหม่")
    work = destination.with_name(destination.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)  # left by an interrupted run
    work.mkdir(parents=True)
    try:
        snapshot = database.dump(db.engine, work)
        sums = {snapshot.file: file_sha256(work / snapshot.file)}
        problems = _copy_blobs(snapshot.blobs, BlobStore(current_app.config["UPLOAD_DIR"]), work, sums)
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "portal_revision": snapshot.revision,
            "criteria_version": cycles.configured_edition(),
            "database": {"dialect": db.engine.dialect.name, "file": snapshot.file, "tool": snapshot.tool},
            "tables": snapshot.tables,
            "files": {"count": len(blobs := [p for p in sums if BLOB_PATH.match(p)]),
                      "bytes": sum((work / p).stat().st_size for p in blobs)},
            "unavailable_files": problems,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        sums[MANIFEST] = file_sha256(work / MANIFEST)
        (work / SUMS).write_text("".join(f"{digest}  {path}\n" for path, digest in sorted(sums.items())))
        os.sync()  # everything on disk before the folder gets its final name
        if destination.exists():
            destination.rmdir()
        work.rename(destination)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Created(destination, manifest)


def _copy_blobs(hashes: set[str], store: BlobStore, work: Path, sums: dict[str, str]) -> list[dict]:
    """Copy each named file, checking on the way that its bytes still match its name."""
    problems = []
    for sha256 in sorted(hashes):
        relative = f"{BLOBS}/{sha256[:2]}/{sha256[2:4]}/{sha256}"
        target = work / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            digest = _copy(store.path_for(sha256), target)
        except FileNotFoundError:
            problems.append({"sha256": sha256, "problem": "missing"})
            continue
        if digest != sha256:
            target.unlink()
            problems.append({"sha256": sha256, "problem": "damaged"})
            continue
        sums[relative] = digest
    return problems


def _copy(source: Path, target: Path) -> str:
    digest = hashlib.sha256()
    with source.open("rb") as reading, target.open("wb") as writing:
        while chunk := reading.read(CHUNK):
            digest.update(chunk)
            writing.write(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reading:
        while chunk := reading.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify(folder: Path) -> Report:
    """Every checksum, every file's name against its content, the database file itself."""
    folder, report = Path(folder), Report()
    if not (folder / SUMS).is_file() or not (folder / MANIFEST).is_file():
        report.errors.append(f"{folder} ไม่ใช่ชุดสำรองข้อมูลของพอร์ทัล (ไม่พบ {SUMS} หรือ {MANIFEST})")
        return report
    listed = _read_sums(folder, report)
    for path, expected in listed.items():
        file = folder / path
        if not file.is_file():
            report.errors.append(f"ไฟล์หายไปจากชุดสำรอง: {path}")
        elif file_sha256(file) != expected:
            report.errors.append(f"ไฟล์ในชุดสำรองเสียหาย (ค่า SHA-256 ไม่ตรง): {path}")
        elif match := BLOB_PATH.match(path):
            if match.group(3) != expected or match.group(3)[:4] != match.group(1) + match.group(2):
                report.errors.append(f"ชื่อไฟล์ไม่ตรงกับเนื้อหา: {path}")
            else:
                report.blobs[expected] = file
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = file.relative_to(folder).as_posix()
        if relative != SUMS and relative not in listed:
            report.warnings.append(f"ไฟล์นอกรายการตรวจสอบ (ไม่ถูกใช้): {relative}")
    if MANIFEST not in listed or report.errors:
        if MANIFEST not in listed:
            report.errors.append(f"{SUMS} ไม่มีค่าตรวจสอบของ {MANIFEST}")
        return report
    report.manifest = manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        report.errors.append(f"รูปแบบชุดสำรองไม่รู้จัก: {manifest.get('format')} รุ่น {manifest.get('format_version')}")
        return report
    if manifest["database"]["file"] not in listed:
        report.errors.append(f"{SUMS} ไม่มีค่าตรวจสอบของไฟล์ฐานข้อมูล {manifest['database']['file']}")
        return report
    if len(report.blobs) != manifest["files"]["count"]:
        report.errors.append(f"จำนวนไฟล์หลักฐานไม่ตรงกับ {MANIFEST}: พบ {len(report.blobs)} "
                             f"ต้องมี {manifest['files']['count']}")
    for problem in manifest.get("unavailable_files", []):
        report.warnings.append(f"ไฟล์ที่ไม่ได้อยู่ในชุดสำรองตั้งแต่ตอนสำรอง ({problem['problem']}): {problem['sha256']}")
    problems, referenced = database.check_copy(folder, manifest)
    report.errors.extend(problems)
    unavailable = {p["sha256"] for p in manifest.get("unavailable_files", [])}
    for sha256 in sorted((referenced or set()) - set(report.blobs) - unavailable):
        report.errors.append(f"ฐานข้อมูลในชุดสำรองอ้างถึงไฟล์ที่ไม่มีในชุดสำรอง: {sha256}")
    return report


def _read_sums(folder: Path, report: Report) -> dict[str, str]:
    listed = {}
    for number, line in enumerate((folder / SUMS).read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        match = SUM_LINE.match(line)
        path = match.group(2) if match else ""
        if not match or path.startswith("/") or ".." in Path(path).parts:
            report.errors.append(f"{SUMS} บรรทัด {number} อ่านไม่ได้")
            continue
        listed[path] = match.group(1)
    return listed
