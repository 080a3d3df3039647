"""`flask backup create|verify|restore`: a backup restored into a fresh installation gives
the same rows, files and search results (on the suite's database: SQLite, or PostgreSQL in
the PostgreSQL pass); damaged backups and non-empty targets are refused in Thai."""
import hashlib
import io
import json
import os
import uuid

import pytest
from sqlalchemy import MetaData, func, select

from portal.backup import archive, database
from portal.evidence.pipeline import run_extraction
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.models import Evidence, FileVersion
from portal.search import backend
from tests import thai_documents as make
from tests.conftest import _postgres_database, make_test_app
from tests.helpers import checklist_item, csrf_token, login, make_agency, make_user, stored_text_evidence

QUERIES = ("แผนยุทธศาสตร์", "ความพึงพอใจ", "ดิจิทัล")


@pytest.fixture
def fresh(tmp_path):
    """A second, empty installation on the same kind of database as the suite's."""
    admin_url = os.environ.get("TEST_PG_ADMIN_URL")
    url, drop = _postgres_database(admin_url) if admin_url else (f"sqlite:///{tmp_path / 'fresh.sqlite3'}", None)
    app = make_test_app(url, tmp_path / "fresh")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


@pytest.fixture
def populated(app, tmp_path):
    """Demo data (agencies, accounts, links, comments, reviews, category 7) plus files
    uploaded through the route, extracted, one of them in the trash, and an orphan file."""
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    client = app.test_client()
    assert login(client, "editor", "editor-demo-2569").status_code == 302
    token = csrf_token(client, "/")
    with app.app_context():
        from portal.models import Agency
        agency_id = db.session.scalar(select(Agency.id).where(Agency.code == "DEMO-DEPT"))
        item_id = checklist_item().id
    text = f"รายงานผลการดำเนินงานตามแผนยุทธศาสตร์ {uuid.uuid4()}".encode()
    files = [("แผนยุทธศาสตร์.txt", text), ("สำเนา.txt", text),
             ("สำรวจความพึงพอใจ.docx", make.docx(tmp_path / "survey.docx", ["ผลสำรวจความพึงพอใจของผู้รับบริการ ร้อยละ 87.4"]).read_bytes())]
    response = client.post(f"/agencies/{agency_id}/items/{item_id}/files", content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(body), name) for name, body in files]},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    with app.app_context():
        uploaded = list(db.session.scalars(select(Evidence.id).join(FileVersion)))
        for evidence_id in uploaded:
            run_extraction(evidence_id)
    client.post(f"/evidence/{uploaded[1]}/delete", headers={"HX-Request": "true", "X-CSRFToken": token})
    with app.app_context():
        backend.rebuild(fresh=True)
        orphan = BlobStore(app.config["UPLOAD_DIR"]).save(io.BytesIO(f"กำพร้า {uuid.uuid4()}".encode()))
    return {"orphan": orphan.sha256, "agency_id": agency_id}


@pytest.fixture
def small(app):
    """Enough to back up quickly: an agency, an account, two files (one kept twice), a link."""
    from portal.admin import operations as admin_ops
    from portal.evidence import operations as ops

    with app.app_context():
        agency = make_agency("BK-A")
        user = make_user("bk-editor", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        for title in ("หนึ่ง", "สอง"):
            stored_text_evidence(agency, None, user, title, f"{title} {uuid.uuid4()}")
        ops.add_link(agency, None, "https://www.opdc.go.th/", "สำนักงาน ก.พ.ร.", user)
        db.session.commit()


def fingerprint(app) -> dict[str, tuple[int, str]]:
    """Rows per table and a SHA-256 of every row's values in primary-key order; the search
    engine's own rows are rebuilt by the restore, and compared through hits() instead."""
    with app.app_context(), db.engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        result = {}
        for table in metadata.sorted_tables:
            if database.is_derived(table.name):
                continue
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            result[table.name] = (len(rows), hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest())
        return result


def blobs(app) -> dict[str, bytes]:
    store = BlobStore(app.config["UPLOAD_DIR"])
    return {h: store.path_for(h).read_bytes() for h in store.all_hashes()}


def referenced(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(FileVersion.sha256)))


def hits(app, agency_ids=None) -> dict[str, list[tuple[int, int]]]:
    with app.app_context():
        handle = backend.open_index()
        return {q: [(h.evidence_id, h.page) for h in backend.search(handle, q, agency_ids, per_page=50).hits]
                for q in QUERIES}


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_backup_restored_into_a_fresh_installation_is_the_same(app, populated, fresh, tmp_path):
    destination = tmp_path / "nightly"
    created = cli(app, "backup", "create", str(destination))
    assert created.exit_code == 0, created.output
    assert "สำรองข้อมูลแล้วที่" in created.output and "ไฟล์หลักฐาน 2 ไฟล์" in created.output
    manifest = json.loads((destination / "manifest.json").read_text())
    with app.app_context():
        assert manifest["database"]["dialect"] == db.engine.dialect.name
        assert manifest["tables"]["evidence"] == db.session.scalar(select(func.count(Evidence.id)))
    sums = (destination / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == 4  # database, manifest, two distinct files: the orphan is not backed up
    assert not (destination / "uploads" / populated["orphan"][:2] / populated["orphan"][2:4]).exists()
    verified = cli(app, "backup", "verify", str(destination))
    assert verified.exit_code == 0 and "ชุดสำรองข้อมูลสมบูรณ์" in verified.output

    with fresh.app_context():
        from flask_migrate import upgrade
        upgrade()  # a fresh installation as `make db` leaves it, criteria included
        fresh.test_cli_runner().invoke(args=["criteria", "load"])
    restored = cli(fresh, "backup", "restore", str(destination))
    assert restored.exit_code == 0, restored.output
    assert "กู้คืนแล้ว" in restored.output and "สร้างดัชนีค้นหาจากหลักฐาน" in restored.output

    assert fingerprint(fresh) == fingerprint(app)
    source_files = blobs(app)
    assert blobs(fresh) == {h: source_files[h] for h in referenced(app)}
    source_hits = hits(app)
    assert all(source_hits.values()) and hits(fresh) == source_hits
    assert hits(fresh, {populated["agency_id"]}) == hits(app, {populated["agency_id"]})
    assert cli(fresh, "storage", "check").exit_code == 0


def test_restore_into_an_installation_with_data_is_refused_politely(app, small, tmp_path):
    destination = tmp_path / "backup"
    assert cli(app, "backup", "create", str(destination)).exit_code == 0
    before = fingerprint(app)
    refused = cli(app, "backup", "restore", str(destination))
    assert refused.exit_code == 1
    assert "ระบบปลายทางมีข้อมูลอยู่แล้ว" in refused.output and "agency 1 แถว" in refused.output
    assert fingerprint(app) == before


def _damage(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_damaged_file_in_the_backup_is_refused_and_nothing_restored(app, small, fresh, tmp_path):
    destination = tmp_path / "backup"
    assert cli(app, "backup", "create", str(destination)).exit_code == 0
    blob = next(p for p in (destination / "uploads").rglob("*") if p.is_file())
    _damage(blob)
    verified = cli(app, "backup", "verify", str(destination))
    assert verified.exit_code == 1
    assert f"ไฟล์ในชุดสำรองเสียหาย (ค่า SHA-256 ไม่ตรง): uploads/{blob.name[:2]}/{blob.name[2:4]}/{blob.name}" in verified.output
    restored = cli(fresh, "backup", "restore", str(destination))
    assert restored.exit_code == 1 and "ชุดสำรองข้อมูลไม่สมบูรณ์หรือเสียหาย จึงไม่กู้คืน" in restored.output
    with fresh.app_context():
        assert database.user_rows(db.engine) == {}
    assert blobs(fresh) == {}


def test_a_damaged_database_copy_is_caught_even_with_its_checksum_redone(app, small, tmp_path):
    destination = tmp_path / "backup"
    assert cli(app, "backup", "create", str(destination)).exit_code == 0
    manifest = json.loads((destination / "manifest.json").read_text())
    copy = destination / manifest["database"]["file"]
    copy.write_bytes(copy.read_bytes()[: copy.stat().st_size // 3])  # truncated, as by a full disk
    sums = (destination / "SHA256SUMS").read_text().splitlines()
    (destination / "SHA256SUMS").write_text("".join(
        f"{archive.file_sha256(copy)}  {copy.name}\n" if line.endswith(f"  {copy.name}") else line + "\n"
        for line in sums))
    verified = cli(app, "backup", "verify", str(destination))
    assert verified.exit_code == 1
    assert "ไฟล์ฐานข้อมูลเสียหาย" in verified.output or "อ่านไฟล์ pg_dump ไม่ได้" in verified.output \
        or "เปิดไฟล์ฐานข้อมูลไม่ได้" in verified.output


def test_a_missing_file_or_a_folder_that_is_no_backup_is_refused(app, small, tmp_path):
    destination = tmp_path / "backup"
    assert cli(app, "backup", "create", str(destination)).exit_code == 0
    blob = next(p for p in (destination / "uploads").rglob("*") if p.is_file())
    blob.unlink()
    verified = cli(app, "backup", "verify", str(destination))
    assert verified.exit_code == 1 and "ไฟล์หายไปจากชุดสำรอง" in verified.output
    (tmp_path / "other").mkdir()
    assert "ไม่ใช่ชุดสำรองข้อมูลของพอร์ทัล" in cli(app, "backup", "verify", str(tmp_path / "other")).output
    taken = cli(app, "backup", "create", str(destination))
    assert taken.exit_code == 1 and "มีอยู่แล้วและไม่ว่าง" in taken.output


def test_a_file_lost_before_the_backup_is_reported_and_the_rest_kept(app, small, fresh, tmp_path):
    lost = sorted(referenced(app))[0]
    store = BlobStore(app.config["UPLOAD_DIR"])
    kept = store.path_for(lost).read_bytes()
    store.delete(lost)
    try:
        created = cli(app, "backup", "create", str(tmp_path / "backup"))
    finally:
        store.save(io.BytesIO(kept))
    assert created.exit_code == 2 and f"ไฟล์หาย จึงไม่ได้สำรอง: {lost}" in created.output
    verified = cli(app, "backup", "verify", str(tmp_path / "backup"))
    assert verified.exit_code == 0 and lost in verified.output  # a warning: the backup is still usable


def test_a_backup_from_a_newer_portal_is_refused(app, small, fresh, tmp_path):
    destination = tmp_path / "backup"
    assert cli(app, "backup", "create", str(destination)).exit_code == 0
    manifest_path = destination / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["portal_revision"] = "9999"
    manifest_path.write_text(json.dumps(manifest))
    sums = destination / "SHA256SUMS"
    sums.write_text("".join(f"{archive.file_sha256(manifest_path)}  manifest.json\n" if line.endswith("  manifest.json")
                            else line + "\n" for line in sums.read_text().splitlines()))
    refused = cli(fresh, "backup", "restore", str(destination))
    assert refused.exit_code == 1 and "มาจากพอร์ทัลรุ่นที่ใหม่กว่า" in refused.output


def test_without_a_folder_the_backup_goes_to_backup_dir(app, small, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "backups"))
    assert cli(app, "backup", "create").exit_code == 0
    (made,) = (tmp_path / "backups").iterdir()
    assert made.name.startswith("pmqa-") and (made / "SHA256SUMS").is_file()
    assert cli(app, "backup", "verify", str(made)).exit_code == 0
