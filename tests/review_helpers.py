"""A small world for review tests: agencies A and B, one account per role, a current cycle."""
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import ChecklistItem, SubItem
from tests.helpers import csrf_token, form_version, login, make_agency, make_user

ACCOUNTS = {
    "editor": ("rv-editor", "agency_editor", "a"),
    "viewer": ("rv-viewer", "agency_viewer", "a"),
    "reviewer": ("rv-reviewer", "reviewer", "a"),
    "reviewer_b": ("rv-reviewer-b", "reviewer", "b"),
    "editor_b": ("rv-editor-b", "agency_editor", "b"),
    "assessor": ("rv-assessor", "assessor", None),
    "admin": ("rv-admin", "admin", None),
}


def make_world(app) -> dict:
    with app.app_context():
        agencies = {"a": make_agency("RV-A", "กรมทดสอบความเห็น"), "b": make_agency("RV-B")}
        for username, role, key in ACCOUNTS.values():
            make_user(username, (role, agencies[key] if key else None))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        items = {code: db.session.scalar(select(ChecklistItem.id).join(SubItem)
                                         .where(SubItem.code == "1.1", ChecklistItem.code == code))
                 for code in ("B1", "B2")}
        return {"a": agencies["a"].id, "b": agencies["b"].id, "items": items}


class Client:
    """A signed-in test client that sends htmx requests with the CSRF header."""

    def __init__(self, app, role):
        self.http = app.test_client()
        assert login(self.http, ACCOUNTS[role][0]).status_code == 302
        self.token = csrf_token(self.http, "/")

    def get(self, url, htmx=True):
        return self.http.get(url, headers={"HX-Request": "true"} if htmx else {})

    def post(self, url, **data):
        return self.http.post(url, data=data, headers={"HX-Request": "true", "X-CSRFToken": self.token})

    def submit(self, page, url, **data):
        """Post the form of `page` that posts to `url`, with the version it carries."""
        return self.post(url, version=form_version(self.http, page, url, {"HX-Request": "true"}), **data)

    def text(self, url, htmx=False) -> str:
        response = self.get(url, htmx=htmx)
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data(as_text=True)


def threads_url(w, item="B1", agency="a"):
    return f"/agencies/{w[agency]}/items/{w['items'][item]}/threads"


def panel_url(w, item="B1", agency="a"):
    return f"/agencies/{w[agency]}/items/{w['items'][item]}"


def workspace_url(w, agency="a"):
    return f"/agencies/{w[agency]}/criteria/1/1.1"
