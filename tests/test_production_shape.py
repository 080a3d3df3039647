"""The production shape on loopback (README "ใช้งานจริงทั้งประเทศ"): PostgreSQL, Redis for
the queue and the rate limits, gunicorn from gunicorn.conf.py with two workers, two Huey
consumers in processes of their own. Four clients upload twelve Thai text files at once
while a reviewer comments and a reader searches; every upload is extracted and found by
search within a bounded wait, nothing answers 5xx, no log has a lock error, nothing is lost,
and /metrics and /healthz add up what the processes did.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust; a throwaway database is made)
and Redis on 127.0.0.1:6379 (an empty database number of its own, emptied again after);
skipped, saying so, when either does not answer."""
import json
import os
import threading
import time
import urllib.request

import pytest
from sqlalchemy import func, select

from bench.live import REDIS, Client, Installation, free_redis_database, postgres_database
from portal.extensions import db
from portal.models import Comment, Evidence
from tests.pg_available import main as postgres_answers

# Only in the first (SQLite) pass of `make test`: it makes its own PostgreSQL database either way.
PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
FILES_PER_CLIENT, CLIENTS = 3, 4
LOCK_ERRORS = ("database is locked", "deadlock detected", "could not obtain lock", "LockError", "lock timeout")
WORDS = ["ยุทธศาสตร์", "ผู้รับบริการ", "ตัวชี้วัด", "นวัตกรรม", "ความเสี่ยง", "การมีส่วนร่วม", "ข้อร้องเรียน",
         "แผนปฏิบัติการ", "ความพึงพอใจ", "ธรรมาภิบาล", "การจัดการความรู้", "ดิจิทัล"]


@pytest.fixture
def production(tmp_path):
    if postgres_answers(PG_ADMIN_URL) != 0:
        pytest.skip(f"PostgreSQL does not answer at {PG_ADMIN_URL}: the production-shape test needs it")
    number = free_redis_database()
    if number is None:
        pytest.skip("Redis does not answer at 127.0.0.1:6379 (or has no empty database 8-15): "
                    "the production-shape test needs it")
    redis_url = f"redis://{REDIS[0]}:{REDIS[1]}/{number}"
    url, drop = postgres_database(PG_ADMIN_URL)
    installation = Installation(tmp_path / "national", url, agencies=2, reviewers=1)
    installation.use_production_shape(redis_url)
    installation.env["OUTBOX_SWEEP_SECONDS"] = "2"
    yield installation
    installation.dispose()
    drop()
    import redis

    redis.Redis(*REDIS, db=number).flushdb()


def content(n: int) -> tuple[str, bytes]:
    word = WORDS[n]
    text = (f"รายงานผลการดำเนินงานด้าน{word} ของส่วนราชการ ฉบับที่ {n + 1}\n"
            f"หน่วยงานได้ทบทวน{word}ร่วมกับผู้บริหาร และติดตามผลทุกไตรมาส")
    return f"รายงาน{word}.txt", text.encode()


def stored(installation: Installation) -> tuple[dict, int]:
    with installation.app.app_context():
        rows = {e.title: (e.id, e.extraction_status, "\n".join(p.text for p in e.pages))
                for e in db.session.scalars(select(Evidence))}
        comments = db.session.scalar(select(func.count()).select_from(Comment))
        db.session.remove()
        return rows, comments


def test_the_production_shape_under_parallel_uploads_searches_and_comments(production):
    started = time.monotonic()
    base = production.serve_configured(workers=2)  # as the README starts it
    for _ in range(2):
        production.start_worker(threads=2)
    agencies, item = production.agency_ids, production.item_ids[0]
    answers: list[tuple[str, int]] = []
    uploaded: list[str] = []
    stop = threading.Event()

    def uploader(k: int):
        client = Client(base, f"e{k % 2 + 1}")
        for n in range(k * FILES_PER_CLIENT, (k + 1) * FILES_PER_CLIENT):
            name, data = content(n)
            answer = client.post(f"/agencies/{agencies[k % 2]}/items/{item}/files", files=[(name, data)])
            answers.append(("upload", answer.status))
            if answer.status == 200:
                uploaded.append(name.removesuffix(".txt"))

    def commenter():
        client, n = Client(base, "r1"), 0
        while not stop.is_set():
            answer = client.post(f"/agencies/{agencies[n % 2]}/items/{item}/threads",
                                 form={"body": f"ความเห็นผู้ตรวจ ข้อ {n}", "visibility": "shared"})
            answers.append(("comment", answer.status))
            n += 1
            time.sleep(0.1)

    def searcher():
        client, n = Client(base, "e1"), 0
        while not stop.is_set():
            answers.append(("search", client.get("/search/", htmx=True, q=WORDS[n % len(WORDS)]).status))
            n += 1

    uploaders = [threading.Thread(target=uploader, args=(k,)) for k in range(CLIENTS)]
    others = [threading.Thread(target=commenter), threading.Thread(target=searcher)]
    for thread in uploaders + others:
        thread.start()
    for thread in uploaders:
        thread.join(120)
    uploads_done = time.monotonic()

    def all_extracted():
        rows, _ = stored(production)
        return len(rows) == CLIENTS * FILES_PER_CLIENT and all(status == "done" for _, status, _ in rows.values())

    deadline = time.monotonic() + 60
    while not all_extracted() and time.monotonic() < deadline:
        time.sleep(0.5)
    extracted = time.monotonic()
    reader = Client(base, "r1")  # a reviewer of both agencies sees every upload

    def unfound():
        rows, _ = stored(production)
        return [title for title, (evidence_id, _, _) in rows.items()
                if f'href="/evidence/{evidence_id}?q=' not in reader.get("/search/", htmx=True,
                                                                        q=title.removeprefix("รายงาน")).body]

    missing = unfound()
    while missing and time.monotonic() < deadline + 30:
        time.sleep(1)
        missing = unfound()
    searchable = time.monotonic()
    stop.set()
    for thread in others:
        thread.join(60)

    rows, comments = stored(production)
    statuses = sorted({status for _, status in answers})
    assert all(status < 500 for _, status in answers), statuses
    assert sorted(uploaded) == sorted(rows) and len(rows) == CLIENTS * FILES_PER_CLIENT, (uploaded, list(rows))
    for n in range(CLIENTS * FILES_PER_CLIENT):  # every file's text, whole
        name, data = content(n)
        assert rows[name.removesuffix(".txt")][1:] == ("done", data.decode()), name
    assert not missing, f"not found by search: {missing}"
    assert comments == sum(1 for kind, status in answers if kind == "comment" and status == 200) > 0
    logs = {name: (production.root / name).read_text(errors="replace") for name in ("gunicorn.log", "worker.log")}
    for name, text in logs.items():
        assert not [e for e in LOCK_ERRORS if e in text], (name, text[-3000:])
    for line in logs["gunicorn.log"].splitlines():  # JSON lines, the ready line and access records among them
        json.loads(line)

    health = json.loads(urllib.request.urlopen(base + "/healthz", timeout=10).read())
    assert health["status"] == "ok" and health["queue"]["storage"] == "redis"
    assert health["queue"]["pending"] == 0
    metrics = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    counted = sum(float(line.split()[-1]) for line in metrics.splitlines()
                  if line.startswith("pmqa_http_request_duration_seconds_count{"))
    assert counted >= len(answers)  # both workers' requests, summed
    assert 'pmqa_extraction_failures_total{reason="error"}' not in metrics
    print(f"\nproduction shape: {len(answers)} requests ({len(uploaded)} uploads, {comments} comments, "
          f"{sum(1 for k, _ in answers if k == 'search')} searches), statuses {statuses}; uploads took "
          f"{uploads_done - started:.1f} s from start, all extracted after {extracted - uploads_done:.1f} s, "
          f"all searchable after {searchable - uploads_done:.1f} s; {counted:.0f} requests in /metrics")
