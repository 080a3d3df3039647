"""Which search engine this installation uses: the one place that reads SEARCH_BACKEND
(backend.py dispatches on it, pg.py's commit hook asks it before writing rows)."""
from flask import current_app

BACKENDS = ("whoosh", "postgres")


def engine_for(setting: str, database_url: str) -> str:
    """The engine a SEARCH_BACKEND setting means on a database; a setting that cannot work
    there is refused when the portal starts, not at the first search."""
    on_postgres = database_url.startswith("postgresql")
    if setting == "auto":
        return "postgres" if on_postgres else "whoosh"
    if setting not in BACKENDS:
        raise RuntimeError(f"SEARCH_BACKEND must be auto or one of {BACKENDS}, not {setting!r}")
    if setting == "postgres" and not on_postgres:
        raise RuntimeError("SEARCH_BACKEND=postgres needs DATABASE_URL on PostgreSQL")
    return setting


def name() -> str:
    config = current_app.config
    return engine_for(config.get("SEARCH_BACKEND", "auto"), config["SQLALCHEMY_DATABASE_URI"])
