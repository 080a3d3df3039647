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
from portal.models.search import not_a_partition
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
            context = MigrationContext.configure(connection, opts={"include_name": not_a_partition})
            diff = compare_metadata(context, db.metadata)
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


def test_0010_keeps_the_rows_that_point_at_agencies(empty_database_url, tmp_path):
    """The quota column is added in place: a batch rebuild of `agency` on SQLite dropped
    the table, and its delete cascaded to every role grant."""
    app = make_test_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO agency (id, code, name, kind, unit_type, active)"
                " VALUES (1, 'OLD', 'กรมเดิม', 'department', 'service', true)"))
            connection.execute(text(
                "INSERT INTO user_account (id, username, display_name, password_hash, active, session_version,"
                " created_at) VALUES (1, 'old', 'ผู้ใช้เดิม', 'x', true, 1, CURRENT_TIMESTAMP)"))
            connection.execute(text("INSERT INTO role_grant (id, user_id, role, agency_id) VALUES (1, 1, 'agency_editor', 1)"))
        upgrade(revision="0010")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM role_grant")).scalar() == 1
            assert connection.execute(text("SELECT storage_quota_bytes FROM agency")).scalar() is None
        with pytest.raises(Exception):  # the CHECK came with the column
            with db.engine.begin() as connection:
                connection.execute(text("UPDATE agency SET storage_quota_bytes = 0"))
        downgrade(revision="0009")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM role_grant")).scalar() == 1
        downgrade(revision="base")
        db.engine.dispose()


def test_0015_lets_signers_in_and_keeps_every_grant(empty_database_url, tmp_path):
    """The role CHECKs change on the one table nothing points at (SQLite rebuilds it), so the
    grants, agencies and cycles already there stay both ways; going back removes signers."""
    app = make_test_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO agency (id, code, name, kind, unit_type, active, version)"
                " VALUES (1, 'OLD', 'กรมเดิม', 'department', 'service', true, 1)"))
            connection.execute(text(
                "INSERT INTO user_account (id, username, display_name, password_hash, active, session_version,"
                " created_at, version) VALUES (1, 'old', 'ผู้ใช้เดิม', 'x', true, 1, CURRENT_TIMESTAMP, 1)"))
            connection.execute(text("INSERT INTO role_grant (id, user_id, role, agency_id) VALUES (1, 1, 'agency_editor', 1)"))
            connection.execute(text(
                "INSERT INTO assessment_cycle (id, fiscal_year, criteria_version, is_current) VALUES (1, 2569, 'pmqa-4.0', true)"))
        with pytest.raises(Exception):  # before 0015 the database refuses the new role
            with db.engine.begin() as connection:
                connection.execute(text("INSERT INTO role_grant (id, user_id, role, agency_id) VALUES (2, 1, 'agency_signer', 1)"))
        upgrade(revision="0015")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO role_grant (id, user_id, role, agency_id) VALUES (2, 1, 'agency_signer', 1)"))
            assert connection.execute(text("SELECT count(*) FROM role_grant")).scalar() == 2
            assert connection.execute(text("SELECT deadline FROM assessment_cycle")).scalar() is None
        with pytest.raises(Exception):  # a signer is scoped to one agency like the other agency roles
            with db.engine.begin() as connection:
                connection.execute(text("INSERT INTO role_grant (id, user_id, role) VALUES (3, 1, 'agency_signer')"))
        downgrade(revision="0013")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT role FROM role_grant")).scalars().all() == ["agency_editor"]
            assert connection.execute(text("SELECT count(*) FROM assessment_cycle")).scalar() == 1
        downgrade(revision="base")
        db.engine.dispose()


@pytest.mark.skipif(not os.environ.get("TEST_PG_ADMIN_URL"), reason="PostgreSQL's partitions and pairs only")
def test_0020_gives_the_rows_already_stored_the_pairs_the_writer_gives(empty_database_url, tmp_path):
    """The rows written before 0020 get their word pairs from their own positions, the same
    set the writer makes, so phrases find them at once, before any reindex."""
    from portal.search import pg

    app = make_test_app(empty_database_url, tmp_path)
    title, name, content = "แผนยุทธศาสตร์ชาติ", "plan-2569.pdf", "ผู้บริหารกำหนดทิศทาง PMQA 4.0 ผู้บริหารกำหนด"
    words, pairs = pg.vectors(title, name, content)
    same = "SELECT words = CAST(:words AS tsvector) AND pairs = CAST(:pairs AS tsvector) FROM search_page"
    with app.app_context():
        upgrade(revision="0019")
        db.session.execute(text(
            "INSERT INTO search_page (agency_id, cycle_id, group_key, categories, sub_items, items, levels, file_kind,"
            " file_name, title, page, page_label, content, question_text, updated, words, bigrams) VALUES (1, 1, 7,"
            " '{1}', '{}', '{}', '{}', 'pdf', :name, :title, 1, 'หน้า 1', :content, '', now(), "
            " CAST(:words AS tsvector), '')"), {"name": name, "title": title, "content": content, "words": words})
        db.session.commit()
        upgrade()
        assert pairs.count("' '") >= 5 and db.session.scalar(text(same), {"words": words, "pairs": pairs}) is True
        db.session.rollback()  # its read lock would hold the downgrade's DROP TABLE
        downgrade(revision="0019")
        assert db.session.scalar(text("SELECT words = CAST(:words AS tsvector) FROM search_page"),
                                 {"words": words}) is True
        db.session.rollback()
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()
