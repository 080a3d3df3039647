"""The bounded soak of bench/soak_bench.py in `make test`: 50 s of mixed uploads,
searches, comments and reviews from five clients against gunicorn with four workers and
the background worker, on SQLite (and on PostgreSQL in the PostgreSQL pass). No server
error, nothing lost, index = database, no temporary file left, `storage check` clean.
Times are printed, never asserted (the long run is the benchmark)."""
import os

from bench import soak_bench
from bench.live import Installation, postgres_database


def test_mixed_load_loses_nothing_and_never_answers_5xx(tmp_path, capsys):
    admin_url = os.environ.get("TEST_PG_ADMIN_URL")
    url, drop = postgres_database(admin_url) if admin_url else (None, None)
    installation = Installation(tmp_path / "soak", url)
    try:
        record, problems = soak_bench.run(installation, seconds=50, clients=5, workers=4, think=1.2)
    finally:
        installation.dispose()
        if drop:
            drop()
    with capsys.disabled():
        print(f"\nsoak ({'PostgreSQL' if drop else 'SQLite'}): {len(record.outcomes)} requests, worker caught up "
              f"{record.drain_seconds:.0f} s after the load\n{soak_bench.table(record)}")
    assert len(record.uploads) >= 10 and record.comments, "the soak did too little to show anything"
    assert problems == []
