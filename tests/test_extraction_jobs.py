"""Background extraction: status moves queued → extracting → done/failed, pages are
stored, a job whose heartbeat stopped runs again, a live one is left alone, a failed one
can be retried."""
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from portal import queue, tasks
from portal.admin import operations as admin_ops
from portal.evidence.pipeline import run_extraction
from portal.extensions import db
from portal.search import backend
from portal.models import ChecklistItem, Evidence, OutboxEffect, SubItem
from tests.helpers import csrf_token, login, make_agency, make_user

THAI = "ผู้บริหารกำหนดทิศทางขององค์การที่ตอบสนองพันธกิจ และติดตามตัวชี้วัด KPI อย่างสม่ำเสมอ"


@pytest.fixture
def editor(app):
    with app.app_context():
        agency = make_agency("JOB-A")
        make_user("job-editor", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item_id = db.session.scalar(select(ChecklistItem.id).join(SubItem).where(SubItem.code == "1.1"))
        agency_id = agency.id
    client = app.test_client()
    login(client, "job-editor")
    client.token = csrf_token(client, "/")
    client.upload_url = f"/agencies/{agency_id}/items/{item_id}/files"
    return client


def upload(client, name, content):
    return client.post(client.upload_url, data={"files": [(io.BytesIO(content), name)]},
                       headers={"HX-Request": "true", "X-CSRFToken": client.token},
                       content_type="multipart/form-data")


def only_evidence(app):
    with app.app_context():
        return db.session.scalar(select(Evidence))


def test_upload_queues_then_the_worker_extracts_thai_text(app, editor):
    response = upload(editor, "ทิศทาง.txt", THAI.encode())
    assert "รอคิวดึงข้อความ" in response.get_data(as_text=True)
    evidence = only_evidence(app)
    assert evidence.extraction_status == "queued"
    status = editor.get(f"/evidence/{evidence.id}/status", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in status.get_data(as_text=True)  # the page keeps polling
    with app.app_context():
        run_extraction(evidence.id)
        evidence = db.session.get(Evidence, evidence.id)
        assert evidence.extraction_status == "done" and evidence.pages_total == 1
        assert THAI in evidence.pages[0].text
    status = editor.get(f"/evidence/{evidence.id}/status", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "ดึงข้อความแล้ว 1 หน้า" in status and "รอจัดทำดัชนี" in status  # its index job is still to run
    assert 'hx-trigger="every 2s"' in status
    with app.app_context():
        backend.rebuild()  # the index job's work; its rows stay until a job finishes them
        run_index_jobs()
    status = editor.get(f"/evidence/{evidence.id}/status", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "ดึงข้อความแล้ว 1 หน้า" in status and "รอจัดทำดัชนี" not in status and "hx-trigger" not in status


def run_index_jobs() -> None:
    """What the worker does with the index rows waiting in the queue."""
    rows = db.session.execute(select(OutboxEffect.id, OutboxEffect.target_id).where(OutboxEffect.kind == "index")).all()
    db.session.rollback()
    tasks.index_evidence_task.call_local(sorted({target for _, target in rows}), [row_id for row_id, _ in rows])


def test_immediate_queue_runs_the_job_for_an_upload(app, editor):
    queue.huey.immediate = True
    try:
        upload(editor, "ทันที.txt", THAI.encode())
    finally:
        queue.huey.immediate = False
    assert only_evidence(app).extraction_status == "done"


def test_running_twice_is_harmless(app, editor):
    upload(editor, "สองครั้ง.txt", THAI.encode())
    evidence_id = only_evidence(app).id
    with app.app_context():
        run_extraction(evidence_id)
        run_extraction(evidence_id)
        assert len(db.session.get(Evidence, evidence_id).pages) == 1


def dead_worker_left(app, evidence_id: int, seconds_ago: float) -> None:
    """What a worker killed mid-job leaves behind: the claim and the outbox row, their
    heartbeat `seconds_ago`."""
    beat = datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)
    with app.app_context():
        db.session.execute(update(Evidence).where(Evidence.id == evidence_id).values(
            extraction_status="extracting", extraction_started_at=beat - timedelta(seconds=5),
            extraction_heartbeat_at=beat))
        db.session.execute(update(OutboxEffect).where(OutboxEffect.kind == "extract")
                           .values(sent_at=beat, heartbeat_at=beat))
        db.session.commit()


def test_a_job_whose_heartbeat_stopped_runs_again(app, editor):
    upload(editor, "ค้าง.txt", THAI.encode())
    evidence_id = only_evidence(app).id
    dead_worker_left(app, evidence_id, seconds_ago=app.config["JOB_DEAD_SECONDS"] + 5)
    queue.huey.immediate = True
    try:
        with app.app_context():
            tasks.sweep(check=False)
    finally:
        queue.huey.immediate = False
    assert only_evidence(app).extraction_status == "done"
    with app.app_context():
        assert db.session.scalar(select(OutboxEffect).where(OutboxEffect.kind == "extract")) is None


def test_a_job_still_beating_is_not_taken_from_its_worker(app, editor):
    upload(editor, "กำลังทำ.txt", THAI.encode())
    evidence_id = only_evidence(app).id
    dead_worker_left(app, evidence_id, seconds_ago=5)  # a live worker's last beat
    queue.huey.immediate = True
    try:
        with app.app_context():
            tasks.sweep(check=False)
            assert not run_extraction(evidence_id)  # another job's claim: not done, tried later
            row_id = db.session.scalar(select(OutboxEffect.id).where(OutboxEffect.kind == "extract"))
            db.session.rollback()
            tasks.extract_evidence_task.call_local(evidence_id, [row_id])  # a copy of the live job
    finally:
        queue.huey.immediate = False
    assert only_evidence(app).extraction_status == "extracting"
    with app.app_context():
        row = db.session.scalar(select(OutboxEffect).where(OutboxEffect.kind == "extract"))
        assert row is not None  # the live job's row: only that job, or the sweep once it dies, finishes it


def test_a_superseded_extraction_keeps_the_newer_file(app, editor):
    """The file is replaced while the first extraction runs: the first outcome is
    dropped, and the second extraction reads the new file."""
    upload(editor, "ฉบับแรก.txt", "ฉบับแรกของแผน".encode())
    evidence_id = only_evidence(app).id
    with app.app_context():
        from portal.evidence.pipeline import _finish, claim

        first = claim(evidence_id)
        evidence = db.session.get(Evidence, evidence_id)
        evidence.extraction_status = "queued"  # what replace_file does, with a new version
        db.session.commit()
        second = claim(evidence_id)
        assert first and second and first != second
        _finish(first, "done", pages=[])
        assert db.session.get(Evidence, evidence_id).extraction_status == "extracting"  # the first dropped
        db.session.rollback()
        _finish(second, "failed", error="ทดสอบ")
        assert db.session.get(Evidence, evidence_id).extraction_status == "failed"


def test_missing_file_fails_with_a_reason_and_can_be_retried(app, editor):
    upload(editor, "หายไป.txt", THAI.encode())
    from portal.evidence.storage import BlobStore

    with app.app_context():
        evidence = db.session.scalar(select(Evidence))
        path = BlobStore(app.config["UPLOAD_DIR"]).path_for(evidence.versions[0].sha256)
    content = path.read_bytes()
    path.unlink()
    with app.app_context():
        run_extraction(evidence.id)
        failed = db.session.get(Evidence, evidence.id)
        assert failed.extraction_status == "failed" and "ไม่พบไฟล์" in failed.extraction_error
    status = editor.get(f"/evidence/{evidence.id}/status").get_data(as_text=True)
    assert "ดึงข้อความไม่สำเร็จ" in status and "ลองใหม่" in status
    path.write_bytes(content)
    retry = editor.post(f"/evidence/{evidence.id}/retry", headers={"HX-Request": "true", "X-CSRFToken": editor.token})
    assert retry.status_code == 200 and "รอคิว" in retry.get_data(as_text=True)
    with app.app_context():
        run_extraction(evidence.id)
        assert db.session.get(Evidence, evidence.id).extraction_status == "done"
    again = editor.post(f"/evidence/{evidence.id}/retry", headers={"HX-Request": "true", "X-CSRFToken": editor.token})
    assert again.status_code == 422
