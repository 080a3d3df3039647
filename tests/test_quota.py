"""Storage quota per agency: what counts, the admin's limit, uploads past it refused (507) with
the figures and nothing stored, and two uploads at once never passing it together."""
import hashlib
import io
import threading
import time
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.evidence import quota
from portal.errors import Refused
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.models import Agency, AuditEvent, Evidence
from tests.helpers import form_version, make_user, signed_in
from tests.test_evidence import counts, ws  # noqa: F401  (fixture)

KB = 1024


def content(size: int) -> bytes:
    """Text bytes of exactly `size`, never seen before (so no earlier test stored them)."""
    head = f"ข้อความ {uuid.uuid4()} ".encode()
    return (head + b"x" * size)[:size]


def post_upload(client, ws, files, htmx=True):  # noqa: F811
    url = f"/agencies/{ws['a']}/items/{ws['items']['B1']}/files"
    data = {"files": [(io.BytesIO(body), name) for name, body in files]}
    if htmx:
        return client.post(url, data=data, content_type="multipart/form-data",
                           headers={"HX-Request": "true", "X-CSRFToken": client.token})
    return client.post(url, data={**data, "csrf_token": client.token}, content_type="multipart/form-data")


def replace(client, evidence_id, name, body):
    version = form_version(client, f"/evidence/{evidence_id}", f"/evidence/{evidence_id}/replace")
    return client.post(f"/evidence/{evidence_id}/replace", data={"file": (io.BytesIO(body), name), "version": version},
                       headers={"HX-Request": "true", "X-CSRFToken": client.token},
                       content_type="multipart/form-data")


def set_quota(app, agency_id, size: int | None):
    with app.app_context():
        db.session.get(Agency, agency_id).storage_quota_bytes = size
        db.session.commit()


def used(app, agency_id) -> quota.Usage:
    with app.app_context():
        return quota.usage(db.session.get(Agency, agency_id))


def evidence_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Evidence.id).order_by(Evidence.id)))


def test_refusal_message_has_the_figures():
    mb = quota.MB
    message = quota.refusal("แผน.pdf", int(48.2 * mb), 50 * mb, int(3.1 * mb))
    assert "ใช้ไปแล้ว 48.2 MB จาก 50.0 MB" in message and "“แผน.pdf” มีขนาด 3.1 MB" in message
    assert quota.refusal("a", 49 * mb, 50 * mb, mb) is None  # exactly full is allowed
    assert quota.refusal("a", 10**12, None, 10**9) is None  # no limit


@pytest.mark.parametrize("text,expected", [("", None), (" 500 ", Decimal(500)), ("0.5", Decimal("0.5")),
                                           ("1,024", Decimal(1024))])
def test_admin_limits_are_read_in_megabytes(text, expected):
    assert quota.parse_megabytes(text) == expected


@pytest.mark.parametrize("text", ["abc", "0", "-5", "NaN", "Infinity", "1e30"])
def test_bad_limits_are_refused(text):
    with pytest.raises(Refused) as refused:
        quota.parse_megabytes(text)
    assert refused.value.status == 422 and "โควตาพื้นที่" in refused.value.message


def test_usage_counts_each_kept_file_once_trash_and_versions_included(app, ws):  # noqa: F811
    editor, other = signed_in(app, "ev-editor"), signed_in(app, "ev-other")
    first, second = content(3 * KB), content(5 * KB)
    post_upload(editor, ws, [("a.txt", first), ("b.txt", first)])  # the same bytes twice: b is asked about
    (a_id,) = evidence_ids(app)
    kept = editor.post(f"/agencies/{ws['a']}/items/{ws['items']['B1']}/duplicates/{a_id}",
                       data={"choice": "copy", "name": "b.txt"},
                       headers={"HX-Request": "true", "X-CSRFToken": editor.token})
    assert kept.status_code == 200  # a second evidence of the same bytes, kept on purpose
    assert used(app, ws["a"]).used == 3 * KB
    a_id, b_id = evidence_ids(app)
    assert replace(editor, a_id, "a2.txt", second).status_code == 200  # the first version is kept
    assert used(app, ws["a"]).used == 8 * KB
    editor.post(f"/evidence/{b_id}/delete", headers={"HX-Request": "true", "X-CSRFToken": editor.token})
    assert used(app, ws["a"]) == quota.Usage(8 * KB, 0, None)  # a's first version still holds those bytes
    editor.post(f"/evidence/{a_id}/delete", headers={"HX-Request": "true", "X-CSRFToken": editor.token})
    assert used(app, ws["a"]) == quota.Usage(8 * KB, 8 * KB, None)  # all in the trash, all still counted
    # Another agency holding the same bytes is charged for them too; A's figure does not move.
    other_ws = {**ws, "a": ws["b"]}
    assert post_upload(other, other_ws, [("copy.txt", first)]).status_code == 200
    assert used(app, ws["b"]).used == 3 * KB and used(app, ws["a"]).used == 8 * KB


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-form"])
def test_upload_past_the_quota_is_507_with_figures_and_nothing_stored(app, ws, htmx):  # noqa: F811
    editor = signed_in(app, "ev-editor")
    kept = content(6 * KB)
    assert post_upload(editor, ws, [("มีแล้ว.txt", kept)]).status_code == 200
    set_quota(app, ws["a"], 10 * KB)
    extra = content(5 * KB)
    before = counts(app)
    response = post_upload(editor, ws, [("เกิน.txt", extra)], htmx=htmx)
    body = response.get_data(as_text=True)
    assert response.status_code == 507
    assert "ใช้ไปแล้ว 6.0 KB จาก 10.0 KB" in body and "“เกิน.txt” มีขนาด 5.0 KB" in body
    assert counts(app) == before
    assert not BlobStore(app.config["UPLOAD_DIR"]).exists(hashlib.sha256(extra).hexdigest())
    # Bytes the agency already keeps cost nothing, so they are still accepted; a file that fits is too.
    assert post_upload(editor, ws, [("สำเนา.txt", kept)]).status_code == 200
    assert post_upload(editor, ws, [("พอดี.txt", content(4 * KB))]).status_code == 200
    assert used(app, ws["a"]).used == 10 * KB


def test_several_files_in_one_upload_are_counted_together(app, ws):  # noqa: F811
    editor = signed_in(app, "ev-editor")
    set_quota(app, ws["a"], 10 * KB)
    response = post_upload(editor, ws, [("หนึ่ง.txt", content(6 * KB)), ("สอง.txt", content(6 * KB))])
    assert response.status_code == 507 and "ใช้ไปแล้ว 6.0 KB" in response.get_data(as_text=True)
    assert counts(app)[0] == 0  # the whole upload is refused, the first file too


def test_replacement_past_the_quota_keeps_the_current_version(app, ws):  # noqa: F811
    editor = signed_in(app, "ev-editor")
    first = content(6 * KB)
    post_upload(editor, ws, [("ฉบับแรก.txt", first)])
    set_quota(app, ws["a"], 10 * KB)
    (evidence_id,) = evidence_ids(app)
    response = replace(editor, evidence_id, "ฉบับสอง.txt", content(5 * KB))
    assert response.status_code == 507 and "ใช้ไปแล้ว 6.0 KB จาก 10.0 KB" in response.get_data(as_text=True)
    assert editor.get(f"/evidence/{evidence_id}/download").data == first


def test_configured_default_applies_to_agencies_without_their_own(app, ws, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "AGENCY_QUOTA_MB", 0.01)  # 10.24 KB
    editor = signed_in(app, "ev-editor")
    assert post_upload(editor, ws, [("ใหญ่.txt", content(11 * KB))]).status_code == 507
    set_quota(app, ws["a"], 20 * KB)  # the agency's own limit wins
    assert post_upload(editor, ws, [("ใหญ่.txt", content(11 * KB))]).status_code == 200


def test_two_uploads_at_once_never_pass_the_quota_together(app, ws, monkeypatch):  # noqa: F811
    set_quota(app, ws["a"], 10 * KB)
    clients = [signed_in(app, "ev-editor"), signed_in(app, "ev-editor")]
    original_save = BlobStore.save

    def slow_save(self, stream, max_size=None):
        time.sleep(0.4)  # both requests are past their checks' start while the first stores
        return original_save(self, stream, max_size)

    monkeypatch.setattr(BlobStore, "save", slow_save)
    barrier, statuses = threading.Barrier(2), []

    def send(client, n):
        barrier.wait()
        statuses.append(post_upload(client, ws, [(f"พร้อมกัน{n}.txt", content(6 * KB))]).status_code)

    threads = [threading.Thread(target=send, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 507]
    assert used(app, ws["a"]).used == 6 * KB and counts(app)[0] == 1


def test_admin_sets_the_limit_and_both_sides_see_the_usage(app, ws):  # noqa: F811
    with app.app_context():
        make_user("quota-admin", ("admin", None))
    admin, editor = signed_in(app, "quota-admin"), signed_in(app, "ev-editor")
    post_upload(editor, ws, [("รายงาน.txt", content(3 * KB))])

    def save(limit_text):
        url = f"/admin/agencies/{ws['a']}"
        version = form_version(admin, f"{url}/edit", url, {"HX-Request": "true"})
        return admin.post(url, headers={"HX-Request": "true", "X-CSRFToken": admin.token},
                          data={"code": "EV-A", "name": "ส่วนราชการทดสอบ EV-A", "kind": "department",
                                "unit_type": "service", "active": "y", "storage_quota_mb": limit_text,
                                "version": version})

    for bad in ("ห้าสิบ", "-1"):
        response = save(bad)
        assert response.status_code == 422 and "โควตาพื้นที่" in response.get_data(as_text=True)
        assert used(app, ws["a"]).limit is None
    response = save("0.5")
    assert response.status_code == 200 and "3.0 KB / 512.0 KB" in response.get_data(as_text=True)
    assert used(app, ws["a"]).limit == 512 * KB
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "agency_quota_set"))
        assert event.details == {"from": None, "to": 512 * KB} and event.actor_name == "quota-admin"
    assert 'value="0.5"' in admin.get(f"/admin/agencies/{ws['a']}/edit").get_data(as_text=True)
    assert "3.0 KB / 512.0 KB" in admin.get("/admin/agencies").get_data(as_text=True)
    dashboard = editor.get(f"/agencies/{ws['a']}").get_data(as_text=True)
    assert "พื้นที่จัดเก็บไฟล์: " in dashboard and "ใช้ไปแล้ว <strong>3.0 KB</strong> จาก 512.0 KB (1%)" in dashboard
    assert save("").status_code == 200 and used(app, ws["a"]).limit is None  # back to the default
    assert "(ไม่จำกัดโควตา)" in editor.get(f"/agencies/{ws['a']}").get_data(as_text=True)
    # Editors cannot set it: the admin pages are admins' only.
    assert editor.post(f"/admin/agencies/{ws['a']}", headers={"X-CSRFToken": editor.token},
                       data={"storage_quota_mb": "99999"}).status_code == 403
