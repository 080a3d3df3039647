"""What the ministry's monitoring reads: /healthz (503 only when the database does not
answer; the queue, the index and disk space reported beside it), /metrics (loopback or the
METRICS_TOKEN) and JSON log lines carrying the request id (portal/logs.py)."""
import io
import json
import logging
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from portal import queue
from portal.admin import operations as admin_ops
from portal.evidence.pipeline import run_extraction
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.logs import JsonFormatter, RequestContext
from portal.models import ChecklistItem, SubItem
from portal.search import backend
from tests.conftest import make_test_app
from tests.helpers import login, make_agency, make_user, stored_text_evidence


@pytest.fixture
def indexed(app, tmp_path, monkeypatch):
    """An index of its own, built, so that only what a test breaks is reported."""
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path / "index"))
    with app.app_context():
        backend.rebuild()
    return Path(app.config["SEARCH_INDEX_DIR"])


def test_a_database_that_does_not_answer_is_503(tmp_path):
    broken = make_test_app(f"sqlite:///{tmp_path / 'missing-folder' / 'portal.sqlite3'}", tmp_path)
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "database_unavailable", "database": "unavailable"}


@pytest.fixture
def empty_queue():
    """The tests' throwaway queue holds whatever earlier tests enqueued and nobody ran."""
    queue.huey.flush()
    yield
    queue.huey.flush()


def test_a_healthy_portal_reports_every_check(client, indexed, empty_queue):
    response = client.get("/healthz")
    health = response.get_json()
    assert response.status_code == 200 and health["status"] == "ok" and health["problems"] == []
    assert health["database"] == "ok" and health["index"] == "ok"
    assert health["queue"] == {"status": "ok", "storage": "sqlite", "pending": 0}


def test_the_queue_depth_is_the_number_of_jobs_waiting(client, indexed, empty_queue):
    assert client.get("/healthz").get_json()["queue"]["pending"] == 0
    assert queue.enqueue_rebuild() and queue.enqueue_rebuild()
    assert client.get("/healthz").get_json()["queue"]["pending"] == 2
    assert "pmqa_queue_depth 2.0" in client.get("/metrics").get_data(as_text=True)


def test_a_queue_that_does_not_answer_is_reported_but_the_portal_serves(client, indexed, monkeypatch):
    def down():
        raise ConnectionError("Redis is not there")

    monkeypatch.setattr(queue.huey, "pending_count", down)
    response = client.get("/healthz")
    health = response.get_json()
    assert response.status_code == 200  # uploads are kept in the outbox until it answers
    assert health["status"] == "queue_unavailable" and health["queue"]["status"] == "unavailable"
    assert health["queue"]["pending"] is None
    assert "pmqa_queue_depth -1.0" in client.get("/metrics").get_data(as_text=True)


@pytest.mark.usefixtures("whoosh_engine")  # PostgreSQL's rows cannot go missing on their own
def test_a_missing_index_is_reported_and_other_pages_still_work(app, client, tmp_path, monkeypatch):
    folder = tmp_path / "no-index"
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(folder))
    response = client.get("/healthz")
    health = response.get_json()
    assert response.status_code == 200
    assert health["status"] == "index_unavailable" and health["index"] == "unavailable"
    assert client.get("/auth/login").status_code == 200
    folder.mkdir()
    (folder / "pmqa.rebuild-requested").write_text("")  # portal/search/repair.py's marker
    assert client.get("/healthz").get_json()["index"] == "rebuilding"


@pytest.mark.usefixtures("whoosh_engine")
def test_low_disk_is_named_before_a_missing_index(app, client, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path / "no-index"))
    monkeypatch.setitem(app.config, "DISK_LOW_MB", 10 ** 12)
    health = client.get("/healthz").get_json()
    assert health["status"] == "low_disk" and health["problems"] == ["low_disk", "index_unavailable"]


def _count(text: str, endpoint: str) -> float:
    line = f'pmqa_http_request_duration_seconds_count{{endpoint="{endpoint}",method="GET",status="2xx"}} '
    found = [row for row in text.splitlines() if row.startswith(line)]
    return float(found[0].split()[-1]) if found else 0.0


def test_metrics_count_requests_by_endpoint_and_status_class(client):
    before = _count(client.get("/metrics").get_data(as_text=True), "auth.login")
    client.get("/auth/login")
    client.get("/auth/login")
    client.get("/no/such/page")
    response = client.get("/metrics")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert _count(text, "auth.login") == before + 2
    assert 'pmqa_http_request_duration_seconds_count{endpoint="unmatched",method="GET",status="4xx"}' in text
    assert "pmqa_extraction_failures_total" in text or "# HELP pmqa_extraction_failures" in text


def test_metrics_are_refused_from_elsewhere_without_the_token(app, client, monkeypatch):
    outside = {"REMOTE_ADDR": "10.20.30.40"}
    refused = client.get("/metrics", environ_base=outside)
    assert refused.status_code == 403 and "METRICS_TOKEN" in refused.get_data(as_text=True)
    # A proxy on the same machine relays everyone's requests from loopback.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-secret")
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


def test_an_extraction_that_fails_is_counted(app):
    def failures():
        return REGISTRY.get_sample_value("pmqa_extraction_failures_total", {"reason": "error"}) or 0.0

    with app.app_context():
        agency = make_agency("OPS-A")
        user = make_user("ops-editor", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item = db.session.scalar(select(ChecklistItem).join(SubItem).where(SubItem.code == "1.1"))
        evidence = stored_text_evidence(agency, item, user, "ไฟล์หาย")
        BlobStore(app.config["UPLOAD_DIR"]).path_for(evidence.current_version.sha256).unlink()
        evidence.extraction_status = "queued"
        db.session.commit()
        before = failures()
        run_extraction(evidence.id)
        assert db.session.get(type(evidence), evidence.id).extraction_status == "failed"
        assert failures() == before + 1
        db.session.remove()


@pytest.fixture
def json_lines():
    """What the JSON handler writes for the portal's loggers during the test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContext())
    portal_logger = logging.getLogger("portal")
    level = portal_logger.level
    portal_logger.addHandler(handler)
    portal_logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    portal_logger.removeHandler(handler)
    portal_logger.setLevel(level)


def test_a_request_logs_one_json_object_with_its_request_id(app, client, json_lines):
    with app.app_context():
        make_user("ops-logger")
        db.session.commit()
    login(client, "ops-logger")
    response = client.get("/", headers={"X-Request-ID": "lb-7f3a-0001"})
    assert response.headers["X-Request-ID"] == "lb-7f3a-0001"
    records = [r for r in json_lines() if r["logger"] == "portal.access" and r.get("request_id") == "lb-7f3a-0001"]
    assert len(records) == 1
    record = records[0]
    assert record["path"] == "/" and record["status"] == 200 and record["method"] == "GET"
    assert record["level"] == "INFO" and record["message"] == "GET / 200" and record["duration_ms"] >= 0
    assert isinstance(record["user_id"], int) and record["time"].endswith("+00:00")


def test_a_request_without_a_usable_id_gets_a_new_one(client, json_lines):
    given = client.get("/auth/login", headers={"X-Request-ID": "no spaces, quotes or \"" + "x" * 80})
    made = given.headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/auth/login").headers["X-Request-ID"]
    assert any(r.get("request_id") == made for r in json_lines())


def test_json_logs_go_to_the_root_logger_when_asked(database_url, tmp_path):
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        json_app = make_test_app(database_url, tmp_path, LOG_FORMAT="json")
        assert not json_app.logger.handlers  # one copy of each record, the JSON one
        assert any(isinstance(h.formatter, JsonFormatter) for h in root.handlers)
        make_test_app(database_url, tmp_path, LOG_FORMAT="json")  # a second app adds no second handler
        assert sum(isinstance(h.formatter, JsonFormatter) for h in root.handlers) == 1
    finally:
        root.handlers[:], root.level = handlers, level
