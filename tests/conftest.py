"""Shared fixtures: one migrated database per test run (SQLite, or PostgreSQL when
TEST_PG_ADMIN_URL is set), criteria loaded once, and tables outside the criteria emptied
after every test so tests do not see each other's rows."""
import os
import tempfile
import uuid
from pathlib import Path

# Jobs enqueued by tests go to a throwaway queue, never the developer's instance/jobs.sqlite3.
os.environ["JOBS_DB"] = os.path.join(tempfile.mkdtemp(prefix="pmqa-jobs-"), "jobs.sqlite3")
os.environ.pop("REDIS_URL", None)

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from portal import create_app
from portal.config import PROJECT_ROOT
from portal.criteria.loader import load_criteria
from portal.criteria.store import sync_criteria
from portal.extensions import db, limiter
from tests.helpers import login, make_agency, make_user

CRITERIA_TABLES = {
    "category", "sub_item", "question", "checklist_item", "result_dimension", "metric_group",
    "alembic_version",
}
pytest_plugins = ["tests.browser"]  # live server and chromium fixtures
ARTIFACTS = PROJECT_ROOT / "tests" / "_artifacts"


def _postgres_database(admin_url: str):
    """Create a throwaway database; return its URL and a function that drops it."""
    name = f"pmqa_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    admin_url = os.environ.get("TEST_PG_ADMIN_URL")
    if admin_url:
        url, drop = _postgres_database(admin_url)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite3'}"


def make_test_app(database_url: str, tmp: Path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": str(tmp / "uploads"),
        "SEARCH_INDEX_DIR": str(tmp / "search_index"),
        "REPORT_CACHE_DIR": str(tmp / "reports"),
        "PREVIEW_CACHE_DIR": str(tmp / "previews"),
        "TEMPLATES_STRICT": True,  # a misspelt variable fails the test instead of rendering blank
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = make_test_app(database_url, tmp_path_factory.mktemp("files"))
    with app.app_context():
        upgrade()
        sync_criteria(load_criteria(app.config["CRITERIA_DIR"], app.config["CRITERIA_VERSION"]))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL pass (TEST_PG_ADMIN_URL set) runs only tests that reach the database
    it provides, through the `database_url` fixture or by reading TEST_PG_ADMIN_URL
    themselves: the rest (pure functions, extraction, tokenising, apps on their own SQLite
    file) ran in the SQLite pass and would only run again unchanged."""
    if not os.environ.get("TEST_PG_ADMIN_URL"):
        return
    kept, dropped = [], []
    for item in items:
        module_source = Path(item.fspath).read_text(encoding="utf-8")
        reaches_postgres = "database_url" in item.fixturenames or "TEST_PG_ADMIN_URL" in module_source
        (kept if reaches_postgres else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _empty_non_criteria_tables(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        limiter.reset()  # failed sign-ins of one test must not throttle the next
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in CRITERIA_TABLES:
                db.session.execute(table.delete())
        db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def whoosh_engine(app, monkeypatch):
    """For tests of the Whoosh index's own files and functions: on the PostgreSQL pass the
    portal would otherwise search with PostgreSQL (SEARCH_BACKEND=auto)."""
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", "whoosh")


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def viewer_client(app, client):
    """A client signed in as a read-only user of one agency."""
    with app.app_context():
        agency = make_agency("TEST-VIEW")
        make_user("viewer1", ("agency_viewer", agency))
    assert login(client, "viewer1").status_code == 302
    return client
