"""The one after-commit path (portal.effects): operations record what has to follow, the
queue gets it once the transaction commits, never after a rollback, and an upload goes
through storage, the worker's extraction and the index in one piece."""
import io

import pytest
from sqlalchemy import select

from portal import effects, queue
from portal.admin import operations as admin_ops
from portal.errors import Refused
from portal.evidence import operations as ops
from portal.extensions import db
from portal.models import Agency, ChecklistItem, SubItem
from tests.helpers import csrf_token, login, make_agency, make_user

THAI = "ผู้บริหารกำหนดทิศทางขององค์การและติดตามตัวชี้วัดอย่างสม่ำเสมอ"


@pytest.fixture
def sent(monkeypatch):
    """What reached the queue, in order, instead of the queue."""
    calls = []
    monkeypatch.setattr(queue, "enqueue_extraction", lambda evidence_id: calls.append(("extract", evidence_id)))
    monkeypatch.setattr(queue, "enqueue_index", lambda ids: calls.append(("index", list(ids))))
    monkeypatch.setattr(queue, "enqueue_review_notices", lambda c, r: calls.append(("notices", c, r)))
    return calls


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


def test_nothing_is_sent_before_the_commit_and_once_after(app, world, sent):
    with app.app_context():
        evidence = add_link(world)
        assert effects.pending(db.session) == {"index": {evidence.id}}
        assert sent == []
        db.session.commit()
        assert sent == [("index", [evidence.id])]
        assert effects.pending(db.session) == {}
        db.session.commit()  # an empty transaction sends nothing again
        assert sent == [("index", [evidence.id])]


def test_a_rollback_drops_what_was_recorded(app, world, sent):
    with app.app_context():
        add_link(world)
        db.session.rollback()
        db.session.commit()
        assert sent == []


def test_a_session_closed_without_commit_sends_nothing(app, world, sent):
    with app.app_context():
        add_link(world)
        db.session.close()
        db.session.commit()
        assert sent == []


def test_one_id_recorded_twice_is_sent_once(app, world, sent):
    with app.app_context():
        evidence = add_link(world)
        ops.update_details(evidence, None, title="แผนยุทธศาสตร์ฉบับปรับปรุง", description="", document_date=None)
        db.session.commit()
        assert sent == [("index", [evidence.id])]


def test_bad_records_fail_loudly(app_ctx):
    with pytest.raises(ValueError):
        effects.record(db.session, "fetch_the_moon", [1])
    with pytest.raises(ValueError):
        effects.record(db.session, "index", [None])  # an id read before the flush


def test_an_upload_enqueues_extraction_after_its_commit_and_a_refused_one_nothing(app, world, sent):
    client = app.test_client()
    login(client, "fx-editor")
    token = csrf_token(client, "/")
    url = f"/agencies/{world['agency']}/items/{world['item']}/files"

    def upload(name, content):
        return client.post(url, data={"files": [(io.BytesIO(content), name)]}, content_type="multipart/form-data",
                           headers={"HX-Request": "true", "X-CSRFToken": token})

    assert upload("ปลอม.pdf", b"MZ\x90\x00" + b"\x00" * 100).status_code == 415
    assert sent == []
    assert upload("ทิศทาง.txt", THAI.encode()).status_code == 200
    with app.app_context():
        from portal.models import Evidence

        evidence_id = db.session.scalar(select(Evidence.id))
    assert sent == [("extract", evidence_id), ("index", [evidence_id])]


def test_immediate_queue_extracts_and_indexes_an_upload(app, world):
    """The whole path in one process: upload → storage → extraction → search index."""
    client = app.test_client()
    login(client, "fx-editor")
    token = csrf_token(client, "/")
    queue.huey.immediate = True
    try:
        response = client.post(f"/agencies/{world['agency']}/items/{world['item']}/files",
                               data={"files": [(io.BytesIO(THAI.encode()), "ทิศทาง.txt")]},
                               content_type="multipart/form-data",
                               headers={"HX-Request": "true", "X-CSRFToken": token})
    finally:
        queue.huey.immediate = False
    assert response.status_code == 200 and "ทิศทาง.txt" in response.get_data(as_text=True)
    page = client.get("/search/?q=ตัวชี้วัด").get_data(as_text=True)
    assert "ทิศทาง" in page and "ไม่พบ" not in page


def test_a_refused_operation_inside_a_transaction_leaves_no_effect(app, world, sent):
    with app.app_context():
        evidence = add_link(world)
        db.session.commit()
        sent.clear()
        with pytest.raises(Refused):
            ops.restore(evidence, None)  # not in the trash
        db.session.rollback()
        db.session.commit()
    assert sent == []
