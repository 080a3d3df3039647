"""In chromium: another site can neither post to the portal nor frame it, and the refusal
reaches the audit log, where an administrator reads it in Thai."""
import pytest
from werkzeug.wrappers import Response

from tests.browser import LiveServer, sign_in
from tests.helpers import PASSWORD, login, make_agency, make_user

pytestmark = pytest.mark.browser


def attacker_site(portal_url: str):
    """A page on another site ("localhost" is another site than "127.0.0.1")."""
    page = f"""<!doctype html><meta charset="utf-8"><title>เว็บไซต์อื่น</title>
<form id="forged" method="post" action="{portal_url}/auth/login">
  <input name="username" value="victim"><input name="password" value="x">
  <button>ส่ง</button></form>
<iframe id="framed" src="{portal_url}/auth/login" width="600" height="300"></iframe>"""

    def app(environ, start_response):
        return Response(page, mimetype="text/html")(environ, start_response)

    return app


def test_another_site_can_neither_post_nor_frame(app, live_server, page, artifacts_dir):
    with app.app_context():
        make_user("sec-admin", ("admin", None))
        make_user("victim", ("agency_viewer", make_agency("SEC-A")))
    with LiveServer(attacker_site(live_server.url)) as attacker:
        other_site = attacker.url.replace("127.0.0.1", "localhost")
        page.goto(other_site)
        # Chromium replaces a frame refused by frame-ancestors 'none' with its error page.
        framed = page.frames[1]
        for _ in range(50):
            if framed.url not in ("", "about:blank"):
                break
            page.wait_for_timeout(100)
        assert framed.url == "chrome-error://chromewebdata/"
        page.click("#forged button")
        page.wait_for_url(f"{live_server.url}/auth/login")
        assert "เว็บไซต์อื่น" in page.content()
        page.screenshot(path=str(artifacts_dir / "cross-site-refused.png"), full_page=True)

    victim = app.test_client()  # a flood of refusals: 20 logged, the rest counted on one event
    login(victim, "victim")
    for _ in range(25):
        assert victim.get("/admin/users").status_code == 403

    sign_in(page, live_server.url, "sec-admin", PASSWORD)  # the portal's own forms still work
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/admin/audit?action=cross_site_refused")
        assert page.get_by_text("ถูกปฏิเสธ: คำขอจากเว็บไซต์อื่น").count() >= 1
        assert "คำขอนี้ส่งมาจากเว็บไซต์อื่น" in page.inner_text("#audit-table")  # readable Thai
        page.goto(f"{live_server.url}/admin/audit?action=refusals_suppressed")
        assert "จำนวนที่นับรวม: 5" in page.inner_text("#audit-table")
        page.goto(f"{live_server.url}/admin/audit")
        # Long Thai reasons wrap, and the table scrolls inside its own box on a phone.
        box = page.locator("#audit-table .table-scroll").bounding_box()
        assert box["x"] + box["width"] <= width
        page.screenshot(path=str(artifacts_dir / f"audit-refusals-{width}.png"), full_page=True)
