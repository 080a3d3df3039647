"""Search benchmark of the PostgreSQL engine (portal/search/pg.py): the same corpus and
queries as bench/search_bench.py (the guide's own Thai text recombined, 50 agencies), rows
written as the engine writes them (tokenising and writing timed apart, and end to end),
then the portal's real search — candidates, grouping, totals, facets, highlights — with no
filter, an agency filter and a category filter; p50/p95 per query set.

    .venv/bin/python -m bench.search_pg_bench --pages 100000 --pages 1000000   (or: make bench-search-pg)

It needs a PostgreSQL server (--admin-url, the loopback one by default) and makes a
throwaway database there, dropped at the end. Sizes grow one table: the first `--distinct`
pages (all of a smaller size) are tokenised by the analyzer and written by the engine's
own INSERT in `--writers` processes, each its own batches of 200 pages, a transaction each; pages
beyond them are copies made on the server (INSERT … SELECT over generate_series) with
another agency, category, cycle, group and date, so a million pages need no hours of
tokenising and keep the distinct pages' term statistics. The text indexes are dropped
during the copying and built again after it (timed). Each timing is a warm query (run once
before), as when a query is typed on, paged or filtered.
"""
import argparse
import multiprocessing
import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.dashboard_bench import make_app
from bench.search_bench import FILTERS, QUERIES, corpus, percentile, timed
from portal.extensions import db
from portal.search import pg
from portal.search.matching import group_key

AGENCIES, CATEGORIES, CYCLES = 50, 7, 3
BATCH = 200  # pages per transaction, as pg.rebuild's batches
WORDS_INDEX = "CREATE INDEX ix_search_page_words ON search_page USING gin (words, pairs, agency_id, cycle_id, categories)"


def row(doc: dict) -> dict:
    """A search_page row for a page of the corpus, through the engine's own _row()."""
    return pg._row({"evidence": "", "answer": "", "agency": doc["agency"], "cycle": "1",
                    "group": group_key("evidence", doc["n"]), "categories": str(doc["n"] % CATEGORIES + 1),
                    "file_kind": "pdf", "file_name": f"doc-{doc['n']}.pdf", "title": doc["title"],
                    "page": 1, "page_label": "หน้า 1", "content": doc["text"], "updated": doc["updated"],
                    "document_date": doc["updated"], "uploaded": doc["updated"]})


_writer: dict = {}  # this writing process's own connection and its server backend


def _start_writer(url: str) -> None:
    _writer["connection"] = create_engine(url).connect()
    _writer["backend"] = _writer["connection"].scalar(text("SELECT pg_backend_pid()"))


def process_cpu(pid: int) -> float:
    """CPU seconds of a process on this machine so far (a server backend's too)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_batch(part: list[dict]) -> dict:
    """Tokenise a batch and write it in one transaction, as an extraction consumer does:
    wall and CPU seconds of each step, the server backend's CPU seconds of the writing."""
    began, cpu = time.perf_counter(), time.process_time()
    rows = [row(d) for d in part]
    took = {"tokenising": time.perf_counter() - began, "tokenising_cpu": time.process_time() - cpu}
    began, cpu, server = time.perf_counter(), time.process_time(), process_cpu(_writer["backend"])
    _writer["connection"].execute(pg.INSERT, rows)
    _writer["connection"].commit()
    took.update(writing=time.perf_counter() - began,
                writing_cpu=time.process_time() - cpu + process_cpu(_writer["backend"]) - server)
    return took


def batches(count: int):
    docs = corpus(count)
    for start in range(0, count, BATCH):
        yield [next(docs) for _ in range(min(BATCH, count - start))]


def write_distinct(url: str, count: int, writers: int) -> dict:
    """Write `count` pages from `writers` processes, each tokenising and writing its own
    batches on its own connection (as several extraction consumers index at once): seconds
    of tokenising and of writing (wall and CPU, summed over the processes, the writing's
    with the server's), and the wall time of the whole. CPU seconds move less than wall
    time on a machine others share."""
    took = dict.fromkeys(("tokenising", "tokenising_cpu", "writing", "writing_cpu"), 0.0)
    began = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(writers, _start_writer, (url,)) as pool:
        for done, batch in enumerate(pool.imap_unordered(write_batch, batches(count)), 1):
            for name, seconds in batch.items():
                took[name] += seconds
            if done % 100 == 0:
                print(f"  {done * BATCH:,} pages written ({time.perf_counter() - began:.0f} s)", flush=True)
    took["wall"] = time.perf_counter() - began
    return took


COPY = """
INSERT INTO search_page (agency_id, cycle_id, group_key, categories, sub_items, items, levels, file_kind,
                         file_name, title, page, page_label, content, question_text, updated, document_date,
                         uploaded, words, pairs, bigrams)
SELECT (s.agency_id + n / :distinct) % :agencies + 1, n / :distinct % :cycles + 1,
       hashtextextended('copy ' || n, 0) >> 1, ARRAY[((n + n / :distinct) % :categories + 1)::text],
       s.sub_items, s.items, s.levels, s.file_kind, 'doc-' || n || '.pdf', s.title, s.page, s.page_label,
       s.content, s.question_text, s.updated + (n / :distinct % 365) * interval '1 day',
       s.document_date + CAST(n / :distinct % 365 AS int), s.uploaded + CAST(n / :distinct % 365 AS int), s.words, s.pairs, s.bigrams
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS n
JOIN search_page s ON s.id = n % :distinct + 1
"""


def copy_pages(have: int, size: int, distinct: int) -> dict:
    """Pages have … size-1 as copies of the distinct ones, in steps of 100k (progress), the
    text indexes dropped meanwhile and built again after: seconds of each."""
    began = time.perf_counter()
    db.session.execute(text("DROP INDEX ix_search_page_words; DROP INDEX ix_search_page_bigrams"))
    db.session.commit()
    for first in range(have, size, 100_000):
        last = min(first + 100_000, size) - 1
        db.session.execute(text(COPY), {"first": first, "last": last, "distinct": distinct, "agencies": AGENCIES,
                                        "cycles": CYCLES, "categories": CATEGORIES})
        db.session.commit()
        print(f"  {last + 1:,} pages ({time.perf_counter() - began:.0f} s)", flush=True)
    copied = time.perf_counter() - began
    began = time.perf_counter()
    db.session.execute(text("SET maintenance_work_mem = '1GB'"))
    db.session.execute(text(WORDS_INDEX))
    print(f"  words index built ({time.perf_counter() - began:.0f} s)", flush=True)
    db.session.execute(text("CREATE INDEX ix_search_page_bigrams ON search_page USING gin (bigrams)"))
    db.session.execute(text("ANALYZE search_page"))
    db.session.commit()
    return {"copying": copied, "indexing": time.perf_counter() - began}


def time_queries(size: int, repeats: int) -> None:
    print(f"{'query set':<10}{'filter':<10}{'p50 ms':>8}{'p95 ms':>8}{'results':>10}   ({size:,} pages, "
          f"load average {os.getloadavg()[0]:.1f})")
    for label, queries in QUERIES.items():
        for filter_name, (agencies, filters) in FILTERS.items():
            samples, shown = [], ""
            for query in queries:
                found = pg.search(None, query, agencies, dict(filters))  # warm: once before
                shown = f"{'>' if found.more_than else ''}{found.total}"
                samples += timed(lambda: pg.search(None, query, agencies, dict(filters)), repeats)
            print(f"{label:<10}{filter_name:<10}{percentile(samples, 50):>8.1f}"
                  f"{percentile(samples, 95):>8.1f}{shown:>10}", flush=True)


def run(admin_url: str, sizes: list[int], distinct: int, writers: int, repeats: int, keep: str | None) -> None:
    name = keep or f"pmqa_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        settings = dict(connection.execute(text("SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name "
                                                "IN ('shared_buffers', 'work_mem', 'effective_cache_size')")).all())
    print(f"PostgreSQL settings: {settings}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = make_app(tmp, admin.url.set(database=name).render_as_string(hide_password=False))
            app.config["SEARCH_BACKEND"] = "postgres"
            with app.app_context():
                have = db.session.scalar(text("SELECT count(*) FROM search_page"))
                distinct = min([distinct, *sizes])
                pg.tokens("ก")  # the segmenter's dictionary loads once, before the processes fork
                if not have:  # (a kept database has them already)
                    print(f"\n== writing {distinct:,} distinct pages ({writers} writing processes) ==")
                    db.session.remove()  # (no connection of this process's crosses the fork)
                    db.engine.dispose()
                    took = write_distinct(db.engine.url.render_as_string(hide_password=False), distinct, writers)
                    db.session.execute(text("ANALYZE search_page"))
                    db.session.commit()
                    print(f"tokenising {distinct / took['tokenising']:,.0f} pages/s per process "
                          f"({distinct / took['tokenising_cpu']:,.0f} per CPU s) · writing rows "
                          f"{distinct / took['writing']:,.0f} pages/s per process ({distinct / took['writing_cpu']:,.0f} "
                          f"per CPU s, client and server) · end to end {distinct / took['wall']:,.0f} pages/s "
                          f"({took['wall']:.0f} s, load average {os.getloadavg()[0]:.1f})")
                have = max(have, distinct)
                for size in sorted(sizes):
                    if have < size:
                        print(f"\n== copying pages up to {size:,} on the server ==")
                        took = copy_pages(have, size, distinct)
                        print(f"copying {took['copying']:.0f} s · text indexes {took['indexing']:.0f} s")
                        have = size
                    table = db.session.scalar(text(  # (a partitioned table's own size is its partitions')
                        "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits "
                        "WHERE inhparent = 'search_page'::regclass"))
                    print(f"search_page: {table} with its indexes")
                    time_queries(size, repeats)
                db.session.remove()
            with app.app_context():
                db.engine.dispose()
    finally:
        if keep:
            print(f"kept the database {name} (drop it with: DROP DATABASE \"{name}\")")
        else:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, action="append", help="table size (repeatable); default 10000")
    parser.add_argument("--distinct", type=int, default=100_000, help="pages tokenised; larger sizes are copies")
    parser.add_argument("--writers", type=int, default=2, help="processes tokenising and writing, each its own batches")
    parser.add_argument("--repeats", type=int, default=3, help="timings per query")
    parser.add_argument("--keep", metavar="DATABASE", help="use and keep this database: a later run with the "
                                                           "same name reuses its pages (sizes only grow)")
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    run(args.admin_url, args.pages or [10_000], args.distinct, args.writers, args.repeats, args.keep)


if __name__ == "__main__":
    main()
