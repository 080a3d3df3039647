"""Migrations build the schema from empty, match the models, and downgrade cleanly."""
import json
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from tests.conftest import _postgres_database, make_test_app


@pytest.fixture
def empty_database_url(tmp_path):
    admin_url = os.environ.get("TEST_PG_ADMIN_URL")
    if admin_url:
        url, drop = _postgres_database(admin_url)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite3'}"


def test_upgrade_from_empty_matches_the_models_and_downgrades(empty_database_url, tmp_path):
    app = make_test_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"category", "sub_item", "checklist_item", "agency", "user_account"} <= tables
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_0007_keeps_the_rows_loaded_before_it(empty_database_url, tmp_path):
    """Criteria loaded by an older release keep their rows both ways: the new JSON columns
    start as [] (`criteria load` fills them in, ids unchanged), and going back drops only
    the columns. SQLite's batch rebuild would cascade-delete the child rows instead."""
    app = make_test_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO category (id, version, code, title, position, intent, notes, reporting_rules)"
                " VALUES (1, 'old', '1', 'หมวด', 0, '', '[]', '[]')"))
            connection.execute(text(
                "INSERT INTO sub_item (id, category_id, code, title, intent, position, guidance, meaning, notes)"
                " VALUES (1, 1, '1.1', 'หัวข้อ', '', 0, '{}', '{}', '[]')"))
            connection.execute(text(
                "INSERT INTO question (id, sub_item_id, code, text, position) VALUES (1, 1, '1.1.1', 'ถาม', 0)"))
            connection.execute(text(
                "INSERT INTO checklist_item (id, sub_item_id, code, level, kind, text, position)"
                " VALUES (1, 1, 'B1', 'basic', 'process', 'รายการ', 0)"))
        upgrade()
        with db.engine.connect() as connection:
            values = connection.execute(text(
                "SELECT i.applies_to, q.bullets, s.glossary FROM checklist_item i"
                " JOIN question q ON q.sub_item_id = i.sub_item_id JOIN sub_item s ON s.id = i.sub_item_id"
            )).one()
        assert [json.loads(v) if isinstance(v, str) else v for v in values] == [[], [], []]
        downgrade(revision="0005")
        with db.engine.connect() as connection:
            counts = [connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                      for table in ("sub_item", "question", "checklist_item")]
        assert counts == [1, 1, 1]
        downgrade(revision="base")
        db.engine.dispose()
