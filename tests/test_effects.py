"""The one after-commit path (portal.effects), durable: operations write outbox rows in the
transaction that causes them, the queue gets them once it commits, never after a rollback;
a row lives until its job has finished, and the sweep sends again what is left undone
(the queue refused it, the job failed, its worker died, the queue lost it)."""
import io
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal import effects, queue, tasks
from portal.admin import operations as admin_ops
from portal.database import write
from portal.errors import Refused
from portal.evidence import operations as ops
from portal.extensions import db
from portal.models import Agency, ChecklistItem, Evidence, OutboxEffect, SubItem
from portal.models.user import utcnow
from portal.search import backend
from tests.helpers import csrf_token, login, make_agency, make_user

THAI = "ผู้บริหารกำหนดทิศทางขององค์การและติดตามตัวชี้วัดอย่างสม่ำเสมอ"


@pytest.fixture
def sent(monkeypatch):
    """What reached the queue, in order, instead of the queue (which takes everything)."""
    calls = []
    monkeypatch.setattr(queue, "enqueue_extraction",
                        lambda evidence_id, rows: calls.append(("extract", evidence_id)) or True)
    monkeypatch.setattr(queue, "enqueue_index", lambda ids, rows: calls.append(("index", list(ids))) or True)
    monkeypatch.setattr(queue, "enqueue_review_notices", lambda c, r, rows: calls.append(("notices", c, r)) or True)
    return calls


@pytest.fixture
def immediate():
    queue.huey.immediate = True
    try:
        yield
    finally:
        queue.huey.immediate = False


@pytest.fixture
def world(app):
    with app.app_context():
        agency = make_agency("FX-A")
        make_user("fx-editor", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item_id = db.session.scalar(select(ChecklistItem.id).join(SubItem).where(SubItem.code == "1.1"))
        return {"agency": agency.id, "item": item_id}


def add_link(world, title="แผนยุทธศาสตร์"):
    agency, item = db.session.get(Agency, world["agency"]), db.session.get(ChecklistItem, world["item"])
    return ops.add_link(agency, item, "https://www.example.go.th/plan", title, None)


def rows(app) -> list[OutboxEffect]:
    with app.app_context():
        found = list(db.session.scalars(select(OutboxEffect).order_by(OutboxEffect.id)))
        db.session.expunge_all()
        return found


def row_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(OutboxEffect.id)))


def age(app, **values) -> None:
    """Move every outbox row's times into the past (what waiting would do)."""
    with app.app_context():
        db.session.execute(update(OutboxEffect).values(**values))
        db.session.commit()


def test_the_row_is_written_with_the_change_and_sent_once_after_the_commit(app, world, sent):
    with app.app_context():
        evidence = add_link(world)
        assert effects.pending(db.session) == {"index": {evidence.id}}
        db.session.flush()
        assert db.session.scalar(select(func.count(OutboxEffect.id))) == 1  # in the same transaction
        assert sent == []
        db.session.commit()
        assert sent == [("index", [evidence.id])]
        assert effects.pending(db.session) == {}
        db.session.commit()  # an empty transaction sends nothing again
        assert sent == [("index", [evidence.id])]
    (row,) = rows(app)  # handed over, not done: its job deletes it
    assert (row.kind, row.target_id, row.attempts) == ("index", evidence.id, 1)
    assert row.sent_at is not None and row.heartbeat_at is None


def test_a_rollback_leaves_no_row_and_sends_nothing(app, world, sent):
    with app.app_context():
        add_link(world)
        db.session.flush()
        db.session.rollback()
        db.session.commit()
    assert sent == [] and row_count(app) == 0


def test_a_session_closed_without_commit_leaves_no_row(app, world, sent):
    with app.app_context():
        add_link(world)
        db.session.flush()
        db.session.close()
        db.session.commit()
    assert sent == [] and row_count(app) == 0


def test_one_id_recorded_twice_is_one_row(app, world, sent):
    with app.app_context():
        evidence = add_link(world)
        ops.update_details(evidence, None, title="แผนยุทธศาสตร์ฉบับปรับปรุง", description="", document_date=None)
        db.session.commit()
        assert sent == [("index", [evidence.id])]
    assert row_count(app) == 1


def test_bad_records_fail_loudly(app_ctx):
    with pytest.raises(ValueError):
        effects.record(db.session, "fetch_the_moon", [1])
    with pytest.raises(ValueError):
        effects.record(db.session, "index", [None])  # an id read before the flush


def upload(client, world, name, content, token):
    return client.post(f"/agencies/{world['agency']}/items/{world['item']}/files",
                       data={"files": [(io.BytesIO(content), name)]}, content_type="multipart/form-data",
                       headers={"HX-Request": "true", "X-CSRFToken": token})


def test_an_upload_enqueues_after_its_commit_and_a_refused_one_leaves_nothing(app, world, sent):
    client = app.test_client()
    login(client, "fx-editor")
    token = csrf_token(client, "/")
    assert upload(client, world, "ปลอม.pdf", b"MZ\x90\x00" + b"\x00" * 100, token).status_code == 415
    assert sent == [] and row_count(app) == 0
    assert upload(client, world, "ทิศทาง.txt", THAI.encode(), token).status_code == 200
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
    assert sent == [("extract", evidence_id), ("index", [evidence_id])]
    assert sorted((r.kind, r.target_id) for r in rows(app)) == [("extract", evidence_id), ("index", evidence_id)]


def test_immediate_queue_extracts_and_indexes_an_upload_and_the_jobs_finish_their_rows(app, world, immediate):
    """The whole path in one process: upload → storage → extraction → search index."""
    with app.app_context():
        backend.rebuild()  # an index to write to (a missing one is rebuilt, and the job tried again later)
    client = app.test_client()
    login(client, "fx-editor")
    response = upload(client, world, "ทิศทาง.txt", THAI.encode(), csrf_token(client, "/"))
    assert response.status_code == 200 and "ทิศทาง.txt" in response.get_data(as_text=True)
    page = client.get("/search/?q=ตัวชี้วัด").get_data(as_text=True)
    assert "ทิศทาง" in page and "ไม่พบ" not in page
    assert row_count(app) == 0  # extraction, its index job and the upload's index job: all done


def test_a_refused_operation_inside_a_transaction_leaves_no_effect(app, world, sent):
    with app.app_context():
        evidence = add_link(world)
        db.session.commit()
        sent.clear()
        with pytest.raises(Refused):
            ops.restore(evidence, None)  # not in the trash
        db.session.rollback()
        db.session.commit()
    assert sent == [] and row_count(app) == 1  # the first commit's row only


def test_a_queue_that_is_down_at_commit_time_keeps_the_change_and_the_row(app, world, monkeypatch, immediate):
    """Enqueueing raises (Huey's storage unreachable): the change is committed, the row
    waits with a backoff, and the sweep delivers it once the queue is back."""
    def down(*_args):
        raise ConnectionError("queue storage unreachable")

    monkeypatch.setattr(queue.huey, "enqueue", down)
    with app.app_context():
        evidence = add_link(world, "แผนตอนคิวล่ม")
        db.session.commit()  # never fails the caller
        evidence_id = evidence.id
    (row,) = rows(app)
    assert row.sent_at is None and row.attempts == 1 and "queue" in row.last_error
    assert row.next_attempt_at.replace(tzinfo=None) > utcnow().replace(tzinfo=None)  # a backoff, no storm
    with app.app_context():
        assert tasks.sweep(check=False) == 0  # not due yet
    monkeypatch.undo()
    queue.huey.immediate = True
    age(app, next_attempt_at=utcnow() - timedelta(seconds=1))
    with app.app_context():
        assert tasks.sweep(check=False) == 1
        hits = [h.evidence_id for h in backend.search_or_unavailable("คิวล่ม", None).hits]
    assert hits == [evidence_id] and row_count(app) == 0


def test_a_job_that_fails_puts_its_rows_back_with_a_growing_backoff(app, world, sent):
    with app.app_context():
        evidence_id = add_link(world).id
        db.session.commit()
        (row_id,) = [r.id for r in rows(app)]
        for attempt, expected_seconds in ((1, 15), (2, 30)):
            with pytest.raises(RuntimeError):
                with effects.job([row_id], index=[evidence_id]) as job:
                    assert job.needed and job.owned == [row_id]
                    raise RuntimeError("index disk full")
            row = db.session.get(OutboxEffect, row_id)
            assert row.sent_at is None and row.heartbeat_at is None and "disk full" in row.last_error
            delay = row.next_attempt_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
            assert timedelta(seconds=expected_seconds - 2) < delay <= timedelta(seconds=expected_seconds)
            db.session.rollback()
            age(app, next_attempt_at=utcnow() - timedelta(seconds=1))
            assert tasks.sweep(check=False) == 1  # sent again: attempts grows
            assert db.session.get(OutboxEffect, row_id).attempts == attempt + 1
            db.session.rollback()
        with effects.job([row_id], index=[evidence_id]) as job:
            job.retry_later("not yet")
        assert db.session.get(OutboxEffect, row_id).last_error == "not yet"
        with effects.job([row_id], index=[evidence_id]):
            pass
        assert db.session.get(OutboxEffect, row_id) is None  # done when the job finished


def test_a_copy_of_a_running_job_does_nothing(app, world, sent):
    with app.app_context():
        evidence_id = add_link(world).id
        db.session.commit()
        (row_id,) = [r.id for r in rows(app)]
        with effects.job([row_id], index=[evidence_id]) as first:
            with effects.job([row_id], index=[evidence_id]) as copy:
                assert not copy.needed  # the first one beats the row
            assert first.needed
            assert db.session.get(OutboxEffect, row_id) is not None  # the copy deleted nothing
        assert db.session.get(OutboxEffect, row_id) is None


def test_a_job_takes_only_rows_of_what_it_does(app, world, sent):
    """A queue that outlived its database (a restore) may carry row ids that now name
    other rows: those are left alone."""
    with app.app_context():
        evidence_id = add_link(world).id
        db.session.commit()
        (row_id,) = [r.id for r in rows(app)]
        with effects.job([row_id], extract=[evidence_id]) as wrong_kind:
            assert not wrong_kind.needed
        with effects.job([row_id], index=[evidence_id + 1]) as wrong_target:
            assert not wrong_target.needed
        assert db.session.get(OutboxEffect, row_id) is not None


def test_the_sweep_sends_a_dead_job_again_and_leaves_a_live_one(app, world, sent, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_DEAD_SECONDS", 45)
    with app.app_context():
        add_link(world)
        db.session.commit()
        sent.clear()
        age(app, heartbeat_at=utcnow() - timedelta(seconds=30))  # running, beating
        assert tasks.sweep(check=False) == 0 and sent == []
        age(app, heartbeat_at=utcnow() - timedelta(seconds=50))  # the beat stopped: its worker died
        assert tasks.sweep(check=False) == 1 and [kind for kind, *_ in sent] == ["index"]
        (row,) = rows(app)
        assert row.attempts == 2 and row.heartbeat_at is None


def test_a_job_queued_long_ago_is_sent_again_only_while_the_queue_is_empty(app, world, sent, monkeypatch):
    """Queued but never started: while the queue holds jobs it is still in there (sending
    it again would only add copies); once the queue is empty it was lost."""
    with app.app_context():
        add_link(world)
        db.session.commit()
        sent.clear()
        age(app, next_attempt_at=utcnow() - timedelta(seconds=1))  # QUEUED_GRACE has passed
        monkeypatch.setattr(queue, "pending_count", lambda: 7)
        assert tasks.sweep(check=False) == 0
        monkeypatch.setattr(queue, "pending_count", lambda: 0)
        assert tasks.sweep(check=False) == 1 and len(sent) == 1


def test_two_dispatchers_at_once_send_each_row_once(app, world, sent):
    with app.app_context():
        agency = db.session.get(Agency, world["agency"])
        for n in range(60):
            ops.add_link(agency, None, f"https://www.example.go.th/{n}", f"ลิงก์ {n}", None)
        db.session.commit()
        sent.clear()
        age(app, sent_at=None, next_attempt_at=utcnow() - timedelta(seconds=1))  # as if never handed over
    barrier, counts = threading.Barrier(3), []

    def dispatcher():
        with app.app_context():
            barrier.wait()
            counts.append(effects.sweep())

    threads = [threading.Thread(target=dispatcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent_ids = sorted(i for kind, ids in sent for i in ids)
    assert sum(counts) == 60 and len(sent_ids) == 60 and len(set(sent_ids)) == 60
    assert {r.attempts for r in rows(app)} == {2}


def test_notices_too_late_to_matter_are_given_up(app, world):
    with app.app_context():
        write(lambda: effects.record(db.session, "comment_notice", [123]))
    age(app, created_at=utcnow() - timedelta(hours=25), sent_at=None)
    with app.app_context():
        effects.sweep()
    assert row_count(app) == 0


def test_the_sweep_records_what_no_row_asks_for(app, world, sent):
    """Evidence left queued by an older release (no outbox row) is extracted again."""
    client = app.test_client()
    login(client, "fx-editor")
    upload(client, world, "เก่า.txt", THAI.encode(), csrf_token(client, "/"))
    with app.app_context():
        db.session.execute(OutboxEffect.__table__.delete())
        db.session.execute(update(Evidence).values(updated_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        sent.clear()
        evidence_id = db.session.scalar(select(Evidence.id))
        db.session.rollback()  # outside requests a transaction writes: it would hold SQLite's lock
        assert tasks.requeue_interrupted() == [evidence_id]
        assert tasks.requeue_interrupted() == []  # its row is there now
    assert ("extract", evidence_id) in sent
