"""The database half of a backup, per dialect: a consistent copy, what it holds (rows per
table, the files it names, its migration revision), and putting it back."""
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from portal.backup import BackupError
from portal.models.search import PARTITION

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
# Filled by migrations and `criteria load`, never by users: a fresh installation may hold
# these rows and still count as empty.
REFERENCE_TABLES = {"alembic_version", "category", "sub_item", "question", "checklist_item",
                    "result_dimension", "metric_group"}
# The PostgreSQL search engine's rows: derived from the stored text, as large as the text
# itself, and rebuilt by the restore (as Whoosh's folder, which is not backed up either).
DERIVED_TABLES = {"search_page"}


def is_derived(name: str) -> bool:
    """A derived table, or one of its PostgreSQL partitions (which hold its rows)."""
    return name in DERIVED_TABLES or bool(PARTITION.fullmatch(name))


@dataclass
class Snapshot:
    file: str  # the database file's name inside the backup
    tool: str  # what made it, with its version
    revision: str | None  # Alembic revision of the copied database
    tables: dict[str, int]  # rows per table
    blobs: set[str]  # SHA-256 of every file a file version names


def describe(connection: Connection) -> tuple[str | None, dict[str, int], set[str]]:
    names = sorted(name for name in inspect(connection).get_table_names() if not is_derived(name))
    tables = {name: connection.scalar(select(func.count()).select_from(table(name))) for name in names}
    revision = connection.scalar(text("SELECT version_num FROM alembic_version")) if "alembic_version" in names else None
    blobs = set(connection.scalars(text("SELECT DISTINCT sha256 FROM file_version"))) if "file_version" in names else set()
    return revision, tables, blobs


def describe_engine(engine: Engine):
    with engine.connect() as connection:
        return describe(connection)


def user_rows(engine: Engine) -> dict[str, int]:
    """Rows in the tables people fill; an installation without any is empty."""
    _, tables, _ = describe_engine(engine)
    return {name: rows for name, rows in tables.items() if rows and name not in REFERENCE_TABLES}


def dump(engine: Engine, folder: Path) -> Snapshot:
    if engine.dialect.name == "sqlite":
        return _dump_sqlite(engine, folder / SQLITE_FILE)
    if engine.dialect.name == "postgresql":
        return _dump_postgres(engine, folder / POSTGRES_FILE)
    raise BackupError(f"ยังสำรองฐานข้อมูลชนิด {engine.dialect.name} ไม่ได้ (รองรับ SQLite และ PostgreSQL)")


def restore(engine: Engine, folder: Path, manifest: dict) -> None:
    """Replace the (empty) target database with the backup's copy."""
    dialect = manifest["database"]["dialect"]
    if dialect != engine.dialect.name:
        raise BackupError(f"ชุดสำรองนี้เป็นฐานข้อมูล {dialect} แต่ระบบปลายทางใช้ {engine.dialect.name} "
                          "กู้คืนได้เฉพาะฐานข้อมูลชนิดเดียวกัน")
    if dialect == "sqlite":
        _restore_sqlite(engine, folder / SQLITE_FILE)
    else:
        _restore_postgres(engine, folder / POSTGRES_FILE)
    engine.dispose()  # pooled connections knew the old schema


def check_copy(folder: Path, manifest: dict) -> tuple[list[str], set[str] | None]:
    """Problems of the database file itself (its checksum is checked elsewhere), and the
    files it names when that can be read without restoring it (SQLite)."""
    if manifest["database"]["dialect"] == "sqlite":
        return _check_sqlite(folder / SQLITE_FILE, manifest)
    # Reading the whole archive as a script (thrown away) inflates every data block.
    read = subprocess.run([_postgres_tool("pg_restore", None), "--file=/dev/null", str(folder / POSTGRES_FILE)],
                          capture_output=True, text=True)
    return ([] if read.returncode == 0 else [f"อ่านไฟล์ pg_dump ไม่ได้: {read.stderr.strip()[-500:]}"]), None


# SQLite: the online backup API copies a consistent snapshot while the portal keeps writing.

def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("ฐานข้อมูล SQLite ในหน่วยความจำสำรองหรือกู้คืนไม่ได้")
    return Path(database)


def _dump_sqlite(engine: Engine, target: Path) -> Snapshot:
    source, copy = sqlite3.connect(_sqlite_path(engine)), sqlite3.connect(target)
    try:
        source.execute("PRAGMA busy_timeout=15000")
        source.backup(copy)  # in one step, so the copy is one moment of the database
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        source.close()
        copy.close()
    revision, tables, blobs = _describe_file(target)
    return Snapshot(target.name, f"sqlite {sqlite3.sqlite_version}", revision, tables, blobs)


def _describe_file(path: Path):
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            return describe(connection)
    finally:
        engine.dispose()


def _check_sqlite(path: Path, manifest: dict) -> tuple[list[str], set[str] | None]:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            connection.close()
        if result != "ok":
            return [f"ไฟล์ฐานข้อมูลเสียหาย: {result}"], None
        _, tables, blobs = _describe_file(path)
    except (sqlite3.DatabaseError, DBAPIError) as error:
        return [f"เปิดไฟล์ฐานข้อมูลไม่ได้: {error}"], None
    if tables != manifest["tables"]:
        return ["จำนวนแถวในไฟล์ฐานข้อมูลไม่ตรงกับ manifest.json"], blobs
    return [], blobs


def _restore_sqlite(engine: Engine, source_file: Path) -> None:
    engine.dispose()
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    target = sqlite3.connect(_sqlite_path(engine))
    try:
        target.execute("PRAGMA busy_timeout=15000")
        source.backup(target)  # replaces the whole target in one transaction
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        source.close()
        target.close()


# PostgreSQL: pg_dump/pg_restore of the server's major version (or newer).

def _dump_postgres(engine: Engine, target: Path) -> Snapshot:
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with connection.begin():
            # pg_dump joins this transaction's snapshot, so the dump and the file list below
            # are the same moment of the database.
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            tool = _postgres_tool("pg_dump", _server_major(connection))
            _run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  *(f"--exclude-table-data={name}" for name in sorted(inspect(connection).get_table_names())
                    if is_derived(name)),
                  f"--file={target}", f"--dbname={_conninfo(engine)}"], engine)
            revision, tables, blobs = describe(connection)
    return Snapshot(target.name, _version_text(tool), revision, tables, blobs)


def _restore_postgres(engine: Engine, dump_file: Path) -> None:
    with engine.begin() as connection:
        major = _server_major(connection)
        # Only tables without user rows are here (checked before): the schema of an empty
        # installation, which the dump brings back in its own revision.
        for name in inspect(connection).get_table_names():
            connection.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    engine.dispose()
    _run([_postgres_tool("pg_restore", major), "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={_conninfo(engine)}", str(dump_file)], engine)


def _server_major(connection: Connection) -> int:
    return int(connection.scalar(text("SHOW server_version_num"))) // 10000


def _postgres_tool(name: str, server_major: int | None) -> str:
    """Debian keeps each major version's client in /usr/lib/postgresql/<major>/bin."""
    candidates = [f"/usr/lib/postgresql/{server_major}/bin/{name}"] if server_major else []
    candidates.append(shutil.which(name) or "")
    tool = next((c for c in candidates if c and os.access(c, os.X_OK)), None)
    if tool is None:
        raise BackupError(f"ไม่พบโปรแกรม {name}: ติดตั้งแพ็กเกจ postgresql-client"
                          + (f"-{server_major}" if server_major else ""))
    major = int(re.search(r"\(PostgreSQL\)\s*(\d+)", _version_text(tool)).group(1))
    if server_major and major < server_major:
        raise BackupError(f"{name} รุ่น {major} เก่ากว่าเซิร์ฟเวอร์ PostgreSQL {server_major}: "
                          f"ติดตั้งแพ็กเกจ postgresql-client-{server_major}")
    return tool


def _version_text(tool: str) -> str:
    return subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.strip()


def _conninfo(engine: Engine) -> str:
    """A libpq URI without the password, which goes in PGPASSWORD (not visible in `ps`)."""
    return engine.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(arguments: list[str], engine: Engine) -> None:
    env = dict(os.environ)
    if engine.url.password:
        env["PGPASSWORD"] = str(engine.url.password)
    done = subprocess.run(arguments, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(arguments[0]).name} ไม่สำเร็จ: {done.stderr.strip()[-2000:]}")
