"""Assessment overview benchmark: server time of the assessment overview and of the
coverage overview at 300 agencies, each with a team of 3 assessors, most submitted,
judgements and consensus for a realistic share.

    .venv/bin/python -m bench.assessment_overview [--agencies 300] [--runs 30]
        [--database-url postgresql://…]   # default: a fresh SQLite file
        [--no-freeze]                     # leave the loaded app to the garbage collector

The loaded app is gc.freeze()d before the data is made, as gunicorn.conf.py's when_ready
does in the server: otherwise every full collection walks the ~200k objects of the loaded
code, criteria and dictionaries (40–170 ms each on this machine) every 2–3 overview requests.

Target (issue 16): ≤ 300 ms p95 for both overviews.
"""
import gc
import os
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import insert, select, text

from bench.dashboard_bench import arguments, make_app
from bench.dashboard_bench import seed as seed_coverage
from portal.assessment.overview import codes_to_judge
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, RoleGrant, Submission, User
from portal.models.assessment import JUDGED_LEVELS, AssessmentAssignment, AssessmentState, Judgement
from portal.models.user import utcnow

TEAM_SIZE = 3
ASSESSORS = 40
PASSWORD = "bench-password-2569"


@dataclass
class Expected:
    """What the overview must show per agency id, tallied while the data is made."""
    team_size: dict[int, int] = field(default_factory=dict)
    submitted: set[int] = field(default_factory=set)
    scored: dict[int, int] = field(default_factory=dict)
    consensus: dict[int, int] = field(default_factory=dict)
    status: dict[int, str] = field(default_factory=dict)
    category_levels: dict[int, dict[str, str]] = field(default_factory=dict)


def seed_assessment(cycle: AssessmentCycle, seed_value: int = 16) -> Expected:
    """Teams of 3 for 95 % of the active agencies; 85 % submitted; of the teamed agencies,
    70 % have judgements (each assessor a random share of the codes), 45 % consensus on
    part of the codes, 25 % the consensus done and 10 % published. Bulk inserts."""
    rng = random.Random(seed_value)
    assessors = []
    for n in range(ASSESSORS):
        user = User(username=f"bench-team-{n:02d}", display_name=f"ผู้ประเมินทีม {n:02d}")
        user.set_password(PASSWORD)
        user.grants = [RoleGrant(role="assessor")]
        assessors.append(user)
    db.session.add_all(assessors)
    db.session.flush()
    codes = codes_to_judge(cycle)
    now = utcnow()
    expected = Expected()
    assignments, submissions, judgements, states = [], [], [], []
    agency_ids = list(db.session.scalars(select(Agency.id).where(Agency.active).order_by(Agency.id)))
    for agency_id in agency_ids:
        if rng.random() < 0.85:
            submissions.append({"agency_id": agency_id, "cycle_id": cycle.id, "number": 1, "manifest_sha256": "0" * 64,
                                "snapshot": {}, "submitted_at": now - timedelta(days=rng.randint(1, 30)),
                                "late": False})
            expected.submitted.add(agency_id)
        if rng.random() >= 0.95:
            expected.status[agency_id] = "no_team"
            continue
        team = rng.sample(assessors, TEAM_SIZE)
        assignments += [{"cycle_id": cycle.id, "agency_id": agency_id, "assessor_id": user.id, "is_lead": i == 0,
                         "assigned_at": now} for i, user in enumerate(team)]
        expected.team_size[agency_id] = TEAM_SIZE
        progress = rng.random()
        scored = 0
        if progress < 0.70:
            for user in team:
                for code in rng.sample(codes, rng.randint(1, len(codes))):
                    level = rng.choice((*JUDGED_LEVELS, None))  # opened, not yet given a level
                    judgements.append(_judgement(cycle, agency_id, code, user.id, level))
                    scored += level is not None
        expected.scored[agency_id] = scored
        agreed = 0
        levels = {}
        if progress < 0.45:
            share = 1.0 if progress < 0.25 else rng.random()
            for code in codes:
                if rng.random() < share:
                    level = rng.choice(JUDGED_LEVELS)
                    judgements.append(_judgement(cycle, agency_id, code, None, level))
                    agreed += 1
                    if "." not in code:
                        levels[code] = level
        expected.consensus[agency_id] = agreed
        expected.category_levels[agency_id] = levels
        status = "published" if progress < 0.10 else "consensus" if progress < 0.25 else "assessing"
        expected.status[agency_id] = status
        if status != "assessing":
            states.append({"cycle_id": cycle.id, "agency_id": agency_id, "consensus_done_at": now,
                           "published_at": now if status == "published" else None, "version": 1})
    for model, rows in ((AssessmentAssignment, assignments), (Submission, submissions),
                        (Judgement, judgements), (AssessmentState, states)):
        if rows:
            db.session.execute(insert(model), rows)
    db.session.commit()
    return expected


def _judgement(cycle, agency_id, code, assessor_id, level) -> dict:
    return {"cycle_id": cycle.id, "agency_id": agency_id, "scope": "sub_item" if "." in code else "category",
            "code": code, "assessor_id": assessor_id, "level": level, "private_note": "", "version": 1,
            "updated_at": utcnow()}


def timed(client, path: str, runs: int) -> tuple[float, float, float]:
    """p50 and p95 wall time, and p50 CPU time of this process: on a machine shared with
    other work the wall time includes waiting for a core, the CPU time does not."""
    client.get(path)  # warm caches, as a second visitor would find them
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    wall.sort()
    return statistics.median(wall), wall[int(len(wall) * 0.95) - 1], statistics.median(cpu)


def main() -> None:
    args = arguments("The assessment overview and the coverage overview at many agencies",
                     no_freeze="leave the loaded app to the garbage collector (as `flask run` does)")
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp, args.database_url)
        if not args.no_freeze:
            gc.collect()
            gc.freeze()
        with app.app_context():
            started = time.perf_counter()
            seed_coverage(args.agencies, args.evidence)
            cycle = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current))
            seed_assessment(cycle)
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))  # the statistics autovacuum keeps on a real database
                db.session.commit()
            seeded_s = time.perf_counter() - started
            judgements = db.session.scalar(select(db.func.count(Judgement.id)))
        client = app.test_client()
        response = client.post("/auth/login", data={"username": "bench-team-00", "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        rows = [
            (f"assessment overview, {args.agencies}", "/assessment/overview"),
            ("  filtered: กำลังประเมิน, กรม", "/assessment/overview?status=assessing&kind=department"),
            ("  filtered: name search", "/assessment/overview?q=%E0%B8%97%E0%B8%B5%E0%B9%88%201"),
            ("  only my teams", "/assessment/overview?mine=1"),
            ("  sorted by scoring, page 3", "/assessment/overview?sort=scored&order=desc&page=3"),
            (f"coverage overview, {args.agencies}", "/overview"),
            ("  sorted by category 1", "/overview?sort=1"),
            ("  filtered: province", "/overview?kind=province"),
        ]
        print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]} · {args.agencies} agencies · "
              f"teams of {TEAM_SIZE} · {judgements} judgements · seeded in {seeded_s:.1f} s · {args.runs} runs · "
              f"{'app not frozen' if args.no_freeze else f'{gc.get_freeze_count()} objects frozen'}")
        print(f"{'page':<40}{'p50 ms':>9}{'p95 ms':>9}{'cpu p50':>9}{'target':>9}")
        for label, path in rows:
            p50, p95, cpu = timed(client, path, args.runs)
            print(f"{label:<40}{p50:>9.1f}{p95:>9.1f}{cpu:>9.1f}{'300':>9}{'' if p95 <= 300 else '  MISSED'}")
        print(f"load average while measuring: {' '.join(f'{n:.2f}' for n in os.getloadavg())} "
              f"({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
