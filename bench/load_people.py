"""The people of the load benchmark, as a locustfile (bench/load_bench.py starts locust on
it): agencies' staff, reviewers and assessors, each signed in with their own account,
sending what the browser sends (session cookie, CSRF header, htmx headers, multipart
uploads of real files), and thinking 1–5 s between requests as a person does.

Each person comes through the reverse proxy of a deployment (the bench installation has
TRUSTED_PROXIES=1): an agency's staff share their office's address, a reviewer or an
assessor has one of their own, so the sign-in limits per address count as they would for
people at many offices, not as if everybody sat at 127.0.0.1.

LOAD_PLAN names a JSON file with the accounts, agencies, items and sub-items, and where to
write what happened: every request (kind, status, milliseconds, expected or not, when it
was sent, what failed), the
uploads and comments that were answered (the checks afterwards look for each)."""
import itertools
import json
import os
import random
import tempfile
import time
import urllib.parse
import uuid
from functools import cache
from pathlib import Path

from locust import FastHttpUser, between, events, task

from bench.live import SEARCH_WORDS, THAI, csrf_token_in, form_version_in, multipart

STATUSES = ["submitted", "needs_revision", "accepted"]
record = {"requests": [], "uploads": {}, "comments": []}


@cache
def plan() -> dict:
    return json.loads(Path(os.environ["LOAD_PLAN"]).read_text())


@cache
def accounts(role: str):
    """Accounts of a role handed out in turn (gevent: one thread, no lock needed)."""
    return itertools.cycle(plan()[role])


@events.request.add_listener
def _note(name, response, exception, response_time, start_time, **_):
    status = getattr(response, "status_code", 0) or 0
    record["requests"].append([name, status, round(response_time, 1), exception is None, round(start_time, 2),
                               "" if exception is None else f"{type(exception).__name__}: {exception}"[:200]])


@events.user_error.add_listener
def _failed(user_instance, exception, tb, **_):
    """A person who could not go on (a page without its CSRF token, a refused sign-in)."""
    record["requests"].append(["error", 0, 0.0, False, time.time(), f"{type(exception).__name__}: {exception}"[:200]])


@events.quitting.add_listener
def _write(**_):
    Path(plan()["out"]).write_text(json.dumps(record, ensure_ascii=False))


class Person(FastHttpUser):
    abstract = True
    wait_time = between(1, 5)
    role = ""
    network_timeout = connection_timeout = 120.0  # gunicorn's own WEB_TIMEOUT

    def on_start(self):
        # [username, address, their agency (staff) or null]
        self.username, self.address, self.own_agency = next(accounts(self.role))
        self.token = ""
        page = self.send("GET", "/auth/login", "login page") or ""
        answer = self.send("POST", "/auth/login", "login", expected=(302,), allow_redirects=False,
                           form={"username": self.username, "password": plan()["password"],
                                 "csrf_token": csrf_token_in(page)})
        if answer is None or "/auth/login" in answer.headers.get("Location", "/auth/login"):
            raise RuntimeError(f"sign-in of {self.username} failed")
        self.token = csrf_token_in(self.send("GET", "/", "login: home") or "")

    def send(self, method: str, path: str, kind: str, htmx: bool = False, expected=(200,), form=None,
             body: bytes | None = None, content_type: str = "", **options) -> str | None:
        """One request as the browser sends it; counted as expected or not by status.
        Returns the page (the answer object for a redirect), None when unexpected."""
        headers = {"X-Forwarded-For": self.address}
        if htmx:
            headers["HX-Request"] = "true"
        if method == "POST" and self.token:
            headers["X-CSRFToken"] = self.token
        data = body
        if form is not None:
            data = urllib.parse.urlencode(form)
            content_type = "application/x-www-form-urlencoded"
        if content_type:
            headers["Content-Type"] = content_type
        with self.client.request(method, path, name=kind, data=data, headers=headers, catch_response=True,
                                 **options) as answer:
            if answer.status_code in expected:
                answer.success()
            else:
                answer.failure(f"HTTP {answer.status_code}")
                return None
        return answer if answer.status_code in (301, 302, 303) else answer.text

    def agency(self) -> int:
        return random.choice(plan()["agencies"])

    def workspace(self, agency_id: int) -> None:
        category, sub_item = random.choice(plan()["sub_items"])
        self.send("GET", f"/agencies/{agency_id}/criteria/{category}/{sub_item}", "workspace")

    def search(self, kind: str = "search", **filters) -> None:
        query = urllib.parse.urlencode({"q": random.choice(SEARCH_WORDS), **filters})
        self.send("GET", f"/search/?{query}", kind, htmx=True)

    def comment(self, agency_id: int, visibility: str) -> None:
        body = f"ขอเอกสารเพิ่มเติม {self.username} {uuid.uuid4().hex[:12]}"
        item_id = random.choice(plan()["items"])
        if self.send("POST", f"/agencies/{agency_id}/items/{item_id}/threads", "comment", htmx=True,
                     form={"body": body, "visibility": visibility}) is not None:
            record["comments"].append(body)


class AgencyStaff(Person):
    """An editor of one agency: the dashboard, the criteria workspace, search, uploads."""
    weight = 7
    role = "staff"

    @task(3)
    def dashboard(self):
        self.send("GET", f"/agencies/{self.own_agency}", "dashboard")

    @task(3)
    def open_workspace(self):
        self.workspace(self.own_agency)

    @task(2)
    def item(self):
        self.send("GET", f"/agencies/{self.own_agency}/items/{random.choice(plan()['items'])}", "item", htmx=True)

    @task(2)
    def find(self):
        self.search()

    @task(1)
    def home(self):
        self.send("GET", "/", "home")

    @task(1)
    def upload(self):
        token = f"load{uuid.uuid4().hex[:10]}"
        title = f"เอกสาร {token}"
        text = f"{THAI}\n{token}\n"
        if random.random() < 0.25:  # a Word file, as agencies write most of theirs
            from tests.thai_documents import docx

            with tempfile.TemporaryDirectory() as folder:
                files = [(f"{title}.docx", docx(Path(folder) / "x.docx", text.splitlines()).read_bytes())]
        else:
            files = [(f"{title}.txt", text.encode())]
        boundary = uuid.uuid4().hex
        item_id = random.choice(plan()["items"])
        if self.send("POST", f"/agencies/{self.own_agency}/items/{item_id}/files", "upload", htmx=True,
                     body=multipart(boundary, {}, files),
                     content_type=f"multipart/form-data; boundary={boundary}") is not None:
            record["uploads"][title] = token

    @task(1)
    def discuss(self):
        self.comment(self.own_agency, "shared")


class Reviewer(Person):
    """A reviewer of every agency: the inbox, items, comments and review statuses."""
    weight = 2
    role = "reviewers"

    @task(2)
    def inbox(self):
        self.send("GET", "/reviews/inbox", "inbox")

    @task(2)
    def open_workspace(self):
        self.workspace(self.agency())

    @task(1)
    def dashboard(self):
        self.send("GET", f"/agencies/{self.agency()}", "dashboard")

    @task(2)
    def discuss(self):
        self.comment(self.agency(), random.choice(["shared", "internal"]))

    @task(1)
    def review(self):
        """As a browser: open the item, send its review form back with the version it
        showed; 409 (another reviewer was first) and 422 (it already has that status) are
        answers a person gets, not errors."""
        agency_id, item_id = self.agency(), random.choice(plan()["items"])
        action = f"/agencies/{agency_id}/items/{item_id}/review"
        page = self.send("GET", f"/agencies/{agency_id}/items/{item_id}", "item", htmx=True)
        if page is not None:
            self.send("POST", action, "review", htmx=True, expected=(200, 409, 422),
                      form={"status": random.choice(STATUSES), "reason": f"เหตุผล {random.randrange(1000)}",
                            "version": form_version_in(page, action)})

    @task(1)
    def find(self):
        self.search()


class Assessor(Person):
    """An assessor: searches across all agencies (sometimes one agency), the overview."""
    weight = 1
    role = "assessors"

    @task(4)
    def find(self):
        if random.random() < 0.3:
            self.search("search (all agencies)", agency=self.agency())
        else:
            self.search("search (all agencies)")

    @task(1)
    def overview(self):
        self.send("GET", "/overview", "overview")

    @task(2)
    def dashboard(self):
        self.send("GET", f"/agencies/{self.agency()}", "dashboard")

    @task(1)
    def open_workspace(self):
        self.workspace(self.agency())
