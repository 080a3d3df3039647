"""HTTP hardening: ids out of range, caching, framing, HTTPS, cross-site posts."""
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Evidence
from portal.security import MAX_DATABASE_ID
from tests.helpers import CSRF_PATTERN, PASSWORD, csrf_token, signed_in
from tests.test_access_matrix import url_for_rule, world  # noqa: F401  (world: a fixture)

HUGE_IDS = [str(n) for n in (MAX_DATABASE_ID + 1, 2**63, 2**64 + 1, 10**30)] + ["9" * 5000]


def test_ids_out_of_range_answer_404_on_every_route_that_takes_one(app, world):
    client = signed_in(app, world["usernames"]["admin"])
    rules = [rule for rule in app.url_map.iter_rules()
             if any(name.endswith("_id") for name in rule.arguments)]
    assert len(rules) > 40
    for huge in HUGE_IDS:
        for rule in rules:
            ids = {**world["ids"], **{name: huge for name in rule.arguments if name.endswith("_id")}}
            method = "GET" if "GET" in rule.methods else "POST"
            response = client.open(url_for_rule(rule, ids), method=method,
                                   data={"csrf_token": client.token})
            assert response.status_code == 404, f"{method} {rule.rule} with {huge[:20]}"
            assert "ไม่พบ" in response.get_data(as_text=True)


def test_the_largest_id_the_database_holds_is_still_looked_up(app, world):
    client = signed_in(app, world["usernames"]["admin"])
    response = client.get(f"/agencies/{MAX_DATABASE_ID}")
    assert response.status_code == 404  # reached the view: no such agency, no error
    assert client.get(f"/agencies/{world['ids']['agency_id']}").status_code == 200


@pytest.mark.parametrize("huge", [MAX_DATABASE_ID + 1, 2**63, 10**30])
def test_numbers_out_of_range_in_query_strings_and_forms_answer_404(app, world, huge):
    admin = signed_in(app, world["usernames"]["admin"])
    for path in (f"/admin/audit?agency={huge}", f"/admin/audit?page={huge}",
                 f"/reviews/inbox?agency={huge}"):
        response = admin.get(path, follow_redirects=True)
        assert response.status_code in (200, 404), path  # 200: the number names nothing to look up
    ids = world["ids"]
    editor = signed_in(app, world["usernames"]["editor"])
    reviewer = signed_in(app, world["usernames"]["reviewer"])
    posts = [
        (editor, f"/agencies/{ids['agency_id']}/items/{ids['item_id']}/attach", {"evidence_id": huge}),
        (editor, f"/agencies/{ids['agency_id']}/results", {"group_id": huge, "name": "ตัววัด"}),
        (reviewer, f"/threads/{ids['thread_id']}/replies", {"parent_id": huge, "body": "ตอบ"}),
        (admin, f"/admin/users/{ids['user_id']}/roles", {"role": "agency_viewer", "agency_id": huge}),
    ]
    for client, path, data in posts:
        response = client.post(path, data={**data, "csrf_token": client.token})
        assert response.status_code in (404, 422), f"{path}: {response.status_code}"
        assert "ไม่พบ" in response.get_data(as_text=True) or response.status_code == 422


def test_pages_fragments_files_and_exports_are_not_stored_by_caches(app, world):
    client = signed_in(app, world["usernames"]["editor"])
    ids = world["ids"]
    for path, headers in [
        ("/", {}),
        (f"/agencies/{ids['agency_id']}/items/{ids['item_id']}", {"HX-Request": "true"}),
        (f"/evidence/{ids['evidence_id']}/download", {}),
        (f"/evidence/{ids['evidence_id']}/preview", {}),
        (f"/agencies/{ids['agency_id']}/export.xlsx", {}),
        ("/no-such-page", {}),
    ]:
        response = client.get(path, headers=headers)
        assert response.headers["Cache-Control"] == "private, no-store", path
    static = client.get("/static/vendor/htmx/htmx.min.js")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_nobody_frames_the_portal_except_its_own_preview(app, world):
    with app.app_context():  # shown inline (PDF), not sent as an attachment
        version = db.session.get(Evidence, world["ids"]["evidence_id"]).current_version
        version.file_kind, version.mime = "pdf", "application/pdf"
        db.session.commit()
    client = signed_in(app, world["usernames"]["editor"])
    page = client.get("/")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    login_page = app.test_client().get("/auth/login")
    assert "frame-ancestors 'none'" in login_page.headers["Content-Security-Policy"]
    preview = client.get(f"/evidence/{world['ids']['evidence_id']}/preview")
    policy = preview.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "sandbox" in policy  # its own policy, kept
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    download = client.get(f"/evidence/{world['ids']['evidence_id']}/download")
    assert "frame-ancestors 'none'" in download.headers["Content-Security-Policy"]


def _sign_in_cookies(client, headers=None):
    page = client.get("/auth/login", headers=headers).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    # Over HTTPS Flask-WTF also wants a same-site Referer, which browsers send.
    headers = {**(headers or {}), "Referer": "https://localhost/auth/login"}
    response = client.post("/auth/login", headers=headers, data={
        "username": "m-editor", "password": PASSWORD, "csrf_token": match.group(1) or match.group(2),
        "remember": "y"})
    assert response.status_code == 302
    return response, response.headers.getlist("Set-Cookie")


def test_over_https_cookies_are_secure_and_hsts_is_sent(app, world):
    client = app.test_client()
    https = {"base_url": "https://portal.example"}
    match = CSRF_PATTERN.search(client.get("/auth/login", **https).get_data(as_text=True))
    token = match.group(1) or match.group(2)
    response = client.post("/auth/login", headers={"Referer": "https://portal.example/auth/login"},
                           data={"username": "m-editor", "password": PASSWORD, "csrf_token": token,
                                 "remember": "y"}, **https)
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} >= {"session", "remember_token"}
    assert all("; Secure" in c for c in cookies), cookies
    assert response.headers["Strict-Transport-Security"] == f"max-age={app.config['HSTS_SECONDS']}"


def test_over_plain_http_cookies_are_not_marked_secure(app, world):
    response, cookies = _sign_in_cookies(app.test_client())
    assert cookies and not any("Secure" in c for c in cookies)
    assert "Strict-Transport-Security" not in response.headers


def test_forwarded_proto_is_believed_only_from_a_configured_proxy(app, world, database_url, tmp_path):
    from tests.conftest import make_test_app

    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    response, cookies = _sign_in_cookies(app.test_client(), headers=forwarded)  # TRUSTED_PROXIES=0
    assert not any("Secure" in c for c in cookies)
    assert "Strict-Transport-Security" not in response.headers

    proxied = make_test_app(database_url, tmp_path, TRUSTED_PROXIES=1)
    response, cookies = _sign_in_cookies(proxied.test_client(), headers=forwarded)
    assert cookies and all("; Secure" in c for c in cookies)
    assert "Strict-Transport-Security" in response.headers


CROSS_SITE_HEADERS = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling site on the same domain is still another site
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},  # the browser's word wins
]


@pytest.mark.parametrize("headers", CROSS_SITE_HEADERS)
def test_cross_site_posts_are_refused_in_thai_even_with_a_valid_token(app, world, headers):
    client = signed_in(app, world["usernames"]["editor"])
    ids = world["ids"]
    response = client.post(f"/agencies/{ids['agency_id']}/items/{ids['item_id']}/links",
                           data={"url": "https://example.org/x", "title": "ลิงก์", "csrf_token": client.token},
                           headers=headers)
    assert response.status_code == 403
    assert "เว็บไซต์อื่น" in response.get_data(as_text=True)
    with app.app_context():  # audited as what it is, not as a missing right
        [refused] = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
            ["cross_site_refused", "access_denied"]))).all()
        assert refused.action == "cross_site_refused" and refused.actor.username == "m-editor"
        assert "เว็บไซต์อื่น" in refused.details["reason"]
        assert db.session.scalar(select(func.count(Evidence.id))) == 1  # the link was not added
    # Sign-in too: a forged sign-in would put the victim in the attacker's account.
    anonymous = app.test_client()
    token = csrf_token(anonymous)
    response = anonymous.post("/auth/login", data={"username": "m-editor", "password": PASSWORD,
                                                   "csrf_token": token}, headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},
    {"Origin": "http://localhost"},
    {"Origin": "http://127.0.0.1:5000"},  # PORTAL_BASE_URL: the address users are given
    {},  # old clients and scripts send neither header; the CSRF token still guards them
])
def test_same_origin_and_headerless_posts_go_through(app, world, headers):
    client = signed_in(app, world["usernames"]["editor"])
    ids = world["ids"]
    response = client.post(f"/agencies/{ids['agency_id']}/items/{ids['item_id']}/links",
                           data={"url": "https://example.org/x", "title": "ลิงก์", "csrf_token": client.token},
                           headers=headers)
    assert response.status_code == 302


def test_cross_site_links_to_pages_still_open(app, world):
    """Only changes are refused: following a link from another site to a page works."""
    client = signed_in(app, world["usernames"]["editor"])
    assert client.get("/", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
