"""The small search interface the rest of the portal uses, so a second backend can sit
beside Whoosh (DESIGN): SEARCH_BACKEND = "whoosh" (default) or "fts5" (SQLite FTS5 over
the same Thai tokens). Each backend has its own folder under SEARCH_INDEX_DIR."""
from pathlib import Path

from flask import current_app

BACKENDS = ("whoosh", "fts5")


def name() -> str:
    chosen = current_app.config.get("SEARCH_BACKEND", "whoosh")
    if chosen not in BACKENDS:
        raise RuntimeError(f"SEARCH_BACKEND must be one of {BACKENDS}, not {chosen!r}")
    return chosen


def index_folder() -> Path:
    return Path(current_app.config["SEARCH_INDEX_DIR"]) / ("pmqa" if name() == "whoosh" else "pmqa-fts5")


def _modules():
    if name() == "fts5":
        from portal.search import fts, fts_query

        return fts, fts_query
    from portal.search import index, query

    return index, query


def open_index():
    return _modules()[0].open_index(index_folder())


def search(handle, *args, **kwargs):
    return _modules()[1].search(handle, *args, **kwargs)


def update_evidence(evidence_ids) -> None:
    _modules()[0].update_evidence(index_folder(), evidence_ids)


def rebuild(**kwargs) -> int:
    return _modules()[0].rebuild(index_folder(), **kwargs)
