"""`flask backup create|verify|restore` (see README: how often, where, rotation)."""
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from portal.backup import BackupError, archive
from portal.backup.restore import restore
from portal.search import backend
from portal.templating import filesize

backup_cli = AppGroup("backup", help="สำรองและกู้คืนข้อมูล")


def _fail(error: BackupError, code: int = 1):
    click.echo(f"ไม่สำเร็จ: {error}", err=True)
    sys.exit(code)


@backup_cli.command("create")
@click.argument("destination", required=False, type=click.Path(file_okay=False, path_type=Path))
def create_command(destination):
    """Copy the database and every file it names into a new folder (default: BACKUP_DIR/pmqa-<time>)."""
    try:
        created = archive.create(destination)
    except BackupError as error:
        _fail(error)
    manifest = created.manifest
    click.echo(f"สำรองข้อมูลแล้วที่ {created.folder}")
    click.echo(f"  ฐานข้อมูล {manifest['database']['dialect']} รุ่น {manifest['portal_revision']}: "
               f"{sum(manifest['tables'].values())} แถวใน {len(manifest['tables'])} ตาราง")
    click.echo(f"  ไฟล์หลักฐาน {manifest['files']['count']} ไฟล์ ({filesize(manifest['files']['bytes'])})")
    if manifest["unavailable_files"]:
        for problem in manifest["unavailable_files"]:
            label = "หาย" if problem["problem"] == "missing" else "เสียหาย (เนื้อหาไม่ตรงกับชื่อ)"
            click.echo(f"  คำเตือน: ไฟล์{label} จึงไม่ได้สำรอง: {problem['sha256']}", err=True)
        click.echo("  ตรวจด้วย flask --app portal storage check", err=True)
        sys.exit(2)  # the backup is kept, but cron should tell someone


@backup_cli.command("verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def verify_command(folder):
    """Check every checksum, every file's name against its bytes, and the database copy."""
    report = archive.verify(folder)
    for warning in report.warnings:
        click.echo(f"คำเตือน: {warning}", err=True)
    if report.errors:
        for error in report.errors:
            click.echo(f"ผิดพลาด: {error}", err=True)
        click.echo("ชุดสำรองข้อมูลนี้ใช้กู้คืนไม่ได้", err=True)
        sys.exit(1)
    manifest = report.manifest
    click.echo(f"ชุดสำรองข้อมูลสมบูรณ์: สร้างเมื่อ {manifest['created_at']}, "
               f"{sum(manifest['tables'].values())} แถว, ไฟล์หลักฐาน {len(report.blobs)} ไฟล์")


@backup_cli.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--no-reindex", is_flag=True, help="ไม่สร้างดัชนีค้นหาทันที (สั่ง search reindex เองภายหลัง)")
def restore_command(folder, no_reindex):
    """Restore into an empty installation, then rebuild the search index from it."""
    try:
        restored = restore(folder)
    except BackupError as error:
        _fail(error)
    manifest = restored.manifest
    click.echo(f"กู้คืนแล้วจากชุดสำรองเมื่อ {manifest['created_at']}: {sum(manifest['tables'].values())} แถว, "
               f"ไฟล์หลักฐาน {restored.files} ไฟล์")
    if no_reindex:
        click.echo("ยังไม่ได้สร้างดัชนีค้นหา: สั่ง flask --app portal search reindex ก่อนเปิดให้ผู้ใช้ค้นหา")
    else:
        with click.progressbar(length=1, label="สร้างดัชนีค้นหา") as bar:
            def progress(done, total):
                bar.length = max(total, 1)
                bar.update(done - bar.pos)
            count = backend.rebuild(fresh=True, progress=progress)
        click.echo(f"สร้างดัชนีค้นหาจากหลักฐาน {count} รายการแล้ว")
    click.echo("จากนั้นเริ่ม worker (huey_consumer portal.worker.huey) ให้ดึงข้อความของหลักฐานที่ยังค้างอยู่")
