"""Evidence on checklist items: uploads, links, attach/detach, edits, trash, versions,
downloads — and every bad input answered with the right status and a Thai message,
leaving what is stored untouched."""
import io
import re

import pytest
from sqlalchemy import func, select

from portal.admin import operations as admin_ops
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.models import AuditEvent, ChecklistItem, Evidence, FileVersion, SubItem
from tests.helpers import form_version, make_agency, make_user, signed_in

THAI_TEXT = "รายงานผลการดำเนินงานตามแผนยุทธศาสตร์ของส่วนราชการ ประจำปีงบประมาณ พ.ศ. 2569 KPI 95%"


@pytest.fixture
def ws(app):
    """Agency A with an editor and a viewer, agency B with an editor, a current cycle."""
    with app.app_context():
        a, b = make_agency("EV-A"), make_agency("EV-B")
        make_user("ev-editor", ("agency_editor", a))
        make_user("ev-viewer", ("agency_viewer", a))
        make_user("ev-other", ("agency_editor", b))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        items = {code: db.session.scalar(select(ChecklistItem.id).join(SubItem)
                                         .where(SubItem.code == "1.1", ChecklistItem.code == code))
                 for code in ("B1", "B2", "RB1")}
        return {"a": a.id, "b": b.id, "items": items}


def post(client, url, data=None, **kwargs):
    headers = {"HX-Request": "true", "X-CSRFToken": client.token}
    return client.post(url, data=data or {}, headers=headers, content_type=kwargs.pop("content_type", None), **kwargs)


def upload(client, ws, files, item="B1"):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/agencies/{ws['a']}/items/{ws['items'][item]}/files", data=data,
                       headers={"HX-Request": "true", "X-CSRFToken": client.token},
                       content_type="multipart/form-data")


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Evidence.id))),
                len(list(BlobStore(app.config["UPLOAD_DIR"]).all_hashes())))


def orphan_count(app) -> int:
    import re

    output = app.test_cli_runner().invoke(args=["storage", "check"]).output
    return int(re.search(r"ไฟล์กำพร้าพบ (\d+) ไฟล์", output).group(1))


def minimal_pdf() -> bytes:
    from pypdf import PdfWriter

    out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.write(out)
    return out.getvalue()


def test_upload_stores_by_hash_and_updates_coverage(app, ws):
    editor = signed_in(app, "ev-editor")
    response = upload(editor, ws, [("แผนยุทธศาสตร์ 2569.txt", THAI_TEXT.encode())])
    assert response.status_code == 200
    panel = response.get_data(as_text=True)
    assert "<html" not in panel and "มีหลักฐาน 1 รายการ" in panel and "แผนยุทธศาสตร์ 2569.txt" in panel
    with app.app_context():
        version = db.session.scalar(select(FileVersion))
        path = BlobStore(app.config["UPLOAD_DIR"]).path_for(version.sha256)
        assert path.read_bytes() == THAI_TEXT.encode()
        assert path.name == version.sha256 and "แผน" not in str(path)
        assert version.original_name == "แผนยุทธศาสตร์ 2569.txt"
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence_added"))


def test_same_bytes_are_stored_once(app, ws):
    editor = signed_in(app, "ev-editor")
    before = counts(app)[1]
    response = upload(editor, ws, [("a.txt", THAI_TEXT.encode()), ("b.txt", THAI_TEXT.encode())])
    evidence_count, blobs = counts(app)
    assert evidence_count == 1 and blobs in (before, before + 1)  # the second is asked about
    assert "“b.txt” เป็นไฟล์เดียวกับหลักฐาน" in response.get_data(as_text=True)


def duplicate_offer(page: str) -> tuple[str, str]:
    import re

    found = re.search(r'<form class="duplicate-offer card" method="post" action="([^"]+)".*?name="name" value="([^"]*)"',
                      page, re.S)
    assert found, "no duplicate offer in the panel"
    return found.group(1), found.group(2)


def test_uploading_a_file_the_agency_has_offers_to_attach_the_existing_evidence(app, ws):
    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("แผนยุทธศาสตร์.txt", THAI_TEXT.encode())], item="B1")
    again = upload(editor, ws, [("แผนยุทธศาสตร์ ฉบับส่งกอง.txt", THAI_TEXT.encode()),
                                ("อื่น.txt", "เอกสารอื่น".encode())], item="B2")
    page = again.get_data(as_text=True)
    assert again.status_code == 200 and "อัปโหลดแล้ว: อื่น.txt" in page
    assert "ไฟล์ซ้ำ:" in page and "ใช้อยู่กับ 1.1-B1" in page
    assert 'value="attach" checked' in page  # attaching the existing one is the default
    action, name = duplicate_offer(page)
    assert counts(app)[0] == 2  # nothing stored twice yet
    done = post(editor, action, {"choice": "attach", "name": name})
    assert done.status_code == 200 and "แนบหลักฐานเดิม “แผนยุทธศาสตร์” กับรายการ B2 แล้ว" in done.get_data(as_text=True)
    with app.app_context():
        evidence = db.session.scalar(select(Evidence).where(Evidence.title == "แผนยุทธศาสตร์"))
        assert sorted(a.checklist_item.code for a in evidence.attachments) == ["B1", "B2"]
        assert db.session.scalar(select(func.count(Evidence.id))) == 2
    # Answering again changes nothing more.
    assert "อยู่แล้ว" in post(editor, action, {"choice": "attach", "name": name}).get_data(as_text=True)


def test_a_duplicate_in_the_trash_is_restored_or_kept_as_a_copy_on_purpose(app, ws):
    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("คำสั่ง.txt", THAI_TEXT.encode())], item="B1")
    with app.app_context():
        first = db.session.scalar(select(Evidence.id))
    post(editor, f"/evidence/{first}/delete")
    page = upload(editor, ws, [("คำสั่ง.txt", THAI_TEXT.encode())], item="B2").get_data(as_text=True)
    assert "อยู่ในถังขยะ" in page and "(กู้คืนจากถังขยะ)" in page
    action, name = duplicate_offer(page)
    # A copy on purpose: a second evidence of the same bytes, stored once, extracted anew.
    kept = post(editor, action, {"choice": "copy", "name": name})
    assert kept.status_code == 200 and "เก็บ “คำสั่ง.txt” เป็นหลักฐานแยกจาก “คำสั่ง” แล้ว" in kept.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(select(Evidence).order_by(Evidence.id)).all()
        assert len(rows) == 2 and rows[0].deleted_at is not None and rows[1].deleted_at is None
        assert rows[1].current_version.sha256 == rows[0].current_version.sha256
        assert [a.checklist_item.code for a in rows[1].attachments] == ["B2"]
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence_added")
                                 .order_by(AuditEvent.id.desc())).details["copy_of"] == first
    # Attaching restores the trashed one.
    restored = post(editor, action, {"choice": "attach", "name": name})
    assert restored.status_code == 200
    with app.app_context():
        assert db.session.get(Evidence, first).deleted_at is None
    # A choice that is neither is refused in Thai; another agency's evidence is not found.
    assert post(editor, action, {"choice": "both"}).status_code == 422
    other = signed_in(app, "ev-other")
    assert post(other, action, {"choice": "attach"}).status_code == 404
    assert post(signed_in(app, "ev-viewer"), action, {"choice": "attach"}).status_code == 403


def test_several_files_at_once(app, ws):
    editor = signed_in(app, "ev-editor")
    response = upload(editor, ws, [("หนึ่ง.txt", "หนึ่ง".encode()), ("สอง.txt", "สอง".encode())])
    assert "มีหลักฐาน 2 รายการ" in response.get_data(as_text=True)


@pytest.mark.parametrize("name,content,status,message", [
    ("empty.txt", b"", 422, "ว่าง"),
    ("virus.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, 415, ""),
    ("แผน.docx", None, 415, ""),
    ("page.html", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", 415, ""),
    ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 415, ""),
    ("ชื่อ\u202egnp.exe.txt", b"hello", 422, ""),
    ("x" * 300 + ".txt", b"hello", 422, ""),
    ("bad\r\nname.txt", b"hello", 422, ""),
])
def test_bad_files_are_refused_and_nothing_is_stored(app, ws, name, content, status, message):
    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("keep.txt", "เดิม".encode())])
    before = counts(app)
    content = minimal_pdf() if content is None else content
    response = upload(editor, ws, [(name, content)])
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert 'role="alert"' in body and message in body and "มีหลักฐาน 1 รายการ" in body
    assert counts(app) == before


def test_truncated_pdf_is_refused(app, ws):
    editor = signed_in(app, "ev-editor")
    pdf = minimal_pdf()
    response = upload(editor, ws, [("ตัด.pdf", pdf[: len(pdf) // 2])])
    assert response.status_code == 422
    assert counts(app)[0] == 0


def test_file_over_the_size_limit_is_413(app, ws):
    editor = signed_in(app, "ev-editor")
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        response = upload(editor, ws, [("ใหญ่.txt", ("ก" * 5000).encode())])
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 50 * 1024 * 1024
    assert response.status_code == 413
    assert "ใหญ่เกิน" in response.get_data(as_text=True)
    assert counts(app)[0] == 0


def test_no_file_chosen_is_422(app, ws):
    editor = signed_in(app, "ev-editor")
    response = upload(editor, ws, [])
    assert response.status_code == 422 and "กรุณาเลือกไฟล์" in response.get_data(as_text=True)


def test_viewer_cannot_upload_and_other_agency_gets_404(app, ws):
    for username, status in (("ev-viewer", 403), ("ev-other", 404)):
        client = signed_in(app, username)
        response = upload(client, ws, [("x.txt", b"hello")])
        assert response.status_code == status
    assert counts(app)[0] == 0


def test_links(app, ws):
    editor = signed_in(app, "ev-editor")
    url = f"/agencies/{ws['a']}/items/{ws['items']['B1']}/links"
    good = post(editor, url, {"url": "https://www.opdc.go.th/ผลงาน", "title": "ผลงานบนเว็บไซต์"})
    assert good.status_code == 200 and "มีหลักฐาน 1 รายการ" in good.get_data(as_text=True)
    for bad, message in (("javascript:alert(1)", "http://"), ("data:text/html,x", "http://"),
                         ("file:///etc/passwd", "http://"), ("https://", "ชื่อเว็บไซต์")):
        response = post(editor, url, {"url": bad, "title": "ลิงก์"})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    no_title = post(editor, url, {"url": "https://example.go.th/", "title": " "})
    assert no_title.status_code == 422 and "กรุณากรอกชื่อลิงก์" in no_title.get_data(as_text=True)
    assert counts(app)[0] == 1
    # What was typed stays, in the open form, with the reason at it.
    kept = post(editor, url, {"url": "ftp://files.example.go.th/แผน.pdf", "title": "แผน <ฉบับร่าง>"}).get_data(as_text=True)
    assert '<details class="add-evidence" open>' in kept
    assert 'value="ftp://files.example.go.th/แผน.pdf"' in kept and 'value="แผน &lt;ฉบับร่าง&gt;"' in kept
    assert re.search(r'class="field-error" id="link-error-\d+" role="alert">[^<]*http', kept)


def test_attach_to_more_items_then_detach(app, ws):
    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("หลักฐานร่วม.txt", THAI_TEXT.encode())])
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
    picker = editor.get(f"/agencies/{ws['a']}/items/{ws['items']['B2']}/picker?q=ร่วม",
                        headers={"HX-Request": "true"})
    assert "หลักฐานร่วม" in picker.get_data(as_text=True)
    attached = post(editor, f"/agencies/{ws['a']}/items/{ws['items']['B2']}/attach", {"evidence_id": evidence_id})
    assert attached.status_code == 200 and "มีหลักฐาน 1 รายการ" in attached.get_data(as_text=True)
    again = post(editor, f"/agencies/{ws['a']}/items/{ws['items']['B2']}/attach", {"evidence_id": evidence_id})
    assert again.status_code == 422 and "อยู่แล้ว" in again.get_data(as_text=True)
    picker = editor.get(f"/agencies/{ws['a']}/items/{ws['items']['B2']}/picker", headers={"HX-Request": "true"})
    assert "หลักฐานร่วม" not in picker.get_data(as_text=True)
    detached = post(editor, f"/agencies/{ws['a']}/items/{ws['items']['B2']}/detach/{evidence_id}")
    assert detached.status_code == 200 and "ยังไม่มีหลักฐาน" in detached.get_data(as_text=True)
    still = editor.get(f"/agencies/{ws['a']}/items/{ws['items']['B1']}", headers={"HX-Request": "true"})
    assert "มีหลักฐาน 1 รายการ" in still.get_data(as_text=True)


def test_note_per_item_is_saved_and_escaped(app, ws):
    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("a.txt", THAI_TEXT.encode())])
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
    url = f"/agencies/{ws['a']}/items/{ws['items']['B1']}/note/{evidence_id}"
    panel = f"/agencies/{ws['a']}/items/{ws['items']['B1']}"
    version = form_version(editor, panel, url, {"HX-Request": "true"})
    response = post(editor, url, {"note": "ดูหน้า 3 <b>สำคัญ</b>", "version": version})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "หมายเหตุ: ดูหน้า 3 &lt;b&gt;" in body
    version = form_version(editor, panel, url, {"HX-Request": "true"})
    too_long = post(editor, url, {"note": "ก" * 1001, "version": version})
    assert too_long.status_code == 422 and "ยาวเกิน" in too_long.get_data(as_text=True)
    not_attached = post(editor, f"/agencies/{ws['a']}/items/{ws['items']['B2']}/note/{evidence_id}", {"note": "x"})
    assert not_attached.status_code == 404
    viewer = signed_in(app, "ev-viewer")
    assert post(viewer, url, {"note": "x"}).status_code == 403


def test_other_agencys_evidence_cannot_be_attached_or_seen(app, ws):
    other = signed_in(app, "ev-other")
    upload_url = f"/agencies/{ws['b']}/items/{ws['items']['B1']}/files"
    other.post(upload_url, data={"files": [(io.BytesIO("ของ B".encode()), "ลับของB.txt")]},
               headers={"HX-Request": "true", "X-CSRFToken": other.token}, content_type="multipart/form-data")
    with app.app_context():
        foreign_id = db.session.scalar(select(Evidence.id))
    editor = signed_in(app, "ev-editor")
    response = post(editor, f"/agencies/{ws['a']}/items/{ws['items']['B1']}/attach", {"evidence_id": foreign_id})
    assert response.status_code == 404
    for url in (f"/evidence/{foreign_id}", f"/evidence/{foreign_id}/download",
                f"/evidence/{foreign_id}/preview", f"/evidence/{foreign_id}/status"):
        page = editor.get(url)
        assert page.status_code == 404 and "ลับของB" not in page.get_data(as_text=True)
    picker = editor.get(f"/agencies/{ws['a']}/items/{ws['items']['B1']}/picker?q=ลับ", headers={"HX-Request": "true"})
    assert "ลับของB" not in picker.get_data(as_text=True)
    for action in ("delete", "restore", "replace", "retry"):
        assert post(editor, f"/evidence/{foreign_id}/{action}").status_code == 404


def test_edit_details_with_buddhist_era_date_and_escaping(app, ws):
    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("a.txt", THAI_TEXT.encode())])
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
    url = f"/evidence/{evidence_id}"
    saved = post(editor, url, {
        "title": "<script>alert('x')</script> รายงาน", "description": "สรุปผล\nบรรทัดสอง",
        "document_date": "15 มี.ค. 2569", "version": form_version(editor, url, url)})
    assert saved.status_code == 200
    page = editor.get(f"/evidence/{evidence_id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "15 มี.ค. 2569" in page
    version = form_version(editor, url, url)
    bad = post(editor, url, {"title": "x", "document_date": "31 ก.พ. 2569", "version": version})
    assert bad.status_code == 422 and "วันที่ของเอกสาร" in bad.get_data(as_text=True)
    empty = post(editor, url, {"title": "  ", "version": version})
    assert empty.status_code == 422 and "กรุณากรอกชื่อหลักฐาน" in empty.get_data(as_text=True)
    with app.app_context():
        evidence = db.session.get(Evidence, evidence_id)
        assert evidence.title.endswith("รายงาน") and evidence.document_date.year == 2026


def test_trash_and_restore_change_coverage(app, ws):
    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("a.txt", THAI_TEXT.encode())])
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
    panel_url = f"/agencies/{ws['a']}/items/{ws['items']['B1']}"
    assert post(editor, f"/evidence/{evidence_id}/delete").status_code == 200
    assert "ยังไม่มีหลักฐาน" in editor.get(panel_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "a" in editor.get(f"/agencies/{ws['a']}/trash").get_data(as_text=True)
    assert post(editor, f"/evidence/{evidence_id}/delete").status_code == 422
    assert post(editor, f"/evidence/{evidence_id}/restore").status_code == 200
    assert "มีหลักฐาน 1 รายการ" in editor.get(panel_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"evidence_deleted", "evidence_restored"} <= actions


def test_replace_keeps_earlier_versions(app, ws):
    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("ฉบับแรก.txt", "ฉบับแรก".encode())])
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
    response = editor.post(f"/evidence/{evidence_id}/replace",
                           data={"file": (io.BytesIO("ฉบับสอง".encode()), "ฉบับสอง.txt"),
                                 "version": form_version(editor, f"/evidence/{evidence_id}",
                                                         f"/evidence/{evidence_id}/replace")},
                           headers={"HX-Request": "true", "X-CSRFToken": editor.token},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "ฉบับที่ 2" in response.get_data(as_text=True)
    assert editor.get(f"/evidence/{evidence_id}/download").data == "ฉบับสอง".encode()
    assert editor.get(f"/evidence/{evidence_id}/download?version=1").data == "ฉบับแรก".encode()
    assert editor.get(f"/evidence/{evidence_id}/download?version=9").status_code == 404


def test_download_headers(app, ws):
    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("รายงาน ผล.txt", THAI_TEXT.encode()), ("แผน.pdf", minimal_pdf())])
    with app.app_context():
        txt_id, pdf_id = db.session.scalars(select(Evidence.id).order_by(Evidence.id)).all()
    download = editor.get(f"/evidence/{txt_id}/download")
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%E0%B8%A3" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert editor.get(f"/evidence/{txt_id}/preview").headers["Content-Disposition"].startswith("attachment;")
    preview = editor.get(f"/evidence/{pdf_id}/preview")
    assert preview.headers["Content-Disposition"].startswith("inline;")
    assert preview.mimetype == "application/pdf"
    viewer = signed_in(app, "ev-viewer")
    assert viewer.get(f"/evidence/{txt_id}/download").data == THAI_TEXT.encode()


def test_a_failed_commit_leaves_no_row_no_file_and_loses_no_file(app, ws, monkeypatch):
    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("เดิม.txt", "ไฟล์เดิม".encode())])
    before_evidence, before_blobs = counts(app)
    orphans_before = orphan_count(app)

    def broken_commit():
        raise RuntimeError("database went away")

    app.testing = False  # let the 500 page answer instead of raising into the test
    monkeypatch.setattr(db.session, "commit", broken_commit)
    try:
        response = upload(editor, ws, [("ใหม่.txt", "ไฟล์ใหม่".encode())])
    finally:
        monkeypatch.undo()
        app.testing = True
    assert response.status_code == 500
    evidence_count, blobs = counts(app)
    assert evidence_count == before_evidence  # no half-made row
    assert blobs == before_blobs  # the bytes stored before the transaction were removed again
    assert orphan_count(app) == orphans_before
    with app.app_context():
        version = db.session.scalar(select(FileVersion))
        assert BlobStore(app.config["UPLOAD_DIR"]).path_for(version.sha256).read_bytes() == "ไฟล์เดิม".encode()


def test_storage_check_reports_missing_files(app, ws):
    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("หาย.txt", "จะหาย".encode())])
    with app.app_context():
        version = db.session.scalar(select(FileVersion))
        BlobStore(app.config["UPLOAD_DIR"]).path_for(version.sha256).unlink()
    result = app.test_cli_runner().invoke(args=["storage", "check"])
    assert result.exit_code == 2 and "ไฟล์หาย" in result.output and "หาย.txt" in result.output


def test_bulk_import_reports_each_file(app, ws, tmp_path):
    folder = tmp_path / "หลักฐาน"
    folder.mkdir()
    (folder / "หนึ่ง.txt").write_text("หลักฐานหนึ่ง", encoding="utf-8")
    (folder / "สอง.csv").write_text("ตัวชี้วัด,ค่า\nKPI,95\n", encoding="utf-8")
    (folder / "ว่าง.txt").write_bytes(b"")
    result = app.test_cli_runner().invoke(args=[
        "evidence", "import", "--agency", "EV-A", "--item", "1.1-B1", "--item", "1.1-RB1", str(folder)])
    assert result.exit_code == 1
    assert "สำเร็จ 2 ไฟล์, ไม่สำเร็จ 1 ไฟล์" in result.output and "ว่าง.txt" in result.output
    with app.app_context():
        evidence = list(db.session.scalars(select(Evidence)))
        assert len(evidence) == 2 and all(len(e.attachments) == 2 for e in evidence)
    bad_item = app.test_cli_runner().invoke(args=["evidence", "import", "--agency", "EV-A", "--item", "9.9-B1", str(folder)])
    assert bad_item.exit_code != 0 and "ไม่พบรายการ 9.9-B1" in bad_item.output


def test_one_evidence_is_attached_to_several_items_across_sub_items_in_one_step(app, ws):
    import re

    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("คู่มือการปฏิบัติงาน.txt", THAI_TEXT.encode())], item="B1")
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
        wanted = {code: db.session.scalar(select(ChecklistItem.id).join(SubItem).where(
            SubItem.code == sub, ChecklistItem.code == item)) for code, (sub, item) in
            {"1.1-B2": ("1.1", "B2"), "2.3-B1": ("2.3", "B1"), "6.1-A1": ("6.1", "A1")}.items()}
    page = editor.get(f"/evidence/{evidence_id}").get_data(as_text=True)
    assert "แนบกับรายการอื่นด้วย" in page and "1.1-B2" in page  # nothing typed: its own sub-item's items
    assert re.search(r'value="%d" checked disabled' % ws["items"]["B1"], page)  # attached already
    # Search by code and by words.
    by_code = editor.get(f"/evidence/{evidence_id}/items?q=2.3-b", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "2.3-B1" in by_code and "1.1-B2" not in by_code and "<html" not in by_code
    by_words = editor.get(f"/evidence/{evidence_id}/items?q=ยุทธศาสตร์", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert re.findall(r"<b>([0-9.]+-[A-Z0-9]+)</b>", by_words)
    assert "ไม่พบรายการที่ตรงกับ" in editor.get(f"/evidence/{evidence_id}/items?q=ไม่มีคำนี้แน่นอน").get_data(as_text=True)

    done = post(editor, f"/evidence/{evidence_id}/items", {"item_id": list(wanted.values())})
    assert done.status_code == 200 and "แนบกับรายการแล้ว: 1.1-B2, 2.3-B1, 6.1-A1" in done.get_data(as_text=True)
    with app.app_context():
        codes = sorted(a.checklist_item.full_code for a in db.session.get(Evidence, evidence_id).attachments)
        assert codes == ["1.1-B1", "1.1-B2", "2.3-B1", "6.1-A1"]
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "evidence_attached")).all()
        assert sorted(e.details["item"] for e in events) == ["1.1-B2", "2.3-B1", "6.1-A1"]  # one event per item
    # Nothing chosen, or all attached already: 422 in Thai; an unknown id: 404; others: 403/404.
    assert post(editor, f"/evidence/{evidence_id}/items", {}).status_code == 422
    again = post(editor, f"/evidence/{evidence_id}/items", {"item_id": [wanted["2.3-B1"]]})
    assert again.status_code == 422 and "แนบกับรายการที่เลือกทั้งหมดอยู่แล้ว" in again.get_data(as_text=True)
    assert post(editor, f"/evidence/{evidence_id}/items", {"item_id": [999999]}).status_code == 404
    assert post(signed_in(app, "ev-viewer"), f"/evidence/{evidence_id}/items", {"item_id": [wanted["1.1-B2"]]}).status_code == 403
    assert post(signed_in(app, "ev-other"), f"/evidence/{evidence_id}/items", {"item_id": [wanted["1.1-B2"]]}).status_code == 404
    assert signed_in(app, "ev-other").get(f"/evidence/{evidence_id}/items?q=1.1").status_code == 404
