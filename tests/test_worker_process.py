"""The real background worker (huey_consumer, as `make run` starts it) extracts evidence,
and a job whose worker is killed with SIGKILL mid-extraction runs again on restart once
its heartbeat has stopped for JOB_DEAD_SECONDS (short here; tests/test_worker_faults.py
measures the default)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from werkzeug.datastructures import FileStorage

from portal import queue
from portal.admin import operations as admin_ops
from portal.criteria.loader import load_criteria
from portal.criteria.store import sync_criteria
from portal.evidence import operations as ops
from portal.extensions import db
from tests import thai_documents as make
from portal.config import PROJECT_ROOT
from tests.conftest import make_test_app
from tests.helpers import make_agency

CONSUMER = Path(sys.executable).with_name("huey_consumer")


@pytest.fixture
def world(tmp_path):
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    app = make_test_app(url, tmp_path)
    with app.app_context():
        upgrade()
        sync_criteria(load_criteria(app.config["CRITERIA_DIR"]))
        agency = make_agency("WORKER-A")
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        agency_id = agency.id
    env = {**os.environ, "DATABASE_URL": url, "UPLOAD_DIR": str(tmp_path / "uploads"),
           "SEARCH_INDEX_DIR": str(tmp_path / "search_index"), "SECRET_KEY": "worker-test",
           "JOB_HEARTBEAT_SECONDS": "0.5", "JOB_DEAD_SECONDS": "2", "OUTBOX_SWEEP_SECONDS": "0.5",
           "PYTHONPATH": str(PROJECT_ROOT)}
    consumers = []
    queue.huey.flush()  # jobs other tests enqueued into the shared test queue are not this world's
    log = (tmp_path / "consumer.log").open("ab")

    def start():
        consumer = subprocess.Popen([str(CONSUMER), "portal.worker.huey", "--workers", "1",
                                     "--worker-type", "thread", "--delay", "0.1"],
                                    env=env, cwd=str(PROJECT_ROOT), stdout=log, stderr=subprocess.STDOUT)
        consumers.append(consumer)
        return consumer

    def add(name: str, path: Path) -> int:
        with app.app_context():
            from portal.models import Agency
            with path.open("rb") as handle:
                evidence = ops.add_file(db.session.get(Agency, agency_id), None, FileStorage(handle, filename=name), None)
            db.session.commit()  # the commit enqueues the extraction (portal.effects)
            return evidence.id

    engine = create_engine(url)

    def status(evidence_id: int) -> str:
        with engine.connect() as connection:
            return connection.execute(text("SELECT extraction_status FROM evidence WHERE id = :id"),
                                      {"id": evidence_id}).scalar()

    def wait_for(evidence_id: int, wanted: str, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if status(evidence_id) == wanted:
                return wanted
            time.sleep(0.05)
        return status(evidence_id)

    yield start, add, wait_for
    for consumer in consumers:
        if consumer.poll() is None:
            consumer.kill()
        consumer.wait(timeout=10)
    engine.dispose()
    queue.huey.flush()


def test_the_worker_extracts_an_uploaded_file(world, tmp_path):
    start, add, wait_for = world
    start()
    evidence_id = add("แผน.pdf", make.pdf(tmp_path / "a.pdf", [make.SENTENCES[1]]))
    assert wait_for(evidence_id, "done") == "done"


def test_a_job_killed_mid_extraction_runs_again_after_restart(world, tmp_path):
    start, add, wait_for = world
    consumer = start()
    scan = make.image(tmp_path / "scan.png", "\n".join(make.SENTENCES * 6))
    evidence_id = add("สแกน.png", scan)
    assert wait_for(evidence_id, "extracting") == "extracting"
    consumer.send_signal(signal.SIGKILL)  # the worker dies mid-job
    consumer.wait(timeout=10)
    time.sleep(0.5)
    assert wait_for(evidence_id, "done", seconds=0.1) == "extracting"  # nobody finished it
    start()  # the new worker's sweep sends the job again once its heartbeat is 2 s old
    assert wait_for(evidence_id, "done") == "done"
