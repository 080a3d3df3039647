"""Disk space. A full disk met anywhere (uploads, the temporary folder where Werkzeug
buffers uploads, the search index, the database) answers HTTP 507 in Thai, on htmx and
plain requests alike, after the write that met it was undone; /healthz warns before it
happens (DISK_LOW_MB)."""
import errno
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import make_url
from werkzeug.exceptions import HTTPException

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
SQLITE_FULL = 13
POSTGRES_DISK_FULL = "53100"
DISK_FULL_MESSAGE = ("พื้นที่จัดเก็บของเซิร์ฟเวอร์เต็ม ระบบยังไม่ได้บันทึกรายการนี้ "
                     "กรุณาแจ้งผู้ดูแลระบบ แล้วลองใหม่ภายหลัง")
MIB = 1024 * 1024


class InsufficientStorage(HTTPException):
    """HTTP 507, which Werkzeug has no class for (so abort(507) raised LookupError: 500)."""

    code = 507
    description = DISK_FULL_MESSAGE


def is_disk_full(error: BaseException | None) -> bool:
    """ENOSPC/EDQUOT, SQLite's SQLITE_FULL or PostgreSQL's disk_full, also when wrapped."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in FULL_ERRNOS:
            return True
        original = getattr(error, "orig", None)
        if isinstance(original, sqlite3.Error) and (getattr(original, "sqlite_errorcode", 0) or 0) & 0xFF == SQLITE_FULL:
            return True
        if getattr(original, "sqlstate", None) == POSTGRES_DISK_FULL:
            return True
        error = error.__cause__ or error.__context__
    return False


@dataclass(frozen=True)
class Space:
    folder: str
    free_mb: int


def _existing(path: Path) -> Path:
    """The folder itself or, before it is first created, the nearest parent that exists."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def watched_folders() -> dict[str, Path]:
    config = current_app.config
    folders = {"uploads": Path(config["UPLOAD_DIR"]), "search_index": Path(config["SEARCH_INDEX_DIR"]),
               "temp": Path(tempfile.gettempdir())}
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        folders["database"] = Path(url.database).parent
    return folders


def free_space() -> dict[str, Space]:
    return {name: Space(str(folder), shutil.disk_usage(_existing(folder)).free // MIB)
            for name, folder in watched_folders().items()}
