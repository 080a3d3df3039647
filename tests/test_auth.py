"""Sign-in rules: sessions, cookies, safe redirects, brute-force limits, server-side logout."""
import pytest
from sqlalchemy import select

from portal.admin import operations as ops
from portal.extensions import db
from portal.models import AuditEvent, User
from tests.helpers import PASSWORD, csrf_token, login, logout, make_agency, make_user


@pytest.fixture
def editor(app):
    with app.app_context():
        agency = make_agency("AUTH-A")
        make_user("editor1", ("agency_editor", agency))
    return "editor1"


def events(app, action):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_sign_in_redirects_home_and_sets_safe_cookies(client, editor, app):
    response = login(client, editor)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))
    assert client.get("/").status_code == 200
    assert len(events(app, "login_success")) == 1


def test_remember_me_sets_an_expiring_http_only_cookie(client, editor):
    response = login(client, editor, remember="y")
    remember = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "Expires=" in remember and "HttpOnly" in remember


def test_secure_cookies_when_configured(app, editor):
    app.config.update(SESSION_COOKIE_SECURE=True)
    try:
        response = login(app.test_client(), editor)
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
        assert "Secure" in cookie
    finally:
        app.config.update(SESSION_COOKIE_SECURE=False)


def test_wrong_password_is_refused_in_thai_and_audited(client, editor, app):
    response = login(client, editor, password="wrong-password")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in page
    assert "ลืมรหัสผ่าน? ติดต่อผู้ดูแลระบบ" in page  # the way out, after a wrong password
    assert client.get("/").status_code == 302
    failed = events(app, "login_failed")
    assert len(failed) == 1 and failed[0].actor_name == editor


def test_unknown_user_gets_the_same_message(client):
    response = login(client, "nobody")
    assert response.status_code == 401
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)


def test_empty_form_is_422_with_thai_messages(client):
    response = client.post("/auth/login", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert "กรุณากรอกชื่อผู้ใช้" in response.get_data(as_text=True)


def test_sign_in_without_csrf_token_is_400_in_thai(client, editor):
    response = client.post("/auth/login", data={"username": editor, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_a_new_session_is_issued_on_sign_in(client, editor):
    client.get("/auth/login")
    before = client.get_cookie("session").value
    login(client, editor)
    assert client.get_cookie("session").value != before


@pytest.mark.parametrize("target,expected", [
    ("/criteria/1", "/criteria/1"),
    ("/criteria/1/1.1?level=basic", "/criteria/1/1.1?level=basic"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example/", "/"),
    ("http:/evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),
    ("/\r\nSet-Cookie: x=1", "/"),
])
def test_next_only_redirects_within_the_site(client, editor, target, expected):
    token = csrf_token(client)
    response = client.post("/auth/login", query_string={"next": target},
                           data={"username": editor, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_anonymous_request_is_sent_to_login_with_next(client):
    response = client.get("/criteria/1/1.1?level=basic")
    assert response.status_code == 302
    assert "/auth/login?next=/criteria/1/1.1?level%3Dbasic" in response.headers["Location"]


def test_expired_session_on_htmx_request_redirects_the_whole_page(client):
    response = client.get("/criteria/1/1.1", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login")
    assert response.get_data(as_text=True) == ""


def test_brute_force_on_one_account_gets_429_even_with_the_right_password(client, editor, app):
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(limit):
        assert login(client, editor, password="wrong-password").status_code == 401
    response = login(client, editor)
    assert response.status_code == 429
    assert "หลายครั้งเกินกำหนด" in response.get_data(as_text=True)


def test_successful_sign_ins_do_not_count_towards_the_limit(app, editor):
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(limit + 2):
        client = app.test_client()
        assert login(client, editor).status_code == 302


SIGN_IN_WITHOUT_LIMITS = """
import sys
from pathlib import Path
from flask_migrate import upgrade
from portal.extensions import db
from tests.conftest import make_test_app
from tests.helpers import login, make_agency, make_user
app = make_test_app(sys.argv[1], Path(sys.argv[2]), RATELIMIT_ENABLED=False)
with app.app_context():
    upgrade()
    make_user("no-limits", ("agency_editor", make_agency("AUTH-NL")))
    db.session.commit()
response = login(app.test_client(), "no-limits")
print(response.status_code, response.headers.get("Location"))
"""


def test_sign_in_works_with_the_limits_turned_off(tmp_path):
    """RATELIMIT_ENABLED = False (the benchmarks) leaves Flask-Limiter without storage: the
    successful sign-in gave an attempt back there and failed after its commit (303 home).
    A process of its own: the limiter is one object per process, set up by the first app."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", SIGN_IN_WITHOUT_LIMITS, f"sqlite:///{tmp_path / 'p.sqlite3'}",
                           str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.stdout.split()[-2:] == ["302", "/"], done.stderr[-2000:]


def test_brute_force_from_one_address_across_accounts_gets_429(client, app):
    limit = int(app.config["LOGIN_LIMIT_PER_ADDRESS"].split()[0])
    for attempt in range(limit):
        assert login(client, f"guess{attempt}", password="wrong-password").status_code == 401
    assert login(client, "another-guess", password="x").status_code == 429


def test_logout_ends_the_session_on_the_server(app, client, editor):
    login(client, editor)
    stolen = client.get_cookie("session").value
    assert logout(client).status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert len(events(app, "logout")) == 1


def test_remember_cookie_replayed_after_logout_gets_nothing(app, client, editor):
    login(client, editor, remember="y")
    remember = client.get_cookie("remember_token").value
    logout(client)
    replay = app.test_client()
    replay.set_cookie("remember_token", remember)
    assert replay.get("/").status_code == 302


def test_deactivated_user_cannot_sign_in_and_loses_open_sessions(app, client, editor):
    login(client, editor)
    assert client.get("/").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == editor))
        ops.set_active(user, False)
        db.session.commit()
    assert client.get("/").status_code == 302  # the open session ended
    response = login(app.test_client(), editor)
    assert response.status_code == 403
    assert "ถูกระงับ" in response.get_data(as_text=True)
    assert len(events(app, "login_blocked")) == 1


def test_password_reset_ends_sessions_and_the_old_password(app, client, editor):
    login(client, editor)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == editor))
        new_password = ops.reset_password(user)
        db.session.commit()
    assert client.get("/").status_code == 302
    assert login(app.test_client(), editor).status_code == 401
    assert login(app.test_client(), editor, password=new_password).status_code == 302


def test_usernames_are_case_insensitive(client, editor):
    assert login(client, editor.upper()).status_code == 302


def test_passwords_are_stored_hashed_with_scrypt(app, editor):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == editor))
        assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
