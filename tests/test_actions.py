"""The one way an action answers (portal.actions) and the edges of an upload: done → the
fragment and HX-Trigger (or a redirect with the message), refused → the form again for bad
input, the message area for everything else; 413 names the limit; an ended session sends
htmx to the login page."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Evidence, User
from tests.helpers import signed_in
from tests.test_evidence import counts, post, upload, ws  # noqa: F401  (ws is a fixture)


def test_done_answers_htmx_with_the_panel_and_the_signal_and_a_form_post_with_a_redirect(app, ws):
    editor = signed_in(app, "ev-editor")
    url = f"/agencies/{ws['a']}/items/{ws['items']['B1']}/links"
    link = {"url": "https://www.example.go.th/plan", "title": "แผนยุทธศาสตร์"}
    answer = post(editor, url, link)
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "coverage-changed"
    assert "เพิ่มลิงก์แล้ว" in answer.get_data(as_text=True) and "HX-Retarget" not in answer.headers
    plain = editor.post(url, data={**link, "csrf_token": editor.token})
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"#item-{ws['items']['B1']}")
    assert "เพิ่มลิงก์แล้ว" in editor.get(plain.headers["Location"]).get_data(as_text=True)  # flashed


def test_bad_input_comes_back_in_the_panel_and_other_refusals_in_the_message_area(app, ws):
    editor = signed_in(app, "ev-editor")
    bad = post(editor, f"/agencies/{ws['a']}/items/{ws['items']['B1']}/links", {"url": "ftp://x.go.th", "title": "x"})
    assert bad.status_code == 422 and "HX-Retarget" not in bad.headers
    assert f'id="item-{ws["items"]["B1"]}"' in bad.get_data(as_text=True)  # the panel, with the reason
    post(editor, f"/agencies/{ws['a']}/items/{ws['items']['B1']}/links",
         {"url": "https://www.example.go.th/a", "title": "แผน"})
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
    not_attached = post(editor, f"/agencies/{ws['a']}/items/{ws['items']['B2']}/detach/{evidence_id}")
    assert not_attached.status_code == 404 and not_attached.headers["HX-Retarget"] == "#messages"
    assert "ไม่ได้แนบกับรายการนี้" in not_attached.get_data(as_text=True)
    assert "HX-Trigger" not in not_attached.headers


def test_retry_refused_lands_in_the_message_area_not_in_the_status(app, ws):
    """It used to answer with the whole evidence page, swapped into the status box."""
    editor = signed_in(app, "ev-editor")
    upload(editor, ws, [("แผน.txt", "แผนยุทธศาสตร์".encode())])
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
    refused = post(editor, f"/evidence/{evidence_id}/retry")
    assert refused.status_code == 422 and refused.headers["HX-Retarget"] == "#messages"
    assert "evidence-page" not in refused.get_data(as_text=True)


@pytest.mark.parametrize("limit, words", [(2 * 1024 * 1024, "2 MB"), (4096, "4.0 KB")])
def test_a_request_over_the_limit_names_the_limit_in_the_message_area(app, ws, monkeypatch, limit, words):
    editor = signed_in(app, "ev-editor")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", limit)
    before = counts(app)
    response = upload(editor, ws, [("สแกน.pdf", b"%PDF-1.4" + b"0" * limit)])
    assert response.status_code == 413 and response.headers["HX-Retarget"] == "#messages"
    assert f"ไฟล์ใหญ่เกิน {words}" in response.get_data(as_text=True)
    assert counts(app) == before == (0, before[1])  # no row, no new file
    page = editor.get(f"/agencies/{ws['a']}/criteria/1/1.1").get_data(as_text=True)
    assert f'data-max-bytes="{limit}"' in page and f"ใหญ่เกิน {words}" in page  # what the browser checks first


def test_an_upload_after_the_session_ended_elsewhere_goes_to_sign_in(app, ws):
    editor = signed_in(app, "ev-editor")
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "ev-editor")).end_sessions()
        db.session.commit()
    response = upload(editor, ws, [("แผน.txt", "แผน".encode())])
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/auth/login")
    assert counts(app)[0] == 0


def test_an_upload_after_the_session_cookie_expired_goes_to_sign_in(app, ws):
    """The cookie took the form's CSRF token with it: sign-in, not a CSRF error, helps."""
    editor = signed_in(app, "ev-editor")
    editor.delete_cookie("session")
    response = upload(editor, ws, [("แผน.txt", "แผน".encode())])
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/auth/login")
    with app.app_context():
        assert db.session.scalar(select(func.count(Evidence.id))) == 0
