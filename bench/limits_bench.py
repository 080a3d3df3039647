"""Rate-limit counters and sign-in: what the database:// storage costs per hit, how many
hits per second several processes get through on one key, and the sign-in server time per
outcome (an unknown user must take as long as a wrong password).

    .venv/bin/python -m bench.limits_bench [--hits 500] [--processes 4] [--tries 20]
        [--pg-admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Default: a fresh SQLite file. With --pg-admin-url: a throwaway database on that server,
dropped at the end.
"""
import argparse
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db, limiter

PASSWORD = "bench-password-2569"


def make_app(database_url: str, files: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench",
                       "UPLOAD_DIR": str(files / "uploads"), "SEARCH_INDEX_DIR": str(files / "index"),
                       "WTF_CSRF_ENABLED": False, "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
                       "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute"})


def percentiles(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    return f"{statistics.median(ordered) * 1000:.2f} / {ordered[int(len(ordered) * 0.95)] * 1000:.2f}"


def _hammer(database_url: str, files: str, hits: int, ready, go) -> None:
    app = make_app(database_url, Path(files))
    with app.app_context():
        limiter.storage.incr("bench-warm", 600)
        ready.wait()
        go.wait()
        for _ in range(hits):
            limiter.storage.incr("bench-shared", 600)


def concurrent_rate(database_url: str, files: Path, processes: int, hits: int) -> float:
    context = multiprocessing.get_context("spawn")
    ready, go = context.Barrier(processes + 1), context.Event()
    workers = [context.Process(target=_hammer, args=(database_url, str(files), hits, ready, go))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    ready.wait()
    started = time.perf_counter()
    go.set()
    for worker in workers:
        worker.join()
    return processes * hits / (time.perf_counter() - started)


def sign_in_times(app, tries: int) -> dict[str, str]:
    from portal.admin import operations as ops

    with app.app_context():
        ops.create_user("bench-user", "ผู้ใช้ทดสอบ", PASSWORD)
        inactive, _ = ops.create_user("bench-inactive", "ผู้ใช้ระงับ", PASSWORD)
        inactive.active = False
        db.session.commit()
    client = app.test_client()
    cases = {"unknown user": ("nobody", "wrong"), "wrong password": ("bench-user", "wrong"),
             "inactive user": ("bench-inactive", "wrong"), "success": ("bench-user", PASSWORD)}
    timings = {name: [] for name in cases}
    for attempt in range(tries + 1):
        for name, (username, password) in cases.items():
            started = time.perf_counter()
            client.post("/auth/login", data={"username": username, "password": password})
            if attempt:  # the first round pays for first use
                timings[name].append(time.perf_counter() - started)
            client.post("/auth/logout")
    return {name: percentiles(values) for name, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-admin-url")
    parser.add_argument("--hits", type=int, default=500)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--tries", type=int, default=20)
    args = parser.parse_args()
    files = Path(tempfile.mkdtemp(prefix="pmqa-limits-bench-"))
    if args.pg_admin_url:
        from tests.conftest import _postgres_database

        database_url, drop = _postgres_database(args.pg_admin_url)
    else:
        database_url, drop = f"sqlite:///{files / 'bench.sqlite3'}", None
    try:
        run(args, database_url, files)
    finally:
        if drop:
            drop()


def run(args, database_url: str, files: Path) -> None:
    app = make_app(database_url, files)
    with app.app_context():
        upgrade()
        storage = limiter.storage
        hit_times, read_times = [], []
        for n in range(args.hits):
            started = time.perf_counter()
            storage.incr(f"bench-{n % 50}", 600)
            hit_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            storage.get(f"bench-{n % 50}")
            read_times.append(time.perf_counter() - started)
    rate = concurrent_rate(database_url, files, args.processes, args.hits)
    print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}")
    print("| measure | p50 / p95 ms |\n|---|---|")
    print(f"| counter hit (UPSERT) | {percentiles(hit_times)} |")
    print(f"| counter read | {percentiles(read_times)} |")
    for name, value in sign_in_times(app, args.tries).items():
        print(f"| sign-in: {name} | {value} |")
    print(f"\n{args.processes} processes on one key: {rate:,.0f} hits/s")


if __name__ == "__main__":
    main()
