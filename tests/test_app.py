"""The skeleton: Thai error pages for full and htmx requests, CSRF, size limit, headers."""
import re

import pytest
from flask import request

from portal import create_app
from tests.conftest import make_test_app
from tests.helpers import login, make_user


def test_unknown_page_is_a_thai_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<html" in page and "ไม่พบหน้าที่ต้องการ" in page


def test_htmx_error_lands_in_the_message_area(client):
    response = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#messages"
    body = response.get_data(as_text=True)
    assert "<html" not in body and "ไม่พบหน้าที่ต้องการ" in body


def app_with_form_route(database_url, tmp_path, **config):
    app = make_test_app(database_url, tmp_path, **config)

    @app.post("/_form")
    def form():
        return {"received": len(request.form)}

    return app


def test_post_without_csrf_token_is_refused_in_thai(database_url, tmp_path):
    client = app_with_form_route(database_url, tmp_path).test_client()
    response = client.post("/_form", data={"x": "1"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert "แบบฟอร์มหมดอายุ" in response.get_data(as_text=True)


def test_request_over_the_size_limit_gets_413_in_thai(app, database_url, tmp_path):
    small = app_with_form_route(database_url, tmp_path, MAX_CONTENT_LENGTH=1024, WTF_CSRF_ENABLED=False)
    with app.app_context():
        make_user("uploader")
    client = small.test_client()
    assert login(client, "uploader").status_code == 302
    response = client.post("/_form", data={"file": "x" * 5000})
    assert response.status_code == 413
    assert "ใหญ่เกินกำหนด" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", [400, 403, 404, 405, 413, 429, 500])
def test_every_error_page_is_thai(app, status):
    from portal.main.errors import MESSAGES, render_error

    with app.test_request_context("/"):
        body, code = render_error(status)
    assert code == status
    title, _ = MESSAGES[status]
    assert title in body and re.search(r"[\u0E00-\u0E7F]", title)


def test_unexpected_exception_shows_a_thai_500_without_internals(app, database_url, tmp_path):
    broken = make_test_app(database_url, tmp_path)
    broken.testing = False  # behave as in production: exceptions become the 500 page

    @broken.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    with app.app_context():
        make_user("someone")
    client = broken.test_client()
    login(client, "someone")
    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "ระบบขัดข้อง" in page and "secret internal detail" not in page


def test_health_check(app, client, tmp_path, monkeypatch):
    from portal.search import backend

    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path / "index"))
    with app.app_context():
        backend.rebuild()  # a missing index is reported (tests/test_operations.py)
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["disk_low"] == [] and health["problems"] == []
    sqlite = client.application.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    assert set(health["disk_free_mb"]) == {"uploads", "search_index", "temp"} | ({"database"} if sqlite else set())


def test_home_asks_anonymous_users_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_home_greets_the_signed_in_user_with_their_agency(viewer_client):
    page = viewer_client.get("/").get_data(as_text=True)
    assert "สวัสดี ผู้ใช้ viewer1" in page and "ส่วนราชการทดสอบ TEST-VIEW" in page


def test_pages_send_security_headers(client):
    response = client.get("/auth/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_static_assets_are_vendored(client):
    """No CDN: htmx and the Thai font are served by the portal itself."""
    page = client.get("/auth/login").get_data(as_text=True)
    assert "htmx.min.js" in page and "//" not in re.findall(r'src="([^"]+)"', page)[0]
    assert client.get("/static/vendor/htmx/htmx.min.js").status_code == 200
    assert client.get("/static/vendor/sarabun/sarabun-thai-400-normal.woff2").status_code == 200


def test_config_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "up"))
    monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("MAX_UPLOAD_MB", "7")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.sqlite3")
    assert app.config["UPLOAD_DIR"] == str(tmp_path / "up")
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "idx")
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["MAX_CONTENT_LENGTH"] == 7 * 1024 * 1024
