"""A long extraction beside real traffic, on loopback: gunicorn with several workers and
the extraction in another process share one database. While a test extractor sleeps,
and while Tesseract reads a large scan for real, readers and writers keep being answered
(no 500, no lock error) and the reads finish while the extraction is still running: the
worker holds no transaction across the slow work (portal/evidence/pipeline.py)."""
import os
import threading
import time
from dataclasses import dataclass
from functools import partial

import pytest
from sqlalchemy import select

from bench.live import Client, Installation, postgres_database
from portal.evidence import pipeline, pool
from portal.extensions import db
from portal.models import Evidence
from tests import slow_extractor
from tests import thai_documents as make


@pytest.fixture
def installation(tmp_path):
    admin_url = os.environ.get("TEST_PG_ADMIN_URL")
    url, drop = postgres_database(admin_url) if admin_url else (None, None)
    installation = Installation(tmp_path / "live", url, agencies=2, reviewers=1)
    yield installation
    installation.dispose()
    if drop:
        drop()


@dataclass
class Call:
    kind: str
    started: float
    ended: float
    status: int


def traffic(base: str, agency_id: int, item_id: int, stop: threading.Event, calls: list[Call]) -> list[threading.Thread]:
    """Two readers and two writers, each signed in on its own, until `stop`."""
    def reader(username):
        client = Client(base, username)
        reads = [(f"/agencies/{agency_id}/criteria/1/1.1", {}), (f"/agencies/{agency_id}", {}), ("/healthz", {}),
                 ("/search/", {"q": "รายงาน"})]
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            path, params = reads[n % len(reads)]
            answer = client.get(path, **params)
            calls.append(Call("read", started, time.monotonic(), answer.status))
            n += 1

    def writer(username, action):
        client = Client(base, username)
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            if action == "link":
                answer = client.post(f"/agencies/{agency_id}/items/{item_id}/links",
                                     form={"url": "https://example.go.th/x", "title": f"ลิงก์ระหว่างดึงข้อความ {n}"})
            else:
                answer = client.post(f"/agencies/{agency_id}/items/{item_id}/threads",
                                     form={"body": f"ความเห็นระหว่างดึงข้อความ {n}", "visibility": "shared"})
            calls.append(Call("write", started, time.monotonic(), answer.status))
            n += 1
            time.sleep(0.2)

    threads = [threading.Thread(target=reader, args=("e1",)), threading.Thread(target=reader, args=("r1",)),
               threading.Thread(target=writer, args=("e1", "link")), threading.Thread(target=writer, args=("r1", "comment"))]
    for thread in threads:
        thread.start()
    return threads


def upload(client: Client, agency_id: int, item_id: int, name: str, content: bytes) -> None:
    answer = client.post(f"/agencies/{agency_id}/items/{item_id}/files", files=[(name, content)])
    assert answer.status == 200, answer.body[:500]


def evidence_status(installation, title: str) -> tuple[int, str]:
    with installation.app.app_context():
        evidence = db.session.scalar(select(Evidence).where(Evidence.title == title))
        found = (evidence.id, evidence.extraction_status, "\n".join(p.text for p in evidence.pages))
        db.session.remove()
        return found


def assert_served_throughout(calls: list[Call], extraction_started: float, extraction_ended: float) -> None:
    assert calls and all(call.status < 500 for call in calls), sorted({c.status for c in calls})
    assert all(call.status in (200, 302) for call in calls), sorted({c.status for c in calls})
    during = [c for c in calls if extraction_started + 0.5 < c.started and c.ended < extraction_ended]
    reads = [c for c in during if c.kind == "read"]
    writes = [c for c in during if c.kind == "write"]
    assert len(reads) >= 10 and len(writes) >= 4, (len(reads), len(writes))  # answered while it ran
    late = [c for c in calls if c.kind == "read" and extraction_started + 0.5 < c.started < extraction_ended - 2
            and c.ended > extraction_ended]
    assert not late, f"{len(late)} reads waited for the extraction to end"


def test_a_slow_extraction_blocks_no_reader_and_no_writer(installation, monkeypatch):
    base = installation.serve(workers=3)
    agency_id, item_id = installation.agency_ids[0], installation.item_ids[0]
    upload(Client(base, "e1"), agency_id, item_id, "ช้ามาก.txt", "รายงานที่ดึงข้อความช้า".encode())
    evidence_id, status, _ = evidence_status(installation, "ช้ามาก")
    assert status == "queued"  # no worker runs here: the test runs the job itself
    monkeypatch.setattr(pipeline, "extract_with_limits",
                        partial(pool.extract_with_limits, extractor=slow_extractor.sleep_then_extract))
    times = {}

    def run_job():
        with installation.app.app_context():
            times["started"] = time.monotonic()
            pipeline.run_extraction(evidence_id)
            times["ended"] = time.monotonic()
            db.session.remove()

    stop, calls = threading.Event(), []
    clients = traffic(base, agency_id, item_id, stop, calls)
    job = threading.Thread(target=run_job)
    job.start()
    job.join(slow_extractor.SECONDS + 60)
    stop.set()
    for thread in clients:
        thread.join(60)
    assert times["ended"] - times["started"] >= slow_extractor.SECONDS
    assert_served_throughout(calls, times["started"], times["ended"])
    assert evidence_status(installation, "ช้ามาก")[1:] == ("done", "รายงานที่ดึงข้อความช้า")


def test_a_real_ocr_of_a_large_scan_beside_parallel_clients(installation, tmp_path):
    base = installation.serve(workers=3)
    installation.start_worker(threads=1)
    agency_id, item_id = installation.agency_ids[0], installation.item_ids[0]
    scan = make.image(tmp_path / "scan.png", "\n".join(make.SENTENCES * 12))  # 1700 × 3380 px, 36 lines
    upload(Client(base, "e1"), agency_id, item_id, "สแกนใหญ่.png", scan.read_bytes())
    stop, calls = threading.Event(), []
    deadline = time.monotonic() + 300
    while evidence_status(installation, "สแกนใหญ่")[1] == "queued" and time.monotonic() < deadline:
        time.sleep(0.1)
    started = time.monotonic()
    clients = traffic(base, agency_id, item_id, stop, calls)
    while evidence_status(installation, "สแกนใหญ่")[1] == "extracting" and time.monotonic() < deadline:
        time.sleep(0.2)
    ended = time.monotonic()
    stop.set()
    for thread in clients:
        thread.join(60)
    evidence_id, status, text = evidence_status(installation, "สแกนใหญ่")
    # That the OCR ran long enough to matter is what assert_served_throughout counts (requests
    # answered while it ran), not a fixed number of seconds: a faster run took 2.9 s, not > 3.
    assert status == "done", (status, ended - started)
    assert_served_throughout(calls, started, ended)
    squeezed = text.replace(" ", "")
    assert "ยุทธศาสตร์" in squeezed and "KPI" in squeezed
    found = Client(base, "e1").get("/search/", htmx=True, q="ยุทธศาสตร์")
    deadline = time.monotonic() + 60
    while f'href="/evidence/{evidence_id}?q=' not in found.body and time.monotonic() < deadline:  # indexed next
        time.sleep(0.5)
        found = Client(base, "e1").get("/search/", htmx=True, q="ยุทธศาสตร์")
    assert f'href="/evidence/{evidence_id}?q=' in found.body
