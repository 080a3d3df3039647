"""`flask evidence import` for folders of existing evidence, `flask evidence reextract`
after extraction improved; `flask storage check`."""
import sys
from functools import partial
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import audit, cycles
from portal.database import DatabaseBusy, write
from portal.errors import Refused
from portal.evidence import operations as ops
from portal.evidence import reextract
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.models import Agency, Category, ChecklistItem, SubItem
from portal.models.evidence import FileVersion

evidence_cli = AppGroup("evidence", help="นำเข้าหลักฐานและดึงข้อความใหม่")
storage_cli = AppGroup("storage", help="ตรวจสอบที่จัดเก็บไฟล์")


def find_item(full_code: str) -> ChecklistItem:
    """'1.1-B1' → the checklist item B1 of sub-item 1.1 in the current criteria."""
    sub_code, _, item_code = full_code.strip().partition("-")
    item = db.session.scalar(
        select(ChecklistItem).join(SubItem).join(Category)
        .where(Category.version == cycles.criteria_edition(),
               SubItem.code == sub_code, ChecklistItem.code == item_code.upper())
    )
    if item is None:
        raise click.BadParameter(f"ไม่พบรายการ {full_code} (รูปแบบ เช่น 1.1-B1)", param_hint="--item")
    return item


def _files(paths: tuple[str, ...]) -> list[Path]:
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            found.append(path)
        else:
            raise click.BadParameter(f"ไม่พบไฟล์หรือโฟลเดอร์ {raw}")
    return found


@evidence_cli.command("import")
@click.option("--agency", "agency_code", required=True, help="รหัสส่วนราชการ")
@click.option("--item", "item_codes", multiple=True, help="รายการที่จะแนบ เช่น 1.1-B1 (ระบุซ้ำได้)")
@click.argument("paths", nargs=-1, required=True)
def import_command(agency_code, item_codes, paths):
    """Store files (or every file under folders) as the agency's evidence."""
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code.strip().upper()))
    if agency is None:
        raise click.BadParameter(f"ไม่พบส่วนราชการรหัส {agency_code}", param_hint="--agency")
    agency_id, item_ids = agency.id, [find_item(code).id for code in item_codes]
    files = _files(paths)
    stored, failed = 0, 0
    with click.progressbar(files, label="นำเข้าไฟล์", item_show_func=lambda p: p.name if p else "") as bar:
        for path in bar:
            try:
                with path.open("rb") as handle, ops.staged([FileStorage(handle, filename=path.name)]) as (upload,):
                    # the worker extracts it once this commits (portal.effects)
                    evidence_id = write(partial(_record, agency_id, item_ids, upload))
                stored += 1
                click.echo(f"\n  เก็บแล้ว: {path} → หลักฐาน #{evidence_id}")
            except Refused as error:
                # As a refused upload through the pages is (portal.audit), with its reason.
                write(partial(audit.record_refusal, "upload_refused", agency_id=agency_id, status=error.status,
                              reason=error.message, files=[path.name]))
                failed += 1
                click.echo(f"\n  ไม่ได้เก็บ: {path} — {error.message}", err=True)
            except DatabaseBusy as error:
                failed += 1
                click.echo(f"\n  ไม่ได้เก็บ: {path} — {error.description}", err=True)
    click.echo(f"สำเร็จ {stored} ไฟล์, ไม่สำเร็จ {failed} ไฟล์")
    if failed:
        sys.exit(1)


def _record(agency_id: int, item_ids: list[int], upload: ops.StagedFile) -> int:
    """One imported file as one short write transaction (write() retries it on contention)."""
    items = [db.session.get(ChecklistItem, item_id) for item_id in item_ids]
    evidence = ops.add_file(db.session.get(Agency, agency_id), items[0] if items else None, upload, None)
    for item in items[1:]:
        ops.attach(evidence, item, None)
    db.session.flush()
    return evidence.id


@evidence_cli.command("reextract")
@click.option("--agency", "agency_code", help="เฉพาะหลักฐานของส่วนราชการนี้ (รหัส)")
@click.option("--repair-only", is_flag=True,
              help="ซ่อมข้อความภาษาไทยใหม่จากข้อความต้นฉบับที่เก็บไว้ (เร็ว ไม่อ่านไฟล์)")
@click.option("--fresh", is_flag=True, help="เริ่มใหม่ทั้งหมด ไม่ต่อจากครั้งที่ถูกขัดจังหวะ")
def reextract_command(agency_code, repair_only, fresh):
    """Re-run the Thai repair over stored original text, or queue every file evidence for
    extraction again from its stored file; an interrupted run continues where it stopped."""
    agency_id = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code.strip().upper()))
        if agency is None:
            raise click.BadParameter(f"ไม่พบส่วนราชการรหัส {agency_code}", param_hint="--agency")
        agency_id = agency.id
    label = "ซ่อมข้อความใหม่" if repair_only else "ส่งดึงข้อความใหม่"
    with click.progressbar(length=1, label=label) as bar:
        first_call = True

        def progress(done, total):
            nonlocal first_call
            if first_call and done:  # the first call reports what an earlier run finished
                click.echo(f"\nต่อจากครั้งก่อน: ทำไปแล้ว {done} จาก {total} รายการ", err=True)
            first_call = False
            bar.length = max(total, 1)
            bar.update(done - bar.pos)
        outcome = reextract.run(repair_only, agency_id, fresh=fresh, progress=progress)
    if repair_only:
        click.echo(f"ตรวจหลักฐาน {outcome.evidence} รายการ ข้อความเปลี่ยน {outcome.changed} รายการ "
                   "(ดัชนีค้นหาปรับตามโดยอัตโนมัติ)")
    else:
        click.echo(f"ส่งหลักฐาน {outcome.changed} จาก {outcome.evidence} รายการเข้าคิวดึงข้อความใหม่ "
                   "ตัวประมวลผลเบื้องหลังจะดึงข้อความและปรับดัชนีค้นหาให้")


@storage_cli.command("check")
@click.option("--remove-orphans", is_flag=True, help="ลบไฟล์ที่ไม่มีแถวในฐานข้อมูลอ้างถึง")
def check_command(remove_orphans):
    """Report files no row uses (orphans) and rows whose file is missing."""
    store = BlobStore(current_app.config["UPLOAD_DIR"])
    referenced = set(db.session.scalars(select(FileVersion.sha256).distinct()))
    on_disk = set(store.all_hashes())
    orphans, missing = sorted(on_disk - referenced), sorted(referenced - on_disk)
    for sha256 in orphans:
        click.echo(f"ไฟล์กำพร้า: {sha256}")
        if remove_orphans:
            store.delete(sha256)
    for temp in store.stale_temporaries():
        click.echo(f"ไฟล์ชั่วคราวค้าง: {temp.name}")
        if remove_orphans:
            temp.unlink(missing_ok=True)
    for sha256 in missing:
        versions = db.session.scalars(select(FileVersion).where(FileVersion.sha256 == sha256))
        for version in versions:
            click.echo(f"ไฟล์หาย: {sha256} (หลักฐาน #{version.evidence_id} ฉบับที่ {version.number} "
                       f"“{version.original_name}”)", err=True)
    action = "ลบแล้ว" if remove_orphans else "พบ"
    click.echo(f"ไฟล์กำพร้า{action} {len(orphans)} ไฟล์, ไฟล์หาย {len(missing)} ไฟล์")
    if missing:
        sys.exit(2)
