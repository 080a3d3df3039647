"""Search benchmark of the PostgreSQL engine (portal/search/pg.py): the same corpus and
queries as bench/search_bench.py (the guide's own Thai text recombined, 50 agencies), rows
written as the engine writes them (tokenising and writing timed apart), then the portal's
real search — candidates, grouping, totals, facets, highlights — with no filter, an agency
filter and a category filter; p50/p95 per query set.

    .venv/bin/python -m bench.search_pg_bench --pages 10000 --pages 100000   (or: make bench-search-pg)

It needs a PostgreSQL server (--admin-url, the loopback one by default) and makes a
throwaway database there. Each timing is a warm query (run once before), as when a query
is typed on, paged or filtered; PostgreSQL's own buffers are whatever the server has.
"""
import argparse
import tempfile
import time
import uuid

from sqlalchemy import create_engine, text

from bench.dashboard_bench import make_app
from bench.search_bench import QUERIES, corpus, percentile, timed
from portal.extensions import db
from portal.search import pg
from portal.search.matching import group_key

FILTERS = {"-": (None, {}), "agency": ({7}, {}), "category": (None, {"category": "3"})}


def row(doc: dict) -> dict:
    """A search_page row for a page of the corpus, through the engine's own _row()."""
    return pg._row({"evidence": "", "answer": "", "agency": doc["agency"], "cycle": "1",
                    "group": group_key("evidence", doc["n"]), "categories": str(doc["n"] % 7 + 1),
                    "file_kind": "pdf", "file_name": f"doc-{doc['n']}.pdf", "title": doc["title"],
                    "page": 1, "page_label": "หน้า 1", "content": doc["text"], "updated": doc["updated"],
                    "document_date": doc["updated"], "uploaded": doc["updated"]})


def build(size: int, chunk: int = 1000) -> tuple[float, float]:
    """Tokenising and writing seconds, a commit per chunk as a rebuild's batches."""
    tokenising = writing = 0.0
    docs = corpus(size)
    for start in range(0, size, chunk):
        part = [next(docs) for _ in range(min(chunk, size - start))]
        began = time.perf_counter()
        rows = [row(d) for d in part]
        tokenising += time.perf_counter() - began
        began = time.perf_counter()
        db.session.execute(pg.INSERT, rows)
        db.session.commit()
        writing += time.perf_counter() - began
    db.session.execute(text("ANALYZE search_page"))
    db.session.commit()
    return tokenising, writing


def run(admin_url: str, size: int, repeats: int) -> None:
    name = f"pmqa_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = make_app(tmp, admin.url.set(database=name).render_as_string(hide_password=False))
            app.config["SEARCH_BACKEND"] = "postgres"
            with app.app_context():
                method = db.session.scalar(text("SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
                                                "WHERE c.relname = 'ix_search_page_words'"))
                tokenising, writing = build(size)
                print(f"\n== {size:,} pages on PostgreSQL ({method} index on the words) ==")
                print(f"tokenising {size / tokenising:,.0f} pages/s · writing rows {size / writing:,.0f} pages/s · "
                      f"both {size / (tokenising + writing):,.0f} pages/s")
                print(f"{'query set':<10}{'filter':<10}{'p50 ms':>8}{'p95 ms':>8}{'results':>10}")
                for label, queries in QUERIES.items():
                    for filter_name, (agencies, filters) in FILTERS.items():
                        samples, shown = [], ""
                        for query in queries:
                            found = pg.search(None, query, agencies, dict(filters))  # warm: once before
                            shown = f"{'>' if found.more_than else ''}{found.total}"
                            samples += timed(lambda: pg.search(None, query, agencies, dict(filters)), repeats)
                        print(f"{label:<10}{filter_name:<10}{percentile(samples, 50):>8.1f}"
                              f"{percentile(samples, 95):>8.1f}{shown:>10}", flush=True)
                db.session.remove()
            with app.app_context():
                db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, action="append", help="corpus size (repeatable); default 10000")
    parser.add_argument("--repeats", type=int, default=3, help="timings per query")
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    for size in args.pages or [10_000]:
        run(args.admin_url, size, args.repeats)


if __name__ == "__main__":
    main()
