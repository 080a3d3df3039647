"""Prometheus metrics, served at /metrics (portal/main/views.py).

- pmqa_http_request_duration_seconds: histogram by endpoint, method and status class (2xx…5xx);
- pmqa_queue_depth: jobs waiting in the queue, read when scraped;
- pmqa_extraction_failures_total: extractions that ended "failed", by reason
  (error: the file could not be read; crash: a bug);
- pmqa_index_update_failures_total: index updates that could not be written (full disk,
  damaged or missing index), tried again later by the outbox.

Several processes (gunicorn workers, Huey consumers) share their figures through
prometheus_client's multiprocess mode: PROMETHEUS_MULTIPROC_DIR names a folder, emptied
before the processes start, where each process keeps its own files; /metrics adds them up
(gunicorn.conf.py sets this up and marks dead workers). Without it the figures are the
serving process's own.

/metrics answers requests from loopback, and from elsewhere those that carry
`Authorization: Bearer <METRICS_TOKEN>` (none when METRICS_TOKEN is empty). A request
relayed by a proxy (it carries X-Forwarded-For) is not taken for loopback.
"""
import hmac
import ipaddress
import os
import time

from flask import Flask, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REQUEST_SECONDS = Histogram(
    "pmqa_http_request_duration_seconds", "Time to answer a request, by endpoint and status class",
    ["endpoint", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
EXTRACTION_FAILURES = Counter("pmqa_extraction_failures", "Extractions that ended failed", ["reason"])
INDEX_UPDATE_FAILURES = Counter("pmqa_index_update_failures",
                                "Index updates that could not be written (tried again later)", ["kind"])
CONTENT_TYPE = CONTENT_TYPE_LATEST


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def register(app: Flask) -> None:
    app.after_request(_observe)


def _observe(response):
    started = g.get("request_started")  # portal/logs.py
    if started is not None:
        endpoint = request.url_rule.endpoint if request.url_rule is not None else "unmatched"
        REQUEST_SECONDS.labels(endpoint, request.method, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started)
    return response


def allowed() -> bool:
    """Loopback without a proxy in between, or the right bearer token."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if "X-Forwarded-For" in request.headers and not current_app.config.get("TRUSTED_PROXIES"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


class _QueueDepth:
    def __init__(self, depth: int | None):
        self.depth = depth

    def collect(self):
        gauge = GaugeMetricFamily("pmqa_queue_depth", "Jobs waiting in the queue (-1: the queue does not answer)")
        gauge.add_metric([], -1 if self.depth is None else self.depth)
        yield gauge


def exposition(queue_depth: int | None) -> bytes:
    """Every process's figures (multiprocess mode) or this one's, and the queue depth now."""
    from prometheus_client import REGISTRY
    from prometheus_client.multiprocess import MultiProcessCollector

    if folder := multiprocess_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=folder)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    now = CollectorRegistry()
    now.register(_QueueDepth(queue_depth))
    return body + generate_latest(now)
