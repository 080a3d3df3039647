"""Rendered documents of content that never changes (a submission's snapshot, published
feedback), kept under REPORT_CACHE_DIR by a key naming that content, so a PDF that takes
seconds is rendered once."""
import os
import tempfile
from pathlib import Path

from flask import current_app

MIMETYPES = {"pdf": "application/pdf",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
# Part of a cached file's name: bump it when the rendering changes, so a stored document
# is rendered again rather than served in an old layout.
RENDERING = 1


def cached(key: str, make) -> bytes:
    """A cache that cannot be written (full disk) costs only the next render; a
    half-written file is never served (rename is atomic)."""
    folder = Path(current_app.config["REPORT_CACHE_DIR"])
    path = folder / key
    if path.is_file():
        return path.read_bytes()
    data = make()
    partial = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".part") as handle:
            partial = handle.name
            handle.write(data)
        os.replace(partial, path)
    except OSError:
        current_app.logger.warning("report cache not written: %s", path, exc_info=True)
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
    return data
