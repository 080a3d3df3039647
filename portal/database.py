"""Transactions that never tell a user "database is locked".

SQLite has one write lock for the whole file; in WAL mode readers run beside the one
writer, so only transactions that write need to queue for it. The rules:

1. A transaction begins DEFERRED (no lock: it reads a snapshot) when the work is known
   to read: a request with a safe method (GET, HEAD, OPTIONS), a request before its view
   runs (the sign-in check; its transaction is ended when the view starts) and after it
   has committed its change (rendering the answer), and code inside `reading()`
   (the worker's and the command line's long reads: loading index documents, rebuilds,
   the index sweep). Every other transaction begins IMMEDIATE: it takes the write lock
   before its first read, so it waits its turn (busy timeout) instead of failing half-way.

   Why not always deferred, taking the lock at the first write? A deferred transaction
   that has read and then writes after another connection committed gets
   SQLITE_BUSY_SNAPSHOT at once (its snapshot is stale; waiting cannot help), so every
   write would have to be ready to start over; and re-beginning the transaction at the
   first flush would keep objects read in the old snapshot: lost updates.
2. A deferred transaction that does write (a GET that marks a thread read) is still
   correct: SQLite refuses the write with SQLITE_BUSY(_SNAPSHOT) if another write
   committed since it began, and that is contention like any other (3).
3. Contention (SQLite BUSY/LOCKED after the busy timeout; PostgreSQL serialization
   failure 40001, deadlock 40P01, lock timeout 55P03, and unique violation 23505: under
   READ COMMITTED two requests may both find no row and insert it, and the retry finds
   the winner's; SQLite's IMMEDIATE writers cannot race so; and an UPDATE that found its row
   at another version than it read, StaleDataError: portal/versions.py) is retried: a request re-runs its
   view after a rollback, uploaded files rewound, a few times with backoff, then answers
   503 in Thai. A request that has committed a change is never re-run (that would do it
   twice) and never answers "failed": whatever goes wrong after its commit answers that
   the change was saved and reloads the page. Worker and command-line writes go through
   `write(work)`, which retries `work` the same way.
4. No transaction stays open across slow work (storing files, extraction, OCR, writing
   the index, building a workbook): `end_transaction()` before it. An open writer would
   hold the lock; an open reader stops SQLite's WAL checkpoints and holds a PostgreSQL
   snapshot.
5. PostgreSQL: none of the SQLite settings apply. Its READ COMMITTED transactions lock
   only the rows they write, and its contention errors take the same retries.
"""
import logging
import random
import sqlite3
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, has_request_context, redirect, request, url_for
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from portal.extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_MESSAGE = "ระบบกำลังมีผู้ใช้งานจำนวนมาก กรุณาลองใหม่อีกครั้ง"
SAVED_MESSAGE = "บันทึกรายการแล้ว แต่ระบบแสดงผลล่าสุดไม่ได้ในขณะนั้น จึงโหลดหน้านี้ใหม่ให้"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
POSTGRES_CONTENTION = frozenset({"40001", "40P01", "55P03", "23505"})
UNIT_KEY = "portal.transactions"

_explicit: ContextVar[str | None] = ContextVar("transaction_mode", default=None)  # "read" | "write"


class DatabaseBusy(ServiceUnavailable):
    """Contention outlasted the retries (HTTP 503 in Thai)."""

    description = BUSY_MESSAGE


@dataclass
class _RequestUnit:
    safe: bool  # GET/HEAD/OPTIONS
    in_view: bool = False  # before it: the sign-in check and other hooks, which only read
    wrote: bool = False  # the open transaction has written
    committed: bool = False  # a transaction of this request committed a change


def _request_unit() -> _RequestUnit | None:
    if not has_request_context():
        return None
    unit = request.environ.get(UNIT_KEY)
    if unit is None:
        unit = request.environ[UNIT_KEY] = _RequestUnit(safe=request.method in SAFE_METHODS)
    return unit


def _begins_writing() -> bool:
    explicit = _explicit.get()
    if explicit:
        return explicit == "write"
    unit = _request_unit()
    if unit is not None:
        return unit.in_view and not (unit.safe or unit.committed)
    return True  # worker, command line, shell: safe to write unless inside reading()


def is_contention(error: BaseException) -> bool:
    if isinstance(error, StaleDataError):
        # An UPDATE found the row at another version than it read (portal/versions.py):
        # a concurrent writer, like the rest; read again and redo.
        return True
    original = getattr(error, "orig", error)
    if isinstance(original, sqlite3.OperationalError):
        code = getattr(original, "sqlite_errorcode", None)
        if code is None:
            return "locked" in str(original)
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return getattr(original, "sqlstate", None) in POSTGRES_CONTENTION


def _pause(attempt: int) -> None:
    time.sleep(min(0.05 * 2 ** attempt, 1.0) * random.uniform(0.5, 1.5))


@contextmanager
def reading():
    """Transactions begun inside only read: DEFERRED on SQLite, so they never wait for or
    hold the write lock. A write inside still works or fails as contention (rule 2)."""
    token = _explicit.set("read")
    try:
        yield
    finally:
        _explicit.reset(token)


def end_transaction(keep_loaded: bool = False) -> None:
    """End the open read transaction before slow work. Objects are expired (re-read on
    use, so later writes never act on a stale snapshot) unless `keep_loaded`, for
    read-only work such as building a workbook from what was loaded."""
    session = db.session()
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        raise RuntimeError("end_transaction() with unsaved changes: commit them first")
    if not keep_loaded:
        session.rollback()
        return
    previous, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous


def write(work: Callable[[], T], attempts: int | None = None) -> T:
    """Run `work` in its own short write transaction and commit it; on contention roll
    back and run `work` again (it must load what it changes), DatabaseBusy at the end."""
    attempts = attempts or current_app.config["DB_RETRY_ATTEMPTS"]
    end_transaction()
    for attempt in range(1, attempts + 1):
        token = _explicit.set("write")
        try:
            result = work()
            db.session.commit()
            return result
        except Exception as error:
            db.session.rollback()
            if not is_contention(error):
                raise
            if attempt == attempts:
                raise DatabaseBusy() from error
            log.info("database busy, attempt %s of %s", attempt, attempts)
        finally:
            _explicit.reset(token)
        _pause(attempt)
    raise AssertionError("unreachable")


def _tune_sqlite(engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # BEGIN is ours (on_begin)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")  # first: the others may wait
        cursor.execute("PRAGMA journal_mode=WAL")  # readers beside the one writer
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _begins_writing() else "BEGIN")


def _track_writes(engine) -> None:
    """Which request transactions wrote, so a committed change is known (rule 3)."""

    @event.listens_for(engine, "after_cursor_execute")
    def after_execute(_conn, _cursor, _statement, _parameters, context, _executemany):
        unit = _request_unit()
        if unit is not None and context is not None and (context.isinsert or context.isupdate or context.isdelete):
            unit.wrote = True


@event.listens_for(Session, "after_commit")
def _after_commit(_session):
    unit = _request_unit()
    if unit is not None and unit.wrote:
        unit.committed = unit.committed or unit.in_view  # a hook's write before the view is not the change
        unit.wrote = False


@event.listens_for(Session, "after_rollback")
def _after_rollback(_session):
    unit = _request_unit()
    if unit is not None:
        unit.wrote = False


def _rewind_uploads() -> None:
    for _name, upload in request.files.items(multi=True):
        try:
            upload.stream.seek(0)
        except (OSError, ValueError):
            pass


def _saved_anyway(error: Exception):
    """The change is committed but the answer failed: say it was saved, reload the page."""
    log.error("request %s %s failed after its change was committed", request.method, request.path, exc_info=error)
    db.session.rollback()
    flash(SAVED_MESSAGE, "success")
    if request.headers.get("HX-Request") == "true":
        return "", 200, {"HX-Refresh": "true"}
    referrer = urlsplit(request.referrer or "")
    same_site = referrer.netloc == request.host and referrer.path.startswith("/")
    target = referrer.path + (f"?{referrer.query}" if referrer.query else "") if same_site else url_for("main.home")
    return redirect(target, 303)


def _retrying(dispatch: Callable, attempts: int) -> Callable:
    def dispatch_request():
        unit = _request_unit()
        if not unit.safe:
            end_transaction(keep_loaded=True)  # the hooks' reads: the view begins afresh, IMMEDIATE
        unit.in_view = True
        for attempt in range(1, attempts + 1):
            try:
                return dispatch()
            except HTTPException:
                raise
            except Exception as error:
                if unit.committed and not unit.safe:
                    return _saved_anyway(error)
                if not is_contention(error) or attempt == attempts:
                    raise  # the error handlers answer 503 (contention), 507 (disk full) or 500
                log.info("database busy on %s %s, attempt %s of %s", request.method, request.path, attempt, attempts)
                db.session.rollback()
                _rewind_uploads()
            _pause(attempt)
        raise AssertionError("unreachable")

    return dispatch_request


def register(app: Flask) -> None:
    """SQLite settings and BEGIN, and request retries (portal/main/errors.py answers the
    contention that outlasts them with 503)."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        _track_writes(engine)
    # Flask's full_dispatch_request calls self.dispatch_request: the view runs inside the retries.
    app.dispatch_request = _retrying(app.dispatch_request, app.config["DB_RETRY_ATTEMPTS"])
