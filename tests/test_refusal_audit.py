"""Refused and failed actions leave audit events, and a flood of them cannot fill the log."""
import io

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Evidence, User
from tests.helpers import login, signed_in
from tests.test_access_matrix import world  # noqa: F401  (a fixture)

CAP = 20  # the default AUDIT_REFUSAL_LIMIT: "20 per 10 minutes"


def events(app, action):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


def user_id(app, username):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def upload(client, world, name, content, htmx=True):
    ids = world["ids"]
    headers = {"X-CSRFToken": client.token, **({"HX-Request": "true"} if htmx else {})}
    return client.post(f"/agencies/{ids['agency_id']}/items/{ids['item_id']}/files",
                       data={"files": [(io.BytesIO(content), name)]}, headers=headers,
                       content_type="multipart/form-data")


def test_another_agencys_object_is_audited_as_hidden(app, world):
    outsider = signed_in(app, world["usernames"]["outsider"])
    ids = world["ids"]
    assert outsider.get(f"/evidence/{ids['evidence_id']}").status_code == 404
    assert outsider.get(f"/agencies/{ids['agency_id']}").status_code == 404
    assert outsider.post(f"/threads/{ids['thread_id']}/replies",
                         data={"body": "แอบตอบ", "csrf_token": outsider.token}).status_code == 404
    hidden = events(app, "object_hidden")
    assert [(e.object_type, e.object_id) for e in hidden] == [
        ("evidence", ids["evidence_id"]), ("agency", ids["agency_id"]), ("thread", ids["thread_id"])]
    assert all(e.agency_id == ids["agency_id"] for e in hidden)
    assert all(e.actor_id == user_id(app, "m-outsider") for e in hidden)
    assert hidden[2].details["method"] == "POST" and hidden[2].details["status"] == 404


def test_an_id_that_does_not_exist_is_not_an_attack(app, world):
    outsider = signed_in(app, world["usernames"]["outsider"])
    assert outsider.get("/evidence/999999").status_code == 404
    assert outsider.get("/no-such-page").status_code == 404
    assert events(app, "object_hidden") == []


def test_a_missing_right_is_audited_with_the_thai_reason(app, world):
    viewer = signed_in(app, world["usernames"]["viewer"])
    assert viewer.get("/admin/users").status_code == 403
    denied = events(app, "access_denied")
    assert len(denied) == 1
    assert denied[0].actor_id == user_id(app, "m-viewer")
    assert denied[0].details["path"] == "/admin/users" and "สิทธิ์" in denied[0].details["reason"]
    assert denied[0].agency_id is None


@pytest.mark.parametrize("htmx", [True, False])
def test_refused_uploads_are_audited_with_their_reason(app, world, htmx):
    editor = signed_in(app, world["usernames"]["editor"])
    with app.app_context():
        before = db.session.scalar(select(func.count(Evidence.id)))
    response = upload(editor, world, "page.html", b"<!DOCTYPE html><html><script>x</script></html>", htmx)
    assert response.status_code == 415
    response = upload(editor, world, "empty.txt", b"", htmx)
    assert response.status_code == 422
    refused = events(app, "upload_refused")
    assert [e.details["status"] for e in refused] == [415, 422]
    assert "page.html" in refused[0].details["reason"] and refused[0].details["files"] == ["page.html"]
    assert "ว่าง" in refused[1].details["reason"]
    assert refused[0].actor_id == user_id(app, "m-editor")
    assert refused[0].agency_id == world["ids"]["agency_id"]
    assert events(app, "evidence_added") == []  # the refusal's audit commit saved nothing else
    with app.app_context():
        assert db.session.scalar(select(func.count(Evidence.id))) == before


def test_an_upload_over_the_size_limit_is_audited(app, world):
    editor = signed_in(app, world["usernames"]["editor"])
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        assert upload(editor, world, "ใหญ่.txt", ("ก" * 5000).encode()).status_code == 413
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 50 * 1024 * 1024
    [refused] = events(app, "upload_refused")
    assert refused.details["status"] == 413 and refused.details["content_length"] > 4096
    assert "ใหญ่เกิน 4.0 KB" in refused.details["reason"]  # the limit, named (portal.templating.too_large_message)


def test_rate_limited_sign_ins_are_audited(app, world):
    anonymous = app.test_client()
    for _ in range(5):
        assert login(anonymous, "m-viewer", password="wrong").status_code == 401
    assert login(anonymous, "m-viewer", password="wrong").status_code == 429
    assert len(events(app, "login_failed")) == 5
    [limited] = events(app, "rate_limited")
    assert limited.actor_id is None and limited.ip_address == "127.0.0.1"
    assert limited.details["path"] == "/auth/login"


def test_a_flood_of_refusals_is_logged_up_to_the_cap_then_counted(app, world):
    outsider = signed_in(app, world["usernames"]["outsider"])
    evidence_id = world["ids"]["evidence_id"]
    floods = CAP + 37
    for _ in range(floods):
        assert outsider.get(f"/evidence/{evidence_id}").status_code == 404
    assert len(events(app, "object_hidden")) == CAP
    [summary] = events(app, "refusals_suppressed")
    assert summary.details["of_action"] == "object_hidden"
    assert summary.details["suppressed"] == floods - CAP
    assert summary.actor_id == user_id(app, "m-outsider")
    # Another user's refusals are counted on their own.
    viewer = signed_in(app, world["usernames"]["viewer"])
    assert viewer.get("/admin/users").status_code == 403
    assert len(events(app, "access_denied")) == 1


def test_failed_sign_ins_from_one_address_are_capped_too(app, world):
    app.config.update(LOGIN_LIMIT_PER_ADDRESS="1000 per minute")
    try:
        client = app.test_client()
        for attempt in range(CAP + 5):
            assert login(client, f"guess-{attempt}", password="x").status_code == 401
    finally:
        app.config.update(LOGIN_LIMIT_PER_ADDRESS="30 per 15 minutes")
    failed = events(app, "login_failed")
    assert len(failed) == CAP and failed[0].actor_name == "guess-0"
    [summary] = events(app, "refusals_suppressed")
    assert summary.details == {**summary.details, "of_action": "login_failed", "suppressed": 5}
    assert summary.ip_address == "127.0.0.1" and summary.actor_id is None


def test_refusals_show_in_the_audit_log_with_thai_labels(app, world):
    outsider = signed_in(app, world["usernames"]["outsider"])
    outsider.get(f"/evidence/{world['ids']['evidence_id']}")
    admin = signed_in(app, world["usernames"]["admin"])
    page = admin.get("/admin/audit?action=object_hidden").get_data(as_text=True)
    assert "เรียกข้อมูลของส่วนราชการอื่น" in page and "m-outsider" in page
