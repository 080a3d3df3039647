"""Rate-limit counters in the portal's own database: the `database://` storage for `limits`.

Flask-Limiter keeps its counters wherever RATELIMIT_STORAGE_URI points. Per-process memory
multiplies every limit by the number of web processes (with 4 gunicorn workers, 19 wrong
passwords got through instead of 5), so unless another storage is configured the counters
live in the database every process already shares: one row per limit window, counted with a
single atomic UPSERT that SQLite and PostgreSQL both serialise on the row. `redis://` remains
available for large installations; `memory://` is only right for a single process.

`database://` means "the database of the current Flask app" (its SQLAlchemy engine), so it
is only used inside an app context — which is where Flask-Limiter calls it.
"""
import hashlib
import threading
import time

from flask import Flask
from limits.errors import ConfigurationError
from limits.storage import Storage
from sqlalchemy import case, create_engine, delete, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db, limiter
from portal.models.rate_limit import RateLimitCounter

DEFAULT_URI = "database://"
MAX_KEY_LENGTH = 255
PURGE_EVERY_SECONDS = 60
INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
COUNTERS = RateLimitCounter.__table__


def init_app(app: Flask) -> None:
    """Flask-Limiter with the shared storage unless RATELIMIT_STORAGE_URI names another."""
    app.config["RATELIMIT_STORAGE_URI"] = app.config.get("RATELIMIT_STORAGE_URI") or DEFAULT_URI
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        app.logger.warning("RATELIMIT_STORAGE_URI=memory:// counts per process: "
                           "with several web processes every limit is multiplied")
    limiter.init_app(app)


def _stored_key(key: str) -> str:
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def counting(dialect: str, key: str, expiry: float, amount: int = 1, now: float | None = None):
    """One atomic statement: add `amount` to the key's window (a new window when the old
    one is over) and return the new count."""
    now = time.time() if now is None else now
    insert = INSERTS[dialect](COUNTERS).values(key=_stored_key(key), count=amount, expires_at=now + expiry)
    window_over = COUNTERS.c.expires_at <= now
    return insert.on_conflict_do_update(
        index_elements=[COUNTERS.c.key],
        set_={
            "count": case((window_over, insert.excluded.count),
                          else_=COUNTERS.c.count + insert.excluded.count),
            "expires_at": case((window_over, insert.excluded.expires_at), else_=COUNTERS.c.expires_at),
        },
    ).returning(COUNTERS.c.count)


class DatabaseStorage(Storage):
    """Fixed-window counters (Flask-Limiter's default strategy) in `rate_limit_counter`."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._engines: dict[URL, Engine] = {}
        self._lock = threading.Lock()
        self._next_purge = 0.0

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def _engine(self) -> Engine:
        """An engine of our own, not the app's: a counter commits at once, whatever the
        request's transaction is doing, and never takes part in it."""
        # The app engine's URL, not the config string: Flask-SQLAlchemy resolves a relative
        # SQLite path against the instance folder.
        url = db.engine.url
        with self._lock:
            engine = self._engines.get(url)
            if engine is None:
                engine = create_engine(url, pool_size=2, max_overflow=4)
                if engine.dialect.name not in INSERTS:
                    raise ConfigurationError(
                        f"database:// rate limits support SQLite and PostgreSQL, not {engine.dialect.name}")
                if engine.dialect.name == "sqlite":
                    event.listen(engine, "connect", _sqlite_pragmas)
                self._engines[url] = engine
            return engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        engine = self._engine()
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                # A counter is not worth a disk flush per hit: a crash forgets the last few.
                connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
            count = connection.execute(counting(engine.dialect.name, key, expiry, amount, now)).scalar_one()
            if now >= self._next_purge:
                self._next_purge = now + PURGE_EVERY_SECONDS
                connection.execute(delete(COUNTERS).where(COUNTERS.c.expires_at <= now))
        return count

    def _live_row(self, key: str):
        with self._engine().connect() as connection:
            return connection.execute(
                select(COUNTERS.c.count, COUNTERS.c.expires_at)
                .where(COUNTERS.c.key == _stored_key(key), COUNTERS.c.expires_at > time.time())
            ).first()

    def get(self, key: str) -> int:
        row = self._live_row(key)
        return row.count if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._live_row(key)
        return row.expires_at if row else time.time()

    def clear(self, key: str) -> None:
        with self._engine().begin() as connection:
            connection.execute(delete(COUNTERS).where(COUNTERS.c.key == _stored_key(key)))

    def reset(self) -> int | None:
        with self._engine().begin() as connection:
            return connection.execute(delete(COUNTERS)).rowcount

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Wait for another process's write instead of failing at once (a counter write is tiny),
    # and no flush per commit, as for the app's own connections (WAL keeps it consistent).
    dbapi_connection.execute("PRAGMA busy_timeout=15000")
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")
