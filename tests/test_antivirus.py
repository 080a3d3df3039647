"""Uploads scanned by a real clamd (tests/clamd.py) through the upload routes, htmx and plain
form: clean files stored, infected ones refused (422) and audited, and nothing stored while
the scanner is down (503) — the bytes never reach the upload folder."""
import hashlib
import io
import socket
import threading
import uuid

import pytest
from docx import Document
from sqlalchemy import select

from portal.evidence import antivirus
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.models import AuditEvent, Evidence
from tests.clamd import EICAR, SIGNATURE, STREAM_MAX_BYTES, clamd  # noqa: F401  (fixture)
from tests.helpers import form_version, signed_in
from tests.test_evidence import THAI_TEXT, counts, ws  # noqa: F401  (fixture)

INFECTED_TEXT = "รายงานประจำปี\n".encode() + EICAR + b"\n"


@pytest.fixture
def scanning(app, clamd, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "CLAMD_URL", clamd.url)
    monkeypatch.setitem(app.config, "CLAMD_TIMEOUT_SECONDS", 10.0)
    return clamd


def post_upload(client, ws, name: str, content: bytes, htmx: bool):  # noqa: F811
    url = f"/agencies/{ws['a']}/items/{ws['items']['B1']}/files"
    data = {"files": [(io.BytesIO(content), name)]}
    if htmx:
        return client.post(url, data=data, content_type="multipart/form-data",
                           headers={"HX-Request": "true", "X-CSRFToken": client.token})
    return client.post(url, data={**data, "csrf_token": client.token}, content_type="multipart/form-data")


def nothing_reached_the_store(app, content: bytes) -> bool:
    """Neither the file under its hash nor a temporary upload is in the upload folder."""
    store = BlobStore(app.config["UPLOAD_DIR"])
    return not store.exists(hashlib.sha256(content).hexdigest()) and not store.stale_temporaries()


def infected_docx() -> bytes:
    document = Document()
    document.add_paragraph("แผนปฏิบัติราชการ")
    document.add_paragraph(EICAR.decode())
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_clean_file_is_scanned_then_stored(app, ws, scanning, htmx):  # noqa: F811
    editor = signed_in(app, "ev-editor")
    response = post_upload(editor, ws, "แผนยุทธศาสตร์.txt", THAI_TEXT.encode(), htmx)
    assert response.status_code == (200 if htmx else 302)
    assert counts(app)[0] == 1
    assert scanning.scanned_streams() == 1  # clamd itself saw the bytes


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
@pytest.mark.parametrize("name,content", [("รายงาน.txt", INFECTED_TEXT), ("แผน.docx", None)],
                         ids=["text", "inside-docx"])
def test_infected_file_is_refused_422_audited_and_never_stored(app, ws, scanning, htmx, name, content):  # noqa: F811
    editor = signed_in(app, "ev-editor")
    before = counts(app)
    content = content or infected_docx()
    response = post_upload(editor, ws, name, content, htmx)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "มีไวรัสหรือมัลแวร์" in body and SIGNATURE in body and name in body
    assert counts(app) == before and nothing_reached_the_store(app, content)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "upload_refused"))
        assert event is not None and event.agency_id == ws["a"] and event.actor_name == "ev-editor"
        assert event.details["files"] == [name] and event.details["status"] == 422
        assert SIGNATURE in event.details["reason"] and name in event.details["reason"]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_scanner_down_refuses_503_and_stores_nothing(app, ws, scanning, htmx):  # noqa: F811
    editor = signed_in(app, "ev-editor")
    content = f"{THAI_TEXT} {uuid.uuid4()}".encode()  # bytes no earlier test stored
    scanning.stop()
    response = post_upload(editor, ws, "แผน.txt", content, htmx)
    assert response.status_code == 503
    assert "ระบบตรวจไวรัสไม่พร้อมใช้งาน" in response.get_data(as_text=True)
    assert counts(app)[0] == 0 and nothing_reached_the_store(app, content)
    scanning.start()  # back up: uploads go through again
    assert post_upload(editor, ws, "แผน.txt", THAI_TEXT.encode(), htmx=True).status_code == 200


def test_scanner_that_never_answers_times_out_503(app, ws, monkeypatch):  # noqa: F811
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    monkeypatch.setitem(app.config, "CLAMD_URL", f"tcp://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.setitem(app.config, "CLAMD_TIMEOUT_SECONDS", 0.5)
    try:
        response = post_upload(signed_in(app, "ev-editor"), ws, "แผน.txt", THAI_TEXT.encode(), htmx=True)
    finally:
        listener.close()
    assert response.status_code == 503 and counts(app)[0] == 0


def test_file_longer_than_the_scanner_accepts_is_413(app, ws, scanning):  # noqa: F811
    editor = signed_in(app, "ev-editor")
    response = post_upload(editor, ws, "ใหญ่.txt", ("ก" * (STREAM_MAX_BYTES // 2)).encode(), htmx=True)
    assert response.status_code == 413
    assert "ใหญ่เกินขนาดที่ระบบตรวจไวรัสตรวจได้" in response.get_data(as_text=True)
    assert counts(app)[0] == 0


def test_infected_replacement_keeps_the_current_version(app, ws, scanning):  # noqa: F811
    editor = signed_in(app, "ev-editor")
    assert post_upload(editor, ws, "ฉบับแรก.txt", THAI_TEXT.encode(), htmx=True).status_code == 200
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
    version = form_version(editor, f"/evidence/{evidence_id}", f"/evidence/{evidence_id}/replace")
    response = editor.post(f"/evidence/{evidence_id}/replace",
                           data={"file": (io.BytesIO(INFECTED_TEXT), "ฉบับสอง.txt"), "version": version},
                           headers={"HX-Request": "true", "X-CSRFToken": editor.token},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and SIGNATURE in response.get_data(as_text=True)
    assert editor.get(f"/evidence/{evidence_id}/download").data == THAI_TEXT.encode()
    with app.app_context():
        assert len(db.session.get(Evidence, evidence_id).versions) == 1


def test_bulk_import_refuses_the_infected_file_only(app, ws, scanning, tmp_path):  # noqa: F811
    (tmp_path / "ดี.txt").write_bytes(THAI_TEXT.encode())
    (tmp_path / "ติดเชื้อ.txt").write_bytes(INFECTED_TEXT)
    result = app.test_cli_runner().invoke(args=["evidence", "import", "--agency", "EV-A", str(tmp_path)])
    assert result.exit_code == 1 and "สำเร็จ 1 ไฟล์, ไม่สำเร็จ 1 ไฟล์" in result.output
    assert SIGNATURE in result.output
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "upload_refused"))
        assert event.actor_name == "ระบบ" and event.details["files"] == ["ติดเชื้อ.txt"]
        assert SIGNATURE in event.details["reason"]


@pytest.mark.parametrize("reply,expected", [
    ("stream: OK", None),
    ("stream: Win.Test.EICAR_HDB-1 FOUND", "Win.Test.EICAR_HDB-1"),
])
def test_replies_are_read(reply, expected):
    assert antivirus.parse_reply(reply).signature == expected


@pytest.mark.parametrize("reply,error", [
    ("INSTREAM size limit exceeded. ERROR", antivirus.StreamTooLong),
    ("Can't allocate memory ERROR", antivirus.ScannerUnavailable),
    ("", antivirus.ScannerUnavailable),
])
def test_errors_are_told_apart(reply, error):
    with pytest.raises(error):
        antivirus.parse_reply(reply)


def test_addresses():
    assert antivirus.parse_address("/run/clamav/clamd.ctl") == (socket.AF_UNIX, "/run/clamav/clamd.ctl")
    assert antivirus.parse_address("unix:///run/clamav/clamd.ctl") == (socket.AF_UNIX, "/run/clamav/clamd.ctl")
    assert antivirus.parse_address("tcp://10.0.0.5:3310") == (socket.AF_INET, ("10.0.0.5", 3310))
    with pytest.raises(ValueError):
        antivirus.parse_address("http://clamd")
