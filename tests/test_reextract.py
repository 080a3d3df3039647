"""`flask evidence reextract`: the repair run again over kept original text (PDF text
layers only, never an author's DOCX), or extraction queued again from the stored files;
an interrupted run continues where it stopped; the index follows through the commit hook."""
import io

import pytest
from sqlalchemy import select

from portal import queue, tasks
from portal.admin import operations as admin_ops
from portal.evidence import reextract
from portal.extensions import db
from portal.models import ChecklistItem, Evidence, SubItem
from tests import thai_documents as make
from tests.helpers import csrf_token, login, make_agency, make_user

DAMAGED = "ผูบ้รหิารก าหนดทศิทาง ขององค์การ"
REPAIRED = "ผู้บริหารกำหนดทิศทาง ขององค์การ"


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    """Runs record their progress here, not in the developer's instance folder."""
    path = tmp_path / "reextract-progress.json"
    monkeypatch.setattr(reextract, "_progress_path", lambda: path)
    return path


@pytest.fixture
def stored(app, tmp_path):
    """Two agencies' evidence, uploaded and extracted: a damaged PDF and an author's DOCX."""
    ids = {}
    with app.app_context():
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        item_id = db.session.scalar(select(ChecklistItem.id).join(SubItem).where(SubItem.code == "1.1"))
        for code in ("RE-A", "RE-B"):
            agency = make_agency(code)
            make_user(f"{code.lower()}-editor", ("agency_editor", agency))
            ids[code] = agency.id
        db.session.commit()
    files = {"pdf": make.pdf(tmp_path / "a.pdf", [DAMAGED]), "docx": make.docx(tmp_path / "a.docx", [DAMAGED])}
    evidence = {}
    for code, agency_id in ids.items():
        client = app.test_client()
        login(client, f"{code.lower()}-editor")
        token = csrf_token(client, "/")
        for kind, path in files.items():
            response = client.post(f"/agencies/{agency_id}/items/{item_id}/files",
                                   data={"files": [(io.BytesIO(path.read_bytes()), f"{code}.{kind}")]},
                                   headers={"HX-Request": "true", "X-CSRFToken": token},
                                   content_type="multipart/form-data")
            assert response.status_code == 200
            with app.app_context():
                evidence[(code, kind)] = db.session.scalar(select(Evidence.id).order_by(Evidence.id.desc()))
                db.session.commit()  # the task runs in a session of its own
                tasks.extract_evidence_task.call_local(evidence[(code, kind)])
    return evidence


def page(app, evidence_id):
    with app.app_context():
        return db.session.get(Evidence, evidence_id).pages[0]


def pending_index_ids() -> set[int]:
    return {i for task in queue.huey.pending() if task.name.endswith("index_evidence_task") for i in task.args[0]}


def test_extraction_kept_the_original_of_the_pdf_only(app, stored):
    pdf, docx = page(app, stored[("RE-A", "pdf")]), page(app, stored[("RE-A", "docx")])
    assert (pdf.text, pdf.original_text) == (REPAIRED, DAMAGED)
    assert (docx.text, docx.original_text) == (DAMAGED, None)  # the author's characters


def test_repair_only_rewrites_pdf_text_from_its_original_and_reindexes(app, stored):
    with app.app_context():  # what an older, worse repair left behind
        for code in ("RE-A", "RE-B"):
            db.session.get(Evidence, stored[(code, "pdf")]).pages[0].text = "ผู้บริหารก าหนด"
        db.session.commit()
    queue.huey.flush()
    result = app.test_cli_runner().invoke(args=["evidence", "reextract", "--repair-only", "--agency", "re-a"])
    assert result.exit_code == 0, result.output
    assert "ตรวจหลักฐาน 2 รายการ ข้อความเปลี่ยน 1 รายการ" in result.output
    assert "ต่อจากครั้งก่อน" not in result.output  # a first run resumes nothing
    assert page(app, stored[("RE-A", "pdf")]).text == REPAIRED
    assert page(app, stored[("RE-B", "pdf")]).text == "ผู้บริหารก าหนด"  # another agency: not asked for
    assert page(app, stored[("RE-A", "docx")]).text == DAMAGED
    assert pending_index_ids() == {stored[("RE-A", "pdf")]}  # queued by the commit hook


def test_an_interrupted_run_continues_where_it_stopped(app, stored, monkeypatch, progress_file):
    monkeypatch.setattr(reextract, "BATCH", 1)
    seen = []
    real = reextract.repair_again

    def failing_on_the_third(evidence):
        seen.append(evidence.id)
        if len(seen) == 3:
            raise KeyboardInterrupt
        return real(evidence)

    monkeypatch.setattr(reextract, "repair_again", failing_on_the_third)
    with app.app_context(), pytest.raises(KeyboardInterrupt):
        reextract.run(repair_only=True)
    first_two = seen[:2]
    monkeypatch.setattr(reextract, "repair_again", lambda evidence: seen.append(evidence.id) or real(evidence))
    result = app.test_cli_runner().invoke(args=["evidence", "reextract", "--repair-only"])
    assert result.exit_code == 0, result.output
    assert "ต่อจากครั้งก่อน: ทำไปแล้ว 2 จาก 4 รายการ" in result.output
    assert seen[3:] == sorted(set(stored.values()) - set(first_two))
    assert not progress_file.exists()  # finished: nothing left to resume


def test_full_reextraction_queues_every_file_and_the_worker_reads_them_again(app, stored):
    queue.huey.flush()
    result = app.test_cli_runner().invoke(args=["evidence", "reextract"])
    assert result.exit_code == 0, result.output
    assert "ส่งหลักฐาน 4 จาก 4 รายการเข้าคิวดึงข้อความใหม่" in result.output
    queued = {task.args[0] for task in queue.huey.pending() if task.name.endswith("extract_evidence_task")}
    assert queued == set(stored.values())
    with app.app_context():
        assert {e.extraction_status for e in db.session.scalars(select(Evidence))} == {"queued"}
        assert len(db.session.get(Evidence, stored[("RE-A", "pdf")]).pages) == 1  # still searchable meanwhile
        db.session.commit()  # the task runs in a session of its own
        for evidence_id in queued:
            tasks.extract_evidence_task.call_local(evidence_id)
    assert page(app, stored[("RE-B", "pdf")]).text == REPAIRED


def test_unknown_agency_is_refused_in_thai(app, stored):
    result = app.test_cli_runner().invoke(args=["evidence", "reextract", "--agency", "NOPE"])
    assert result.exit_code == 2 and "ไม่พบส่วนราชการรหัส NOPE" in result.output
