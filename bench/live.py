"""A whole portal on loopback for load tests and benchmarks: a throwaway installation
(SQLite file or a fresh PostgreSQL database, its own uploads, index, job queue and
TMPDIR), served by gunicorn with several workers beside the real background worker, and
a small HTTP client that signs in and sends what the browser sends (CSRF header, htmx
headers, multipart uploads). Only 127.0.0.1 is ever contacted.

Shared by the soak (bench/soak_bench.py), the load benchmark (bench/load_bench.py) and the
tests that start the portal's processes: the production shape (PostgreSQL, Redis,
gunicorn.conf.py), and the checks that nothing answered was lost once the worker caught up."""
import http.cookiejar
import json
import os
import random
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
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text

from portal import create_app
from portal.admin import operations as admin_ops
from portal.config import PROJECT_ROOT
from portal.criteria.loader import load_criteria
from portal.criteria.store import sync_criteria
from portal.extensions import db
from portal.models import Agency, ChecklistItem, Comment, Evidence, OutboxEffect, SubItem

BIN = Path(sys.executable).parent
PASSWORD = "soak-password-2569"
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token"[^>]*value="([^"]+)"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
VERSION = re.compile(r'name="version" value="(\d+)"')
REDIS = ("127.0.0.1", 6379)
# What the clients upload and look for: Thai prose, and words found in it.
THAI = ("รายงานผลการดำเนินงานตามแผนยุทธศาสตร์ของส่วนราชการ ประจำปีงบประมาณ พ.ศ. 2569 "
        "การบริหารความเสี่ยงและการควบคุมภายใน ตัวชี้วัดความสำเร็จของโครงการ")
SEARCH_WORDS = ["แผนยุทธศาสตร์", "รายงาน", "ตัวชี้วัด", "ความเสี่ยง", "โครงการ", "งบประมาณ", "soak"]


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


def free_redis_database(numbers=range(15, 7, -1)) -> int | None:
    """An empty Redis database number on 127.0.0.1:6379 (the first of `numbers`), None
    when Redis does not answer or none is empty. Flush only that one afterwards."""
    import redis

    try:
        for number in numbers:
            if redis.Redis(*REDIS, db=number, socket_connect_timeout=2).dbsize() == 0:
                return number
    except redis.RedisError:
        return None
    return None


@dataclass
class Installation:
    """Folders, database and accounts: editors e1…eN (one agency each; with staff > 1 also
    e1s2, e1s3… for more people of the same agency), reviewers r1…rM (every agency),
    assessors (assessor, assessor2…); a current cycle; an empty index. SEARCH_BACKEND in
    extra_env chooses the search engine here too."""

    root: Path
    database_url: str | None = None  # default: a SQLite file under root
    agencies: int = 3
    reviewers: int = 2
    staff: int = 1
    assessors: int = 1
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
            self.agency_ids, self.editors = [], []  # editors: (username, agency id)
            for n in range(1, self.agencies + 1):
                agency = admin_ops.create_agency(f"LIVE-{n}", f"ส่วนราชการทดสอบโหลด {n}", "department", "service")
                db.session.flush()
                for k in range(1, self.staff + 1):
                    username = f"e{n}" if k == 1 else f"e{n}s{k}"
                    self._user(username, ("agency_editor", agency))
                    self.editors.append((username, agency.id))
                self.agency_ids.append(agency.id)
            agencies = [db.session.get(Agency, i) for i in self.agency_ids]
            self.reviewer_names = [f"r{n}" for n in range(1, self.reviewers + 1)]
            for username in self.reviewer_names:
                self._user(username, *[("reviewer", a) for a in agencies])
            self.assessor_names = ["assessor"] + [f"assessor{n}" for n in range(2, self.assessors + 1)]
            for username in self.assessor_names:
                self._user(username, ("assessor", None))
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

    def use_production_shape(self, redis_url: str) -> None:
        """Redis for the job queue and the rate limits, Prometheus figures of every process
        added up in a folder of this installation (README "ใช้งานจริงทั้งประเทศ")."""
        metrics = self.root / "metrics"
        metrics.mkdir(exist_ok=True)
        self.env.update({"REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": redis_url,
                         "PROMETHEUS_MULTIPROC_DIR": str(metrics)})

    def serve_configured(self, workers: int = 2, threads: int = 4, timeout: float = 90) -> str:
        """gunicorn as `make run` and the README start it: gunicorn.conf.py (gthread
        workers × threads, preloaded app, JSON logs); the base URL once /healthz answers."""
        port = free_port()
        server = self._start([str(BIN / "gunicorn"), "--config", str(PROJECT_ROOT / "gunicorn.conf.py"),
                              "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
                              "portal:create_app()"], "gunicorn.log")
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=10) as response:
                    if response.status == 200:
                        return self.url
            except OSError:
                time.sleep(0.3)
        log = (self.root / "gunicorn.log").read_text(errors="replace")[-3000:]
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


def csrf_token_in(page: str) -> str:
    """The CSRF token a page gives htmx (hx-headers) or a form (hidden input)."""
    match = CSRF.search(page)
    if not match:
        raise HttpError("no CSRF token on the page")
    return match.group(1) or match.group(2)


def form_version_in(page: str, action: str) -> str:
    """The record version the form posting to `action` carries on `page` (the hidden
    input a browser sends back, portal/versions.py); "" when the page has no such form."""
    for opening, inside in FORM.findall(page):
        if f'"{action}"' in opening and (match := VERSION.search(inside)):
            return match.group(1)
    return ""


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

    token_from = staticmethod(csrf_token_in)

    def form_version(self, page: str, action: str) -> str:
        return form_version_in(self.get(page, htmx=True).body, action)

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
            data = multipart(boundary, form or {}, files)
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


def multipart(boundary: str, form: dict, files: list[tuple[str, bytes]]) -> bytes:
    """A multipart/form-data body as a browser sends an upload form (files under \"files\")."""
    parts = []
    for name, value in form.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for filename, content in files:  # the name in UTF-8, as browsers send it
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def wait_for_worker(installation: Installation, seconds: float = 600) -> list:
    """Until every file is extracted, every outbox row done and the index agrees with the
    database; returns what still differs."""
    from portal.search import backend

    deadline = time.monotonic() + seconds
    with installation.app.app_context():
        while True:
            pending = db.session.scalar(select(func.count(Evidence.id)).where(
                Evidence.extraction_status.in_(["queued", "extracting"])))
            effects = db.session.scalar(select(func.count(OutboxEffect.id)))
            db.session.rollback()
            stale = backend.stale_evidence_ids() if not (pending or effects) else [f"{effects} outbox rows"]
            if not stale or time.monotonic() > deadline:
                return stale
            time.sleep(1)


def check_stored(installation: Installation, answered: list[str], tokens: dict[str, str], comments: list[str],
                 searched: int | None = None) -> list[str]:
    """Once the worker caught up: every evidence title in `answered` (its request answered
    200) stored exactly once and nothing else stored, every comment once, no extraction
    failed, and an upload's unique word (`tokens`: title → word) finds it by search —
    all of them, or `searched` of them picked at random."""
    from portal.search import backend

    problems = []
    with installation.app.app_context():
        titles = defaultdict(int)
        for title in db.session.scalars(select(Evidence.title)):
            titles[title] += 1
        for title in answered:
            if (stored := titles.pop(title, 0)) != 1:
                problems.append(f"evidence “{title}” answered 200 but is stored {stored} times")
        problems += [f"evidence “{t}” stored but its request did not succeed" for t in titles]
        bodies = defaultdict(int)
        for body in db.session.scalars(select(Comment.body)):
            bodies[body] += 1
        problems += [f"comment “{b}” stored {bodies[b]} times" for b in comments if bodies[b] != 1]
        failed = list(db.session.scalars(select(Evidence.title).where(Evidence.extraction_status == "failed")))
        problems += [f"extraction failed: {t}" for t in failed]
        chosen = sorted(tokens.items())
        if searched is not None:
            chosen = random.Random(3).sample(chosen, min(searched, len(chosen)))
        for title, token in chosen:
            hits = backend.search_or_unavailable(token, None).hits
            if not any(h.title == title for h in hits):
                problems.append(f"“{title}” is not found by its word {token}")
        db.session.remove()
    return problems


def check_stopped(installation: Installation) -> list[str]:
    """After the processes stopped: `storage check` finds no orphan, missing or stuck
    file, and no temporary file is left behind."""
    problems = []
    storage = installation.flask("storage", "check")
    if storage.returncode != 0 or "ไฟล์กำพร้าพบ 0 ไฟล์, ไฟล์หาย 0 ไฟล์" not in storage.stdout or "ค้าง" in storage.stdout:
        problems.append(f"storage check: {storage.stdout.strip()} {storage.stderr.strip()[-300:]}")
    leftovers = [str(p) for p in installation.temp.rglob("*")]
    if leftovers:
        problems.append(f"temporary files left in TMPDIR: {leftovers[:5]}")
    return problems
