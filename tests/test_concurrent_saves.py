"""Saves that race each other past the version check: SQLAlchemy's version_id_col in the
UPDATE and the unique key of a first review turn the loser into the same Thai 409, never
a 500; the worker's status updates neither stale an open form nor fail on an edit; the
wording of the refusal; the migration keeps the rows it finds."""
import threading
from datetime import datetime, timezone

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from portal import versions
from portal.admin import operations as admin_ops
from portal.errors import Refused
from portal.evidence import operations as evidence_ops
from portal.evidence import pipeline, reextract
from portal.extensions import db
from portal.models import Agency, ChecklistItem, Evidence, ItemReview, User
from portal.reviews import operations as review_ops
from tests.conftest import make_test_app
from tests.test_concurrent_edits import Person, ce, text as page_text  # noqa: F401  (ce is a fixture)
from tests.test_migrations import empty_database_url  # noqa: F401  (fixture)


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def test_two_first_review_statuses_at_once_one_wins_the_other_is_told(app, ce, monkeypatch):
    """PostgreSQL: both requests see no review, both insert, the unique key lets one in and
    the other gets 409 with the winner's status. SQLite takes the write lock at BEGIN, so
    the second request waits and then meets the version check; the answer is the same."""
    panel = f"/agencies/{ce['agency']}/items/{ce['item']}"
    people = {"ce-rev1": Person(app, "ce-rev1"), "ce-rev2": Person(app, "ce-rev2")}
    saw_none = []
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        both_read = threading.Barrier(2, timeout=20)
        read = review_ops._review_of

        def read_then_wait(*args):
            review = read(*args)
            if len(saw_none) < 2:  # the two set_status reads; the loser's re-read goes through
                saw_none.append(review is None)
                both_read.wait()
            return review

        monkeypatch.setattr(review_ops, "_review_of", read_then_wait)
    start, answers = threading.Barrier(2, timeout=20), {}

    def save(username, status, reason):
        start.wait()
        answers[username] = people[username].send(f"{panel}/review", {"status": status, "reason": reason,
                                                                      "version": "0"})

    threads = [threading.Thread(target=save, args=("ce-rev1", "accepted", "")),
               threading.Thread(target=save, args=("ce-rev2", "needs_revision", "ขาดลายมือชื่อ"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers.values()) == [200, 409]
    winner = next(name for name, answer in answers.items() if answer.status_code == 200)
    loser = next(answer for answer in answers.values() if answer.status_code == 409)
    with app.app_context():
        reviews = list(db.session.scalars(select(ItemReview)))
    assert len(reviews) == 1 and reviews[0].updated_by_id is not None
    label = "ผ่านการพิจารณา" if winner == "ce-rev1" else "ต้องแก้ไข"
    assert f"โดย ผู้ใช้ {winner}" in page_text(loser) and f"สถานะ “{label}”" in page_text(loser)
    if saw_none:
        assert saw_none == [True, True]  # the race really happened: both read "no review"


def racing(app, load, other_save):
    """In Bee's app context: she loads a record (her form), Ana's save commits, then Bee's
    save runs with the version her form showed: the check passes, the UPDATE must not."""
    db.session().expire_on_commit = False  # Bee's objects keep what she loaded
    record, version = load()
    db.session.commit()
    with app.app_context():  # Ana's request, with its own session
        other_save()
        db.session.commit()
    return record, version


def test_evidence_details_saved_past_the_check_lose_to_the_update(app, ce):
    def load():
        evidence = db.session.get(Evidence, ce["evidence"])
        return evidence, evidence.version

    def ana_saves():
        evidence_ops.update_details(db.session.get(Evidence, ce["evidence"]), user("ce-ana"),
                                    title="ฉบับของอนา", description="", document_date=None, version=1)

    with app.app_context():
        evidence, version = racing(app, load, ana_saves)
        with pytest.raises(Refused) as refused:
            evidence_ops.update_details(evidence, user("ce-bee"), title="ฉบับของบี", description="",
                                        document_date=None, version=version)
        assert refused.value.status == 409 and "ชื่อหลักฐาน “ฉบับของอนา”" in refused.value.message
        assert "โดย ผู้ใช้ ce-ana" in refused.value.message
        db.session.rollback()
        assert db.session.get(Evidence, ce["evidence"]).title == "ฉบับของอนา"


def test_an_agency_row_saved_past_the_check_loses_to_the_update(app, ce):
    def load():
        agency = db.session.get(Agency, ce["agency"])
        return agency, agency.version

    def ana_saves():
        admin_ops.update_agency(db.session.get(Agency, ce["agency"]), "CE-A", "ชื่อใหม่", "department",
                                "service", True, None, version=1, acting_user=user("ce-admin1"))

    with app.app_context():
        agency, version = racing(app, load, ana_saves)
        admin2 = user("ce-admin2")
        with pytest.raises(Refused) as refused:
            admin_ops.update_agency(agency, "CE-A", "ชื่อของบี", "department", "policy", True, None,
                                    version=version, acting_user=admin2)
        assert refused.value.status == 409 and "ชื่อ “ชื่อใหม่”" in refused.value.message
        db.session.rollback()
        assert (db.session.get(Agency, ce["agency"]).name, db.session.get(Agency, ce["agency"]).unit_type) == (
            "ชื่อใหม่", "service")


def test_a_review_status_saved_past_the_check_loses_to_the_update(app, ce):
    def setup():
        review_ops.set_status(db.session.get(Agency, ce["agency"]), db.session.get(ChecklistItem, ce["item"]),
                              "submitted", "", user("ce-rev1"))

    with app.app_context():
        setup()
        db.session.commit()

    def load():
        review = db.session.scalar(select(ItemReview))
        return review, review.version

    def ana_saves():
        review_ops.set_status(db.session.get(Agency, ce["agency"]), db.session.get(ChecklistItem, ce["item"]),
                              "accepted", "", user("ce-rev1"), version=1)

    with app.app_context():
        review, version = racing(app, load, ana_saves)
        # Bee's request still holds the review it loaded: the check passes, the UPDATE finds no row.
        agency, item, reviewer = db.session.get(Agency, ce["agency"]), db.session.get(ChecklistItem, ce["item"]), \
            user("ce-rev2")
        with pytest.raises(Refused) as refused:
            review_ops.set_status(agency, item, "needs_revision", "ขาดลายมือชื่อ", reviewer, version=version)
        assert refused.value.status == 409 and "สถานะ “ผ่านการพิจารณา”" in refused.value.message
        db.session.rollback()
        assert db.session.scalar(select(ItemReview.status)) == "accepted"


def test_the_worker_neither_stales_an_open_form_nor_fails_on_an_edit(app, ce):
    ana = Person(app, "ce-ana")
    url = f"/evidence/{ce['evidence']}"
    version = ana.open_form(url, url)
    with app.app_context():
        db.session.get(Evidence, ce["evidence"]).extraction_status = "queued"
        db.session.commit()
        pipeline.run_extraction(ce["evidence"])
        assert db.session.get(Evidence, ce["evidence"]).extraction_status == "done"
    saved = ana.send(url, {"title": "ชื่อหลังดึงข้อความ", "document_date": "", "description": "", "version": version})
    assert saved.status_code == 200  # the worker's progress did not make the form stale
    with app.app_context():
        db.session.get(Evidence, ce["evidence"]).extraction_status = "queued"
        db.session.commit()
        held = pipeline.claim(ce["evidence"])  # the worker takes the job ...
        assert held is not None
        with app.app_context():  # ... Bee saves the title while it extracts ...
            evidence_ops.update_details(db.session.get(Evidence, ce["evidence"]), user("ce-bee"),
                                        title="บีแก้ระหว่างดึงข้อความ", description="", document_date=None)
            db.session.commit()
        pipeline._finish(held, "failed", error="ทดสอบ")  # ... and its outcome must not fail on her version
        db.session.expire_all()
        evidence = db.session.get(Evidence, ce["evidence"])
        assert (evidence.title, evidence.extraction_status, evidence.version) == ("บีแก้ระหว่างดึงข้อความ", "failed", 3)


def test_queueing_evidence_again_does_not_fail_on_an_edit_made_meanwhile(app, ce):
    """`evidence reextract` loads a batch, then marks it: an editor's save in between wins."""
    with app.app_context():
        db.session().expire_on_commit = False
        loaded = db.session.get(Evidence, ce["evidence"])
        db.session.commit()
        with app.app_context():
            evidence_ops.update_details(db.session.get(Evidence, ce["evidence"]), user("ce-bee"),
                                        title="บีแก้ระหว่างสั่งดึงใหม่", description="", document_date=None)
            db.session.commit()
        assert reextract.queue_again(loaded)
        db.session.commit()
        db.session.expire_all()
        evidence = db.session.get(Evidence, ce["evidence"])
        assert (evidence.title, evidence.extraction_status) == ("บีแก้ระหว่างสั่งดึงใหม่", "queued")


def test_a_race_no_operation_answered_is_a_thai_409_not_a_500(app, ce, monkeypatch):
    """E.g. an admin editing an account while its owner signs in: the safety net in
    portal/main/errors.py answers in the message area and keeps nothing."""
    from sqlalchemy.orm.exc import StaleDataError

    from portal.main.errors import STALE

    def raced(thread, user):
        thread.resolved_at = datetime.now(timezone.utc)
        raise StaleDataError("UPDATE statement on table 'comment_thread' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(review_ops, "resolve", raced)
    answer = Person(app, "ce-rev1").send(f"/threads/{ce['thread']}/resolve", {})
    assert answer.status_code == 409 and STALE in page_text(answer)
    assert answer.headers["HX-Retarget"] == "#messages"
    with app.app_context():
        from portal.models import CommentThread

        assert db.session.get(CommentThread, ce["thread"]).resolved_at is None


def test_the_refusal_says_who_when_and_what_is_there_now():
    at = datetime(2026, 12, 2, 3, 31, tzinfo=timezone.utc)  # 10:31 in Bangkok
    bee, ana = User(id=2, display_name="บี"), User(id=1, display_name="อนา")
    current = [("ชื่อหลักฐาน", versions.quoted("แผน")), ("คำอธิบาย", versions.quoted(""))]
    by_ana = versions.conflict_message("หลักฐานนี้", current, versions.changed_by(at, ana), bee)
    assert by_ana == ("มีผู้อื่นแก้ไขหลักฐานนี้ไปแล้วเมื่อ 2 ธ.ค. 2569 10:31 น. โดย อนา: ค่าปัจจุบันคือ "
                      "ชื่อหลักฐาน “แผน” · คำอธิบาย (ว่าง) กรุณาตรวจสอบแล้วบันทึกอีกครั้ง")
    by_herself = versions.conflict_message("หลักฐานนี้", current, versions.changed_by(at, bee), bee)
    assert by_herself.startswith("ท่านได้บันทึกหลักฐานนี้ไปแล้วเมื่อ 2 ธ.ค. 2569 10:31 น. จากหน้าต่างหรืออุปกรณ์อื่น:")
    unknown = versions.conflict_message("หลักฐานนี้", current, None, bee)
    assert unknown.startswith("หลักฐานนี้ถูกแก้ไขหลังจากที่ท่านเปิดแบบฟอร์มนี้: ค่าปัจจุบันคือ")
    assert versions.quoted("ก" * 500) == "“" + "ก" * versions.MAX_SHOWN + "…”"
    assert [versions.submitted({"version": v}) for v in ("3", " 0 ", "", "x", "-1", "9" * 12)] == [
        3, 0, versions.MISSING, versions.MISSING, versions.MISSING, versions.MISSING]
    assert versions.submitted({}) == versions.MISSING


def test_0011_keeps_the_rows_it_finds(empty_database_url, tmp_path):  # noqa: F811
    """Agencies, accounts with their roles and evidence survive both ways, at version 1:
    the columns are added in place, never by rebuilding tables others point at."""
    app = make_test_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO agency (id, code, name, kind, unit_type, active)"
                                    " VALUES (1, 'OLD', 'กรมเดิม', 'department', 'service', true)"))
            connection.execute(text("INSERT INTO user_account (id, username, display_name, password_hash, active,"
                                    " session_version, created_at) VALUES (1, 'old', 'ผู้ใช้เดิม', 'x', true, 1,"
                                    " '2026-01-01 00:00:00')"))
            connection.execute(text("INSERT INTO role_grant (id, user_id, role, agency_id)"
                                    " VALUES (1, 1, 'agency_editor', 1)"))
            connection.execute(text("INSERT INTO assessment_cycle (id, fiscal_year, criteria_version, is_current)"
                                    " VALUES (1, 2569, 'pmqa-4.0', true)"))
            connection.execute(text(
                "INSERT INTO evidence (id, agency_id, cycle_id, kind, title, description, url, created_at,"
                " updated_at, extraction_status, pages_done, pages_total) VALUES (1, 1, 1, 'link', 'ลิงก์เดิม', '',"
                " 'https://x.go.th', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'not_applicable', 0, 0)"))
        upgrade()
        with db.engine.connect() as connection:
            found = [connection.execute(text(f"SELECT version FROM {table}")).scalars().all()
                     for table in ("agency", "user_account", "evidence")]
            grants = connection.execute(text("SELECT count(*) FROM role_grant")).scalar()
        assert found == [[1], [1], [1]] and grants == 1
        downgrade(revision="0010")
        with db.engine.connect() as connection:
            counts = [connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                      for table in ("agency", "user_account", "role_grant", "evidence")]
        assert counts == [1, 1, 1, 1]
        db.engine.dispose()
