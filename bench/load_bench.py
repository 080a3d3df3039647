"""Load: 50 and 200 people at once on loopback, agencies' staff, reviewers and assessors
(bench/load_people.py, run by locust headless), each signed in and thinking 1–5 s between
requests, against the two shapes the portal runs in:

- embedded: SQLite, the Whoosh index, gunicorn as `make run` serves it (gunicorn.conf.py,
  2 workers × 4 threads) and the Huey consumer on its SQLite queue (2 threads);
- production: a throwaway PostgreSQL database, SEARCH_BACKEND=postgres, Redis (a database
  number of its own, emptied after) for the queue and the rate limits, gunicorn 4 workers ×
  4 threads, two Huey consumers in processes of their own (README "ใช้งานจริงทั้งประเทศ").

Uploads are real files (Thai text and Word) going through upload → storage → worker →
index. After each run the worker is waited for, then every answered upload must be stored
once, extracted and found by search by its own word; every answered comment stored once;
after the last run `storage check` is clean and no temporary file is left. Prints p50/p95
per request kind and the number of unexpected answers (errors: any 5xx, a refused
connection, a 4xx a person would not get); a benchmark, no time is asserted.

    .venv/bin/python -m bench.load_bench [--users 50 --users 200] [--seconds 90]
        [--shape embedded --shape production] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""
import argparse
import json
import math
import os
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select, text

from bench.live import (BIN, PASSWORD, REDIS, Installation, check_stopped, check_stored, free_redis_database,
                        postgres_database, wait_for_worker)
from bench.search_bench import percentile
from portal.config import PROJECT_ROOT
from portal.extensions import db
from portal.models import Category, ChecklistItem, Evidence, SubItem

AGENCIES = 10
SHARES = {"staff": 0.7, "reviewers": 0.2, "assessors": 0.1}  # the users' weights in load_people.py
SHAPES = ("embedded", "production")
RAMP_SECONDS = 30




def summarize(requests: list[list], since: float = 0.0) -> list[tuple[str, int, float, float, int]]:
    """(kind, count, p50 ms, p95 ms, errors) per request kind, from [kind, status, ms,
    expected, sent at] rows. Counts and times are of the requests sent from `since` on
    (everybody signed in), the sign-in's own kinds ("login…") of all of them; errors
    (unexpected answers, a failure without an answer is status 0) of the whole run."""
    by_kind, errors = defaultdict(list), defaultdict(int)
    for kind, status, milliseconds, expected, sent, *_ in requests:
        errors[kind] += not expected
        if sent >= since or kind.startswith("login"):
            by_kind[kind].append((milliseconds, expected))
    rows = []
    for kind in sorted(set(by_kind) | set(errors)):
        times = sorted(ms for ms, expected in by_kind[kind] if expected)
        rows.append((kind, len(by_kind[kind]), percentile(times, 50), percentile(times, 95), errors[kind]))
    return rows


def unexpected(requests: list[list]) -> dict[str, dict[str, int]]:
    """Per request kind, how many unexpected answers of each status (and what failed)."""
    found = defaultdict(lambda: defaultdict(int))
    for kind, status, _, expected, _, failure in requests:
        if not expected:
            found[kind][f"{status} {failure}".strip()] += 1
    return found


def worker_warnings(installation: Installation, limit: int = 5) -> list[str]:
    """The background worker's warnings and errors (a job that failed is tried again later)."""
    lines = (installation.root / "worker.log").read_text(errors="replace").splitlines()
    return [line[:600] for line in lines if "WARNING" in line or "ERROR" in line][-limit:]


def server_errors(installation: Installation, limit: int = 5) -> list[str]:
    """The server's log records of errors and 5xx answers (JSON lines of gunicorn.conf.py)."""
    found = []
    for line in (installation.root / "gunicorn.log").read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("level") in ("ERROR", "CRITICAL") or int(entry.get("status") or 0) >= 500:
            found.append(line[:3000])
    return found[-limit:]


def plan_accounts(installation: Installation) -> dict:
    """The accounts locust hands out: [username, the address it comes from, its agency]. An
    agency's staff share their office's address; reviewers and assessors have their own."""
    offices = {agency_id: f"10.20.{n}.1" for n, agency_id in enumerate(installation.agency_ids, 1)}
    return {"staff": [[name, offices[agency], agency] for name, agency in installation.editors],
            "reviewers": [[name, f"10.30.{n // 250}.{n % 250 + 1}", None]
                          for n, name in enumerate(installation.reviewer_names)],
            "assessors": [[name, f"10.40.{n // 250}.{n % 250 + 1}", None]
                          for n, name in enumerate(installation.assessor_names)]}


def accounts_needed(most_users: int) -> dict:
    return {role: math.ceil(most_users * share) for role, share in SHARES.items()}


def build(shape: str, root: Path, most_users: int, admin_url: str):
    """The installation of a shape, served and with its worker(s); and what undoes it."""
    needed = accounts_needed(most_users)
    # Behind a deployment's reverse proxy: X-Forwarded-For is the person's address.
    env = {"TRUSTED_PROXIES": "1"}
    undo = []
    url = None
    if shape == "production":
        number = free_redis_database(range(8, 16))
        if number is None:
            raise SystemExit("Redis does not answer at 127.0.0.1:6379 (or has no empty database 8-15)")
        url, drop = postgres_database(admin_url)
        undo.append(drop)
        undo.append(lambda: __import__("redis").Redis(*REDIS, db=number).flushdb())
        env["SEARCH_BACKEND"] = "postgres"
    installation = Installation(root, url, agencies=AGENCIES, staff=math.ceil(needed["staff"] / AGENCIES),
                                reviewers=needed["reviewers"], assessors=needed["assessors"], extra_env=env)
    undo.insert(0, installation.dispose)
    if shape == "production":
        installation.use_production_shape(f"redis://{REDIS[0]}:{REDIS[1]}/{number}")
        installation.serve_configured(workers=4, threads=4)
        for _ in range(2):
            installation.start_worker(threads=2)
    else:
        installation.serve_configured(workers=2, threads=4)  # gunicorn.conf.py's defaults, as `make run`
        installation.start_worker(threads=2)
    return installation, undo


def run_locust(installation: Installation, users: int, seconds: int, folder: Path) -> dict:
    with installation.app.app_context():
        sub_items = [[c, s] for c, s in db.session.execute(  # the workspaces that have checklist items
            select(Category.code, SubItem.code).distinct().join(SubItem.category).join(ChecklistItem)
            .where(Category.version == installation.app.config["CRITERIA_VERSION"]))]
        db.session.remove()
    out = folder / f"load-{users}.json"
    plan = {"password": PASSWORD, "agencies": installation.agency_ids, "items": installation.item_ids[:12],
            "sub_items": sub_items, "out": str(out), **plan_accounts(installation)}
    plan_file = folder / f"plan-{users}.json"
    plan_file.write_text(json.dumps(plan, ensure_ascii=False))
    spawn_rate = users / RAMP_SECONDS  # people arrive over the first 30 s, as at 9 o'clock
    command = [str(BIN / "locust"), "-f", str(PROJECT_ROOT / "bench" / "load_people.py"), "--headless",
               "--host", installation.url, "--users", str(users), "--spawn-rate", f"{spawn_rate:.3f}",
               "--run-time", f"{seconds}s", "--stop-timeout", "60", "--only-summary", "--loglevel", "WARNING",
               "--exit-code-on-error", "0"]
    env = {**os.environ, "LOAD_PLAN": str(plan_file), "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(command, env=env, cwd=str(PROJECT_ROOT), capture_output=True, text=True,
                          timeout=seconds + 180)
    (folder / f"locust-{users}.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"locust failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(out.read_text())


def cpu_by_process() -> dict[int, tuple[int, float]]:
    """Every live process: its process group and its user + system CPU seconds, its reaped
    children's included (Linux /proc)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        # fields[2]: the process group; [11:15]: utime, stime, cutime, cstime in ticks
        found[int(entry.name)] = (int(fields[2]), sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK"))
    return found


def cpu_spent(before: dict, after: dict, chosen) -> float:
    """CPU seconds the chosen processes (chosen(pid, group)) spent between two readings; a
    process that started meanwhile counts from zero, one that ended meanwhile is missed."""
    return sum(seconds - before.get(pid, (0, 0.0))[1] for pid, (group, seconds) in after.items() if chosen(pid, group))


def database_backends(installation: Installation) -> set[int]:
    """PostgreSQL's server processes serving this installation's database (none on SQLite)."""
    if not installation.database_url.startswith("postgresql"):
        return set()
    with installation.app.app_context():
        pids = set(db.session.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                           "AND pid <> pg_backend_pid()")))
        db.session.remove()
    return pids


def queue_waits(installation: Installation, titles: list[str]) -> list[float]:
    """Seconds from each upload's row to its extraction starting (the worker's queue)."""
    with installation.app.app_context():
        rows = db.session.execute(select(Evidence.created_at, Evidence.extraction_started_at)
                                  .where(Evidence.title.in_(titles))).all()
        db.session.remove()
    return sorted((started - created).total_seconds() for created, started in rows if started)


def run_shape(shape: str, user_counts: list[int], seconds: int, admin_url: str) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory(prefix=f"pmqa-load-{shape}-") as folder:
        folder = Path(folder)
        installation, undo = build(shape, folder / "portal", max(user_counts), admin_url)
        answered, comments = [], []
        try:
            for users in user_counts:
                load_avg = os.getloadavg()[0]
                groups = {process.pid for process in installation.processes}  # each its own session
                before = cpu_by_process()
                started = time.monotonic()
                record = run_locust(installation, users, seconds, folder)
                ended = time.monotonic()
                after, backends = cpu_by_process(), database_backends(installation)
                # What the server spent, whoever else shares the machine.
                web_cpu = cpu_spent(before, after, lambda pid, group: group in groups)
                database_cpu = cpu_spent(before, after, lambda pid, group: pid in backends)
                requests = record["requests"]
                began = min(r[4] for r in requests)  # the first sign-in page asked for
                steady = [r for r in requests if r[4] >= began + RAMP_SECONDS and not r[0].startswith("login")]
                stale = wait_for_worker(installation)
                drained = time.monotonic() - ended
                answered += list(record["uploads"])
                comments += record["comments"]
                problems = [f"worker not caught up: {stale[:10]}"] if stale else []
                if errors := unexpected(requests):
                    problems.append("unexpected answers: " + "; ".join(
                        f"{kind} " + ", ".join(f"{n}× {status}" for status, n in sorted(statuses.items()))
                        for kind, statuses in sorted(errors.items())))
                    problems += [f"server log: {line}" for line in server_errors(installation)]
                problems += check_stored(installation, answered, record["uploads"], comments)
                for line in worker_warnings(installation):  # not a problem: what made the worker slower
                    print(f"worker log: {line}", flush=True)
                waits = queue_waits(installation, list(record["uploads"]))
                results.append({"shape": shape, "users": users, "rows": summarize(requests, began + RAMP_SECONDS),
                                "requests": len(requests), "steady_rate": len(steady) / max(1, seconds - RAMP_SECONDS),
                                "seconds": ended - started, "web_cpu_ms": web_cpu * 1000 / len(requests),
                                "database_cpu_ms": database_cpu * 1000 / len(requests),
                                "uploads": len(record["uploads"]), "drained": drained, "waits": waits,
                                "problems": problems, "load": (load_avg, os.getloadavg()[0])})
                print(report(results[-1]), flush=True)
            installation.stop()
            results[-1]["problems"] += check_stopped(installation)
            if results[-1]["problems"]:
                print("after the last run: " + "; ".join(results[-1]["problems"]), flush=True)
        finally:
            for step in undo:
                step()
    return results


def report(result: dict) -> str:
    waits = result["waits"]
    queue = (f"queue wait p50 {percentile(waits, 50):.1f} s, p95 {percentile(waits, 95):.1f} s, "
             f"max {waits[-1]:.1f} s" if waits else "no upload")
    lines = [f"\n{result['shape']}, {result['users']} users: {result['requests']} requests in "
             f"{result['seconds']:.0f} s ({result['steady_rate']:.1f}/s once everybody was signed in), "
             f"{result['uploads']} uploads ({queue}); the worker caught up "
             f"{result['drained']:.0f} s after the load; load average {result['load'][0]:.1f} → {result['load'][1]:.1f}; "
             f"CPU per request: web and worker {result['web_cpu_ms']:.0f} ms"
             + (f", PostgreSQL {result['database_cpu_ms']:.0f} ms" if result["database_cpu_ms"] else ""),
             "| shape | users | request | count | p50 ms | p95 ms | errors |", "|---|---|---|---|---|---|---|"]
    for kind, count, p50, p95, errors in result["rows"]:
        lines.append(f"| {result['shape']} | {result['users']} | {kind} | {count} | {p50:.0f} | {p95:.0f} | {errors} |")
    lines.append("problems: " + ("none" if not result["problems"] else "\n  " + "\n  ".join(result["problems"])))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, action="append", help="people at once (repeat; default 50 and 200)")
    parser.add_argument("--seconds", type=int, default=90, help="length of each run, the 30 s ramp included")
    parser.add_argument("--shape", choices=SHAPES, action="append", help="default: both")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="admin URL of the PostgreSQL server of the production shape")
    arguments = parser.parse_args()
    results = []
    for shape in arguments.shape or SHAPES:
        results += run_shape(shape, arguments.users or [50, 200], arguments.seconds, arguments.postgres)
    print("\n| shape | users | request | count | p50 ms | p95 ms | errors |\n|---|---|---|---|---|---|---|")
    for result in results:
        for kind, count, p50, p95, errors in result["rows"]:
            print(f"| {result['shape']} | {result['users']} | {kind} | {count} | {p50:.0f} | {p95:.0f} | {errors} |")
    failed = [r for r in results if r["problems"] or any(row[4] for row in r["rows"])]
    print("\nerrors or problems: " + (", ".join(f"{r['shape']} {r['users']}" for r in failed) if failed else "none"))
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
