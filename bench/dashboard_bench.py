"""Dashboard benchmark: server time of an agency's dashboard (all ~300 items covered by
1,000 evidence), its export, and the assessors' overview of 300 agencies.

    .venv/bin/python -m bench.dashboard_bench [--agencies 300] [--evidence 1000] [--runs 30]
        [--database-url postgresql://…]   # default: a fresh SQLite file

Targets (issue 6): dashboard ≤ 50 ms, overview ≤ 300 ms on these machines.
"""
import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, select

from portal import create_app
from portal.criteria.loader import load_criteria
from portal.criteria.store import sync_criteria
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, ChecklistItem, Evidence, EvidenceAttachment, RoleGrant, User


def seed(agency_count: int, evidence_count: int, seed_value: int = 7) -> int:
    """Agencies with random partial coverage; the first one has everything. Returns its id."""
    rng = random.Random(seed_value)
    cycle = AssessmentCycle(fiscal_year=2569, criteria_version="pmqa-4.0", is_current=True)
    db.session.add(cycle)
    kinds = ("department", "province", "public_org")
    db.session.execute(insert(Agency), [
        {"code": f"B{n:04d}", "name": f"ส่วนราชการทดสอบที่ {n}", "kind": kinds[n % 3],
         "unit_type": "service" if n % 2 else "policy", "active": True} for n in range(agency_count)])
    user = User(username="bench-assessor", display_name="ผู้ประเมินทดสอบ")
    user.set_password("bench-password-2569")
    user.grants = [RoleGrant(role="assessor")]
    db.session.add(user)
    db.session.flush()
    agency_ids = list(db.session.scalars(select(Agency.id).order_by(Agency.id)))
    item_ids = list(db.session.scalars(select(ChecklistItem.id).join(ChecklistItem.sub_item)))
    evidence_rows, attachment_rows, next_id = [], [], 1
    for position, agency_id in enumerate(agency_ids):
        count = evidence_count if position == 0 else rng.randint(20, 120)
        for n in range(count):
            evidence_rows.append({"id": next_id, "agency_id": agency_id, "cycle_id": cycle.id, "kind": "link",
                                  "title": f"หลักฐาน {n}", "description": "", "url": f"https://example.go.th/{n}",
                                  "extraction_status": "not_applicable", "pages_done": 0, "pages_total": 0})
            # The first agency covers every item; the others a random share.
            items = ({item_ids[n % len(item_ids)], rng.choice(item_ids)} if position == 0
                     else set(rng.sample(item_ids, rng.randint(1, 4))))
            attachment_rows += [{"evidence_id": next_id, "checklist_item_id": i, "note": ""} for i in items]
            next_id += 1
    db.session.execute(insert(Evidence), evidence_rows)
    db.session.execute(insert(EvidenceAttachment), attachment_rows)
    db.session.commit()
    return agency_ids[0]


def timed(client, path: str, runs: int) -> tuple[float, float]:
    client.get(path)  # warm caches, as a second visitor would find them
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def arguments(description: str, **flags: str) -> argparse.Namespace:
    """The options both overview benchmarks take (this one and bench/assessment_overview.py),
    and on/off `flags` of one of them (name → help)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--agencies", type=int, default=300)
    parser.add_argument("--evidence", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url")
    for name, help_text in flags.items():
        parser.add_argument(f"--{name.replace('_', '-')}", action="store_true", help=help_text)
    return parser.parse_args()


def make_app(tmp: str, url: str | None = None):
    """A migrated portal with the criteria loaded, on SQLite in `tmp` unless `url` is given."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "UPLOAD_DIR": str(Path(tmp) / "uploads"), "SEARCH_INDEX_DIR": str(Path(tmp) / "idx"),
                      "RATELIMIT_ENABLED": False, "SEARCH_SYNC_ENABLED": False})
    with app.app_context():
        upgrade()
        sync_criteria(load_criteria(app.config["CRITERIA_DIR"], app.config["CRITERIA_VERSION"]))
    return app


def main() -> None:
    args = arguments("The agency dashboard, its parts and the coverage overview at many agencies")
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp, args.database_url)
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        with app.app_context():
            started = time.perf_counter()
            first = seed(args.agencies, args.evidence)
            seeded_s = time.perf_counter() - started
            items = db.session.scalar(select(db.func.count(ChecklistItem.id)))
        client = app.test_client()
        client.post("/auth/login", data={"username": "bench-assessor", "password": "bench-password-2569"})
        rows = [
            ("agency dashboard", f"/agencies/{first}", 50),
            ("agency dashboard (accepted view)", f"/agencies/{first}?view=accepted", 50),
            ("sub-item level box", f"/agencies/{first}/criteria/1/1.1/summary", 50),
            ("export workbook", f"/agencies/{first}/export.xlsx", None),
            (f"overview, {args.agencies} agencies", "/overview", 300),
            ("overview sorted by category 1", "/overview?sort=1", 300),
        ]
        print(f"database: {url.split(':')[0]} · {args.agencies} agencies · {items} items · "
              f"{args.evidence} evidence on the first agency · seeded in {seeded_s:.1f} s · {args.runs} runs")
        print(f"{'page':<36}{'p50 ms':>9}{'p95 ms':>9}{'target':>9}")
        for label, path, target in rows:
            p50, p95 = timed(client, path, args.runs)
            print(f"{label:<36}{p50:>9.1f}{p95:>9.1f}{(str(target) if target else '—'):>9}")


if __name__ == "__main__":
    main()
