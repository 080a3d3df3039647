"""Soak: several clients upload, search, comment and review at once, on loopback, against
gunicorn with several workers and the real background worker, while `search reindex`
rebuilds the index from the command line; then everything is
checked: no server error, nothing lost (rows, files, index = database), no temporary
file left, `storage check` clean. Prints p50/p95 per request kind: a benchmark, no time
is asserted. `make test` runs a 60-second version (tests/test_soak.py).

    .venv/bin/python -m bench.soak_bench [--seconds 300] [--clients 8] [--workers 4]
        [--think 0.2] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""
import argparse
import random
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.live import (SEARCH_WORDS, THAI, Client, Installation, check_stopped, check_stored, postgres_database,
                        wait_for_worker)
STATUSES = ["submitted", "needs_revision", "accepted"]


@dataclass
class Outcome:
    kind: str
    status: int
    seconds: float


@dataclass
class Record:
    outcomes: list[Outcome] = field(default_factory=list)
    uploads: dict[str, str] = field(default_factory=dict)  # title → unique token
    links: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    drain_seconds: float = 0.0  # from the end of the load until the worker had caught up
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, answer) -> bool:
        with self.lock:
            self.outcomes.append(Outcome(kind, answer.status, answer.seconds))
        return 200 <= answer.status < 400


def _image(token: str) -> bytes | None:
    """A small scan for OCR (the Thai font comes with `make test`)."""
    try:
        from tests.thai_documents import image

        with tempfile.TemporaryDirectory() as folder:
            return image(Path(folder) / "scan.png", f"ใบรับรอง {token}", noise=False).read_bytes()
    except Exception:  # noqa: BLE001  (no Thai font here: text files only)
        return None


def _upload(client: Client, record: Record, agency_id: int, item_id: int, name: str, rng: random.Random) -> None:
    token = f"soak{name}x{rng.randrange(10**9)}"
    title = f"เอกสาร {token}"
    content, suffix = (THAI + f"\n{token}\n").encode(), "txt"
    if rng.random() < 0.06 and (scan := _image(token)) is not None:
        content, suffix = scan, "png"
    answer = client.post(f"/agencies/{agency_id}/items/{item_id}/files", files=[(f"{title}.{suffix}", content)])
    if record.note("upload", answer):
        with record.lock:
            record.uploads[title] = token


def editor_loop(client: Client, record: Record, name: str, agency_id: int, items: list[int],
                deadline: float, rng: random.Random, think: float) -> None:
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(0, 2 * think))
        item_id, action = rng.choice(items), rng.choices(
            ["upload", "link", "search", "page", "comment", "health"], [2, 1, 3, 2, 1, 0.5])[0]
        if action == "upload":
            _upload(client, record, agency_id, item_id, name, rng)
        elif action == "link":
            title = f"ลิงก์ {name} {rng.randrange(10**9)}"
            answer = client.post(f"/agencies/{agency_id}/items/{item_id}/links",
                                 form={"url": "https://example.go.th/report", "title": title})
            if record.note("link", answer):
                with record.lock:
                    record.links.append(title)
        elif action == "search":
            record.note("search", client.get("/search/", htmx=True, q=rng.choice(SEARCH_WORDS)))
        elif action == "page":
            record.note("page", client.get(f"/agencies/{agency_id}/criteria/1/1.1"))
        elif action == "comment":
            _comment(client, record, agency_id, item_id, name, rng, "shared")
        else:
            record.note("health", client.get("/healthz"))


def _comment(client, record, agency_id, item_id, name, rng, visibility) -> None:
    body = f"ขอเอกสารเพิ่มเติม {name} {rng.randrange(10**9)}"
    answer = client.post(f"/agencies/{agency_id}/items/{item_id}/threads", form={"body": body, "visibility": visibility})
    if record.note("comment", answer):
        with record.lock:
            record.comments.append(body)


def reviewer_loop(client: Client, record: Record, name: str, agency_ids: list[int], items: list[int],
                  deadline: float, rng: random.Random, think: float) -> None:
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(0, 2 * think))
        agency_id, item_id = rng.choice(agency_ids), rng.choice(items)
        action = rng.choices(["search", "comment", "review", "page", "inbox"], [3, 2, 2, 1, 1])[0]
        if action == "search":
            record.note("search", client.get("/search/", htmx=True, q=rng.choice(SEARCH_WORDS)))
        elif action == "comment":
            _comment(client, record, agency_id, item_id, name, rng, rng.choice(["shared", "internal"]))
        elif action == "review":  # as a browser: open the item, then send its form with the version
            status, url = rng.choice(STATUSES), f"/agencies/{agency_id}/items/{item_id}/review"
            version = client.form_version(f"/agencies/{agency_id}/items/{item_id}", url)
            answer = client.post(url, form={"status": status, "reason": f"เหตุผล {rng.randrange(1000)}",
                                            "version": version})
            record.note("review", answer)  # 422: it already has that status; 409: another reviewer was first
        elif action == "page":
            record.note("page", client.get(f"/agencies/{agency_id}/criteria/1/1.1"))
        else:
            record.note("inbox", client.get("/reviews/inbox"))


def run(installation: Installation, seconds: float, clients: int, workers: int, think: float = 0.2,
        seed: int = 13) -> tuple[Record, list[str]]:
    """The load (each client waits about `think` seconds between requests), then the
    checks: returns what was done and every problem found."""
    base = installation.serve(workers)
    installation.start_worker()
    record, threads = Record(), []
    deadline = time.monotonic() + seconds
    items = installation.item_ids[:12]
    editors = max(1, clients * 2 // 3)
    for n in range(clients):
        rng = random.Random(seed + n)
        if n < editors:
            number = n % len(installation.agency_ids)
            client = Client(base, f"e{number + 1}")
            target = editor_loop
            args = (client, record, f"c{n}", installation.agency_ids[number], items, deadline, rng, think)
        else:
            client = Client(base, f"r{(n - editors) % installation.reviewers + 1}")
            target = reviewer_loop
            args = (client, record, f"c{n}", installation.agency_ids, items, deadline, rng, think)
        threads.append(threading.Thread(target=_guarded, args=(target, args, record), daemon=True))
    threads.append(threading.Thread(target=_reindex, args=(installation, record, seconds * 0.4), daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 180)
    problems = check(installation, record)
    return record, problems


def _reindex(installation: Installation, record: Record, after: float) -> None:
    """`flask search reindex` beside the load, as an administrator would run it."""
    time.sleep(after)
    started = time.monotonic()
    done = installation.flask("search", "reindex")
    with record.lock:
        record.outcomes.append(Outcome("reindex (command)", 200 if done.returncode == 0 else 500,
                                       time.monotonic() - started))
    if done.returncode != 0:
        print(done.stdout[-500:], done.stderr[-1500:])


def _guarded(target, args, record: Record) -> None:
    try:
        target(*args)
    except Exception as error:  # noqa: BLE001  (a refused connection counts as a server error)
        with record.lock:
            record.outcomes.append(Outcome(f"error: {type(error).__name__}: {error}", 0, 0.0))


def check(installation: Installation, record: Record) -> list[str]:
    problems = [f"{o.kind}: HTTP {o.status}" for o in record.outcomes if o.status >= 500 or o.status == 0]
    started = time.monotonic()
    stale = wait_for_worker(installation)
    record.drain_seconds = time.monotonic() - started
    if stale:
        problems.append(f"worker not caught up (effects left, or index differs from the database): {stale[:20]}")
    problems += check_stored(installation, list(record.uploads) + record.links, record.uploads, record.comments,
                             searched=10)
    installation.stop()
    return problems + check_stopped(installation)


def table(record: Record) -> str:
    by_kind = defaultdict(list)
    for outcome in record.outcomes:
        by_kind[outcome.kind].append(outcome)
    lines = ["| request | count | p50 ms | p95 ms | max ms | statuses |", "|---|---|---|---|---|---|"]
    for kind in sorted(by_kind):
        times = sorted(o.seconds * 1000 for o in by_kind[kind])
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        statuses = defaultdict(int)
        for o in by_kind[kind]:
            statuses[o.status] += 1
        lines.append(f"| {kind} | {len(times)} | {statistics.median(times):.0f} | {p95:.0f} | {times[-1]:.0f} | "
                     + ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items())) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--think", type=float, default=0.2, help="seconds a client waits between requests (mean)")
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (a throwaway database is made)")
    arguments = parser.parse_args()
    drop = None
    database_url = None
    if arguments.postgres:
        database_url, drop = postgres_database(arguments.postgres)
    with tempfile.TemporaryDirectory(prefix="pmqa-soak-") as folder:
        installation = Installation(Path(folder), database_url)
        try:
            started = time.monotonic()
            record, problems = run(installation, arguments.seconds, arguments.clients, arguments.workers,
                                   arguments.think)
            print(f"{'PostgreSQL' if drop else 'SQLite'}, {arguments.clients} clients, gunicorn "
                  f"{arguments.workers} workers, {arguments.seconds:.0f} s of load ({time.monotonic() - started:.0f} s "
                  f"with the checks), {len(record.outcomes)} requests; the worker caught up "
                  f"{record.drain_seconds:.0f} s after the load\n")
            print(table(record))
            print("\nproblems: " + ("none" if not problems else "\n  " + "\n  ".join(problems)))
        finally:
            installation.dispose()
            if drop:
                drop()


if __name__ == "__main__":
    main()
