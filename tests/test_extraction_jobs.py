"""Background extraction: status moves queued → extracting → done/failed, pages are
stored, a killed job runs again, a failed one can be retried."""
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal import queue, tasks
from portal.admin import operations as admin_ops
from portal.evidence.pipeline import run_extraction
from portal.extensions import db
from portal.models import ChecklistItem, Evidence, SubItem
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
    assert "ดึงข้อความแล้ว 1 หน้า" in status and "hx-trigger" not in status  # polling stops


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


def test_a_job_killed_mid_extraction_runs_again(app, editor):
    upload(editor, "ค้าง.txt", THAI.encode())
    evidence_id = only_evidence(app).id
    with app.app_context():
        evidence = db.session.get(Evidence, evidence_id)
        # What a worker killed mid-job leaves behind.
        evidence.extraction_status = "extracting"
        evidence.extraction_started_at = datetime.now(timezone.utc) - timedelta(hours=1)
        db.session.commit()
    queue.huey.immediate = True
    try:
        with app.app_context():
            requeued = tasks.requeue_interrupted()
    finally:
        queue.huey.immediate = False
    assert requeued == [evidence_id]
    assert only_evidence(app).extraction_status == "done"


def test_a_recent_job_is_not_taken_from_a_live_worker(app, editor):
    upload(editor, "กำลังทำ.txt", THAI.encode())
    evidence_id = only_evidence(app).id
    with app.app_context():
        evidence = db.session.get(Evidence, evidence_id)
        evidence.extraction_status = "extracting"
        evidence.extraction_started_at = datetime.now(timezone.utc)
        db.session.commit()
        assert tasks.requeue_interrupted() == []
        run_extraction(evidence_id)  # another worker's job: this one does not claim it
        assert db.session.get(Evidence, evidence_id).extraction_status == "extracting"


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
