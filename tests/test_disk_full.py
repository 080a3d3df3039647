"""A full disk anywhere answers 507 in Thai, htmx or plain form, with nothing half-stored;
an index job on a full disk is tried again until space is back; /healthz warns before it
happens. The disks are real: a tmpfs mounted for the test and filled to the last byte."""
import io
import sqlite3
import tempfile
from contextlib import closing
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update
from werkzeug.test import EnvironBuilder

from portal import queue, tasks
from portal.admin import operations as admin_ops
from portal.disk import DISK_FULL_MESSAGE
from portal.evidence import operations as ops
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.models import Agency, Evidence, OutboxEffect
from portal.models.user import utcnow
from portal.search import backend
from tests.helpers import checklist_item, make_agency, make_user, signed_in
from tests.installation import dispose, editor_client, own_installation
from tests.small_disk import small_disk  # noqa: F401  (fixture)


@pytest.fixture
def world(app):
    with app.app_context():
        agency = make_agency("DISK-A")
        make_user("disk-editor", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item_id = checklist_item().id
        agency_id = agency.id
    return {"agency": agency_id, "item": item_id, "client": signed_in(app, "disk-editor")}


def upload_request(world, content: bytes, htmx: bool) -> EnvironBuilder:
    headers = {"X-CSRFToken": world["client"].token}
    if htmx:
        headers["HX-Request"] = "true"
    return EnvironBuilder(path=f"/agencies/{world['agency']}/items/{world['item']}/files", method="POST",
                          data={"files": [(io.BytesIO(content), "รายงาน.txt")]}, headers=headers)


def evidence_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Evidence.id)))


def assert_507_in_thai(response, htmx: bool, message: str = "พื้นที่จัดเก็บ") -> None:
    assert response.status_code == 507
    body = response.get_data(as_text=True)
    assert message in body
    assert ("<html" in body.lower()) is not htmx  # the full error page, or the message fragment


@pytest.mark.parametrize("htmx", [False, True], ids=["plain-form", "htmx"])
def test_an_upload_to_a_full_disk_answers_507_and_stores_nothing(app, world, small_disk, monkeypatch, htmx):
    uploads = small_disk.folder("uploads")
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(uploads))
    before = evidence_count(app)
    small_disk.fill()
    response = world["client"].open(upload_request(world, "ข้อความรายงาน".encode() * 2000, htmx))
    assert_507_in_thai(response, htmx)
    assert evidence_count(app) == before
    store = BlobStore(uploads)
    assert list(store.all_hashes()) == [] and store.stale_temporaries() == []
    small_disk.free()
    assert world["client"].open(upload_request(world, "ข้อความรายงาน".encode() * 2000, htmx)).status_code in (200, 302)
    assert evidence_count(app) == before + 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain-form", "htmx"])
def test_a_full_temporary_folder_answers_507(app, world, small_disk, monkeypatch, htmx):
    """Werkzeug buffers a multipart body over 500 KB in TMPDIR, while the CSRF check
    parses the form, before any portal code runs."""
    store = BlobStore(app.config["UPLOAD_DIR"])
    before, blobs = evidence_count(app), set(store.all_hashes())
    environ = upload_request(world, b"x" * 700_000, htmx).get_environ()  # the test client's own copy: normal /tmp
    monkeypatch.setattr(tempfile, "tempdir", str(small_disk.root))
    small_disk.fill()
    response = world["client"].open(environ)
    assert_507_in_thai(response, htmx, DISK_FULL_MESSAGE)
    assert evidence_count(app) == before and set(store.all_hashes()) == blobs


@pytest.fixture
def installation_on_small_disk(small_disk):
    """Database, uploads and index all on the small disk."""
    installation = own_installation(small_disk.root)
    installation.editor = editor_client(installation.app)
    yield installation
    dispose(installation)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain-form", "htmx"])
def test_a_full_database_disk_answers_507_and_stores_nothing(installation_on_small_disk, small_disk, htmx):
    app, editor = installation_on_small_disk.app, installation_on_small_disk.editor
    with closing(sqlite3.connect(installation_on_small_disk.database_path)) as connection:
        assert connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # the next write grows the WAL
    before = evidence_count(app)
    small_disk.fill()
    headers = {"X-CSRFToken": editor.token, **({"HX-Request": "true"} if htmx else {})}
    response = editor.post(f"/agencies/{installation_on_small_disk.agency_id}/items/"
                           f"{installation_on_small_disk.item_id}/links",
                           data={"url": "https://example.go.th/a", "title": "ลิงก์ตอนดิสก์เต็ม"}, headers=headers)
    assert_507_in_thai(response, htmx, DISK_FULL_MESSAGE)
    small_disk.free()
    assert evidence_count(app) == before


@pytest.mark.parametrize("search_backend", ["whoosh"])  # the index on disk
def test_an_index_job_that_met_a_full_disk_is_tried_again_until_space_is_back(app, world, small_disk, monkeypatch,
                                                                             search_backend):
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(small_disk.folder("index")))
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", search_backend)
    with app.app_context():
        backend.rebuild()
        evidence = ops.add_link(db.session.get(Agency, world["agency"]), None, "https://example.go.th/plan",
                                "แผนปฏิบัติราชการดิสก์เต็ม", None)
        db.session.commit()  # its index row is handed to the queue (nobody consumes it here)
        evidence_id = evidence.id
        (row_id,) = db.session.scalars(select(OutboxEffect.id).where(OutboxEffect.kind == "index"))
        db.session.rollback()
        small_disk.fill()
        for attempt in (1, 2):  # the worker's job, and the sweep's next try after the backoff
            tasks.index_evidence_task.call_local([evidence_id], [row_id])
            row = db.session.get(OutboxEffect, row_id)
            assert row is not None and row.sent_at is None and "index" in row.last_error  # not lost
            db.session.execute(update(OutboxEffect).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
        small_disk.free()
        assert backend.search_or_unavailable("ดิสก์เต็ม", None).total == 0
        queue.huey.immediate = True
        try:
            assert tasks.sweep(check=False) == 1  # the worker's sweep: the row is due again
        finally:
            queue.huey.immediate = False
        assert [h.evidence_id for h in backend.search_or_unavailable("ดิสก์เต็ม", None).hits] == [evidence_id]
        assert db.session.get(OutboxEffect, row_id) is None and backend.stale_evidence_ids() == []


@pytest.mark.usefixtures("whoosh_engine")  # PostgreSQL writes its rows in the change's own transaction
def test_an_index_update_no_row_asks_for_is_found_by_comparing_with_the_database(app, world):
    """The backstop: an index that misses a change (restored from an older copy, a row
    removed by hand) is compared with the database and the difference recorded."""
    with app.app_context():
        backend.rebuild()
        evidence = ops.add_link(db.session.get(Agency, world["agency"]), None, "https://example.go.th/plan",
                                "แผนที่ดัชนีไม่รู้จัก", None)
        db.session.commit()
        evidence_id = evidence.id
        db.session.execute(delete(OutboxEffect))
        db.session.commit()
        assert backend.stale_evidence_ids() == [evidence_id]
        queue.huey.immediate = True
        try:
            assert tasks.requeue_unindexed(settle_seconds=0) == [evidence_id]
        finally:
            queue.huey.immediate = False
        assert [h.evidence_id for h in backend.search_or_unavailable("ดัชนีไม่รู้จัก", None).hits] == [evidence_id]
        assert backend.stale_evidence_ids() == [] and tasks.requeue_unindexed(settle_seconds=0) == []


def test_health_reports_low_disk_space_before_it_runs_out(app, client, small_disk, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(small_disk.folder("uploads")))
    monkeypatch.setitem(app.config, "DISK_LOW_MB", 100)
    response = client.get("/healthz")
    assert response.status_code == 200  # still serving: see portal/main/views.py
    health = response.get_json()
    assert health["status"] == "low_disk" and health["disk_low"] == ["uploads"]
    assert health["disk_free_mb"]["uploads"] <= 24 and health["disk_low_mb"] == 100
