"""A whole portal on loopback for load tests and benchmarks: a throwaway installation
(SQLite file or a fresh PostgreSQL database, its own uploads, index, job queue and
TMPDIR), served by gunicorn with several workers beside the real background worker, and
a small HTTP client that signs in and sends what the browser sends (CSRF header, htmx
headers, multipart uploads). Only 127.0.0.1 is ever contacted."""
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from portal import create_app
from portal.admin import operations as admin_ops
from portal.config import PROJECT_ROOT
from portal.criteria.loader import load_criteria
from portal.criteria.store import sync_criteria
from portal.extensions import db
from portal.models import Agency, ChecklistItem, SubItem

BIN = Path(sys.executable).parent
PASSWORD = "soak-password-2569"
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token"[^>]*value="([^"]+)"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
VERSION = re.compile(r'name="version" value="(\d+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_database(admin_url: str) -> tuple[str, "callable"]:
    """A throwaway database on the server at admin_url; returns its URL and a dropper."""
    name = f"pmqa_live_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin.url.set(database=name).render_as_string(hide_password=False), drop


@dataclass
class Installation:
    """Folders, database and accounts: editors e1…eN (one agency each), reviewers r1…rM
    (every agency), one assessor; a current cycle; an empty index."""

    root: Path
    database_url: str | None = None  # default: a SQLite file under root
    agencies: int = 3
    reviewers: int = 2
    extra_env: dict = field(default_factory=dict)
    processes: list = field(default_factory=list)

    def __post_init__(self):
        self.root.mkdir(parents=True, exist_ok=True)
        self.temp = self.root / "tmp"
        self.temp.mkdir(exist_ok=True)
        self.database_url = self.database_url or f"sqlite:///{self.root / 'portal.sqlite3'}"
        self.env = {**os.environ, "DATABASE_URL": self.database_url, "UPLOAD_DIR": str(self.root / "uploads"),
                    "SEARCH_INDEX_DIR": str(self.root / "search_index"), "JOBS_DB": str(self.root / "jobs.sqlite3"),
                    "SECRET_KEY": "live-test-secret", "TMPDIR": str(self.temp), "PYTHONPATH": str(PROJECT_ROOT),
                    **self.extra_env}
        self.env.pop("REDIS_URL", None)
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": self.database_url, "SECRET_KEY": "live-test-secret",
                               "UPLOAD_DIR": self.env["UPLOAD_DIR"], "SEARCH_INDEX_DIR": self.env["SEARCH_INDEX_DIR"],
                               "SEARCH_BACKEND": self.env.get("SEARCH_BACKEND", "auto")})
        with self.app.app_context():
            upgrade()
            sync_criteria(load_criteria(self.app.config["CRITERIA_DIR"], self.app.config["CRITERIA_VERSION"]))
            self.agency_ids = []
            for n in range(1, self.agencies + 1):
                agency = admin_ops.create_agency(f"LIVE-{n}", f"ส่วนราชการทดสอบโหลด {n}", "department", "service")
                db.session.flush()
                self._user(f"e{n}", ("agency_editor", agency))
                self.agency_ids.append(agency.id)
            agencies = [db.session.get(Agency, i) for i in self.agency_ids]
            for n in range(1, self.reviewers + 1):
                self._user(f"r{n}", *[("reviewer", a) for a in agencies])
            self._user("assessor", ("assessor", None))
            admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
            db.session.commit()
            self.item_ids = list(db.session.scalars(select(ChecklistItem.id).join(SubItem)
                                                    .where(SubItem.code.in_(["1.1", "2.1"])).order_by(ChecklistItem.id)))
            from portal.search import backend

            backend.rebuild()
            db.session.remove()

    @staticmethod
    def _user(username: str, *grants) -> None:
        user, _ = admin_ops.create_user(username, f"ผู้ใช้ {username}", PASSWORD)
        for role, agency in grants:
            admin_ops.grant_role(user, role, agency)

    def _start(self, command: list[str], log_name: str) -> subprocess.Popen:
        log = (self.root / log_name).open("ab")
        process = subprocess.Popen(command, env=self.env, cwd=str(PROJECT_ROOT), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append(process)
        return process

    def serve(self, workers: int = 4) -> str:
        """gunicorn with `workers` processes; returns the base URL once /healthz answers."""
        port = free_port()
        self._start([str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                     "--timeout", "120", "--graceful-timeout", "10", "portal:create_app()"], "gunicorn.log")
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=30) as response:
                    if response.status == 200:
                        return self.url
            except OSError:  # refused while booting, or slow
                time.sleep(0.3)
        log = (self.root / "gunicorn.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"gunicorn did not answer /healthz:\n{log}")

    def start_worker(self, threads: int = 2) -> subprocess.Popen:
        return self._start([str(BIN / "huey_consumer"), "portal.worker.huey", "--workers", str(threads),
                            "--worker-type", "thread", "--delay", "0.1"], "worker.log")

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL, as the kernel's OOM killer or a pulled plug would: nothing is cleaned up."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
        self.processes.remove(process)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def dispose(self) -> None:
        self.stop()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "flask"), "--app", "portal", *args], env=self.env, cwd=str(PROJECT_ROOT),
                              capture_output=True, text=True)


class HttpError(Exception):
    pass


@dataclass
class Answer:
    status: int
    body: str
    headers: dict
    seconds: float


class Client:
    """One signed-in user: cookies, the CSRF token, htmx headers."""

    def __init__(self, base_url: str, username: str, password: str = PASSWORD):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        token = self.token_from(self.get("/auth/login").body)
        answer = self.request("POST", "/auth/login", form={"username": username, "password": password,
                                                            "csrf_token": token}, htmx=False)
        if answer.status != 200 or "/auth/login" in answer.headers["X-Final-Url"]:
            raise HttpError(f"sign-in of {username} failed: {answer.status}")
        self.token = self.token_from(self.get("/").body)

    @staticmethod
    def token_from(page: str) -> str:
        match = CSRF.search(page)
        if not match:
            raise HttpError("no CSRF token on the page")
        return match.group(1) or match.group(2)

    def form_version(self, page: str, action: str) -> str:
        """The record version the form posting to `action` carries on `page` (the hidden
        input a browser sends back, portal/versions.py); "" when the page has no such form."""
        for opening, inside in FORM.findall(self.get(page, htmx=True).body):
            if f'"{action}"' in opening and (match := VERSION.search(inside)):
                return match.group(1)
        return ""

    def get(self, path: str, htmx: bool = False, **params) -> Answer:
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        return self.request("GET", path + query, htmx=htmx)

    def post(self, path: str, form: dict | None = None, files: list[tuple[str, bytes]] | None = None,
             htmx: bool = True) -> Answer:
        return self.request("POST", path, form=form or {}, files=files, htmx=htmx)

    def request(self, method: str, path: str, form: dict | None = None, files=None, htmx: bool = False) -> Answer:
        headers = {"HX-Request": "true"} if htmx else {}
        if method == "POST" and getattr(self, "token", None):
            headers["X-CSRFToken"] = self.token
        data = None
        if files is not None:
            boundary = uuid.uuid4().hex
            data = _multipart(boundary, form or {}, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with self.opener.open(request, timeout=120) as response:
                body, status, final = response.read(), response.status, response.geturl()
                answer_headers = dict(response.headers)
        except urllib.error.HTTPError as error:
            body, status, final, answer_headers = error.read(), error.code, error.geturl(), dict(error.headers)
        answer_headers["X-Final-Url"] = final
        return Answer(status, body.decode("utf-8", "replace"), answer_headers, time.monotonic() - started)

    def json(self, path: str) -> dict:
        return json.loads(self.get(path).body)


def _multipart(boundary: str, form: dict, files: list[tuple[str, bytes]]) -> bytes:
    parts = []
    for name, value in form.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for filename, content in files:  # the name in UTF-8, as browsers send it
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()
