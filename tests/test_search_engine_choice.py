"""Which search engine a setting means: PostgreSQL's own search on a PostgreSQL database
unless Whoosh is forced, Whoosh on SQLite, and a setting that cannot work refused at start."""
import pytest

from portal import create_app
from portal.search.choice import engine_for

PG = "postgresql+psycopg://portal@db.example/portal"
SQLITE = "sqlite:///instance/portal.sqlite3"


@pytest.mark.parametrize(("setting", "url", "engine"), [
    ("auto", PG, "postgres"),
    ("auto", SQLITE, "whoosh"),
    ("whoosh", PG, "whoosh"),
    ("whoosh", SQLITE, "whoosh"),
    ("postgres", PG, "postgres"),
])
def test_the_setting_and_the_database_choose_the_engine(setting, url, engine):
    assert engine_for(setting, url) == engine


@pytest.mark.parametrize(("setting", "url", "message"), [
    ("postgres", SQLITE, "needs DATABASE_URL on PostgreSQL"),
    ("fts5", SQLITE, "SEARCH_BACKEND must be auto or one of"),
    ("", PG, "SEARCH_BACKEND must be auto or one of"),
])
def test_a_setting_that_cannot_work_stops_the_start(setting, url, message, tmp_path):
    with pytest.raises(RuntimeError, match=message):
        engine_for(setting, url)
    with pytest.raises(RuntimeError, match=message):
        create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_BACKEND": setting, "SECRET_KEY": "x",
                    "SEARCH_INDEX_DIR": str(tmp_path)})


def test_the_default_setting_is_auto(monkeypatch, tmp_path):
    monkeypatch.delenv("SEARCH_BACKEND", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}", "SECRET_KEY": "x"})
    assert app.config["SEARCH_BACKEND"] == "auto"
    with app.app_context():
        from portal.search import backend

        assert backend.name() == "whoosh"
