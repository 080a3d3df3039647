"""SQLite's one write lock never reaches a user as "database is locked" (portal/database.py):
reads answer while another connection holds the lock, a write that meets it waits and
retries and at worst answers 503 in Thai with nothing stored, and a change that was
committed is neither done twice nor reported as failed."""
import io
import os
import sqlite3
import threading
import time
from contextlib import contextmanager

import psycopg.errors
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from portal import database
from portal.database import BUSY_MESSAGE, SAVED_MESSAGE, DatabaseBusy, is_contention, reading, write
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.models import Evidence
from tests.installation import dispose, editor_client, own_installation

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_PG_ADMIN_URL")),
                                reason="SQLite's write lock: checked in the SQLite pass")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    installation = own_installation(tmp_path_factory.mktemp("locks"), SQLITE_BUSY_TIMEOUT_MS=300)
    installation.editor = editor_client(installation.app)
    yield installation
    dispose(installation)


@contextmanager
def write_lock_held(path):
    """Another process's writer: SQLite's write lock is taken until the block ends."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=0)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def hold_write_lock_for(path, seconds: float) -> threading.Thread:
    taken = threading.Event()

    def hold():
        with write_lock_held(path):
            taken.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(5)
    return thread


def add_link(world, title: str, htmx: bool = True):
    headers = {"X-CSRFToken": world.editor.token, "Referer": f"http://localhost/agencies/{world.agency_id}"}
    if htmx:
        headers["HX-Request"] = "true"
    return world.editor.post(f"/agencies/{world.agency_id}/items/{world.item_id}/links",
                             data={"url": "https://example.go.th/report", "title": title}, headers=headers)


def links_titled(world, title: str) -> int:
    with world.app.app_context():
        count = db.session.scalar(select(func.count(Evidence.id)).where(Evidence.title == title))
        db.session.remove()
        return count


def test_reads_answer_while_another_connection_holds_the_write_lock(world):
    with write_lock_held(world.database_path):
        assert world.editor.get("/healthz").status_code == 200
        assert world.editor.get(f"/agencies/{world.agency_id}").status_code == 200
        assert world.editor.get(f"/agencies/{world.agency_id}/criteria/1/1.1").status_code == 200


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_a_write_that_meets_a_held_lock_answers_503_in_thai_and_stores_nothing(world, htmx):
    title = f"ลิงก์ระหว่างล็อก {htmx}"
    with write_lock_held(world.database_path):
        response = add_link(world, title, htmx)
    assert response.status_code == 503
    assert BUSY_MESSAGE in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "2"
    assert links_titled(world, title) == 0
    assert add_link(world, title, htmx).status_code in (200, 302)
    assert links_titled(world, title) == 1


def test_a_write_waits_and_retries_until_the_lock_is_released(world):
    holder = hold_write_lock_for(world.database_path, 0.5)
    response = add_link(world, "ลิงก์หลังรอ")
    holder.join()
    assert response.status_code == 200
    assert links_titled(world, "ลิงก์หลังรอ") == 1


def test_an_upload_that_meets_a_held_lock_leaves_no_file_behind(world):
    store = BlobStore(world.app.config["UPLOAD_DIR"])
    before = set(store.all_hashes())
    with write_lock_held(world.database_path):
        response = world.editor.post(
            f"/agencies/{world.agency_id}/items/{world.item_id}/files",
            data={"files": [(io.BytesIO("ไฟล์ระหว่างล็อก".encode()), "ล็อก.txt")]},
            headers={"HX-Request": "true", "X-CSRFToken": world.editor.token}, content_type="multipart/form-data")
    assert response.status_code == 503
    assert set(store.all_hashes()) == before  # stored before the transaction, removed again
    assert store.stale_temporaries() == []


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_a_committed_change_whose_answer_fails_is_reported_saved_and_never_repeated(world, monkeypatch, htmx):
    """Contention after the commit (rendering the answer) must not re-run the view (a
    second link) nor tell the user it failed (they would add it again)."""
    def busy_after_commit(*_args, **_kwargs):
        raise OperationalError("SELECT …", {}, sqlite3.OperationalError("database is locked"))

    # The answer after the commit: the item's panel (htmx) or the flashed message (plain form).
    monkeypatch.setattr("portal.evidence.views.panel", busy_after_commit)
    monkeypatch.setattr("portal.actions.flash", busy_after_commit)
    title = f"ลิงก์ที่บันทึกแล้ว {htmx}"
    response = add_link(world, title, htmx)
    monkeypatch.undo()
    assert links_titled(world, title) == 1
    if htmx:
        assert response.status_code == 200 and response.headers["HX-Refresh"] == "true"
    else:
        assert response.status_code == 303 and response.headers["Location"] == f"/agencies/{world.agency_id}"
    assert SAVED_MESSAGE in world.editor.get(f"/agencies/{world.agency_id}").get_data(as_text=True)


def test_worker_writes_retry_and_end_busy_after_the_last_attempt(world):
    with world.app.app_context():
        holder = hold_write_lock_for(world.database_path, 0.4)
        assert write(lambda: db.session.execute(text("SELECT 1")).scalar()) == 1
        holder.join()
        runs = []
        with write_lock_held(world.database_path):
            with pytest.raises(DatabaseBusy):
                write(lambda: runs.append(db.session.execute(text("SELECT 1"))), attempts=2)
        assert runs == []  # BEGIN IMMEDIATE waited for the lock: the work never ran half-way
        db.session.remove()


def test_only_reading_transactions_begin_deferred_outside_requests(world):
    with world.app.app_context(), write_lock_held(world.database_path):
        with reading():
            assert db.session.execute(text("SELECT count(*) FROM evidence")).scalar() >= 0
        database.end_transaction()
        with pytest.raises(OperationalError) as raised:  # the worker's default: ready to write
            db.session.execute(text("SELECT 1"))
        assert is_contention(raised.value)
        db.session.rollback()
        db.session.remove()


def test_contention_is_told_apart_from_other_database_errors(tmp_path):
    """A deferred transaction that read, then writes after another commit, is refused at
    once (SQLITE_BUSY_SNAPSHOT): contention, retried like a held lock."""
    path = tmp_path / "snapshot.sqlite3"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (x INTEGER)")
    reader, writer = sqlite3.connect(path, isolation_level=None), sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    writer.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError) as raised:
        reader.execute("INSERT INTO t VALUES (2)")
    assert raised.value.sqlite_errorcode == 517  # SQLITE_BUSY_SNAPSHOT
    assert is_contention(OperationalError("INSERT", {}, raised.value))
    for connection in (reader, writer, setup):
        connection.close()
    assert is_contention(OperationalError("UPDATE", {}, psycopg.errors.SerializationFailure("could not serialize")))
    assert is_contention(OperationalError("UPDATE", {}, psycopg.errors.DeadlockDetected("deadlock detected")))
    assert is_contention(OperationalError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate key")))  # a race
    assert not is_contention(OperationalError("INSERT", {}, psycopg.errors.NotNullViolation("null value")))
    assert not is_contention(OperationalError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")))
    assert not is_contention(OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x")))
