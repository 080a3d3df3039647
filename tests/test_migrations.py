"""Migrations build the schema from empty, match the models, and downgrade cleanly."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

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
