"""Short runs of the search benchmarks (`make bench-search`, `make bench-search-pg` run
them at 100k and 1M pages), so they keep working and keep writing through the portal's
own path: the tables are printed in full and every query set finds pages."""
import os
import re

import pytest

from bench import search_bench, search_pg_bench


def _rows(printed: str) -> dict[tuple[str, str], list[str]]:
    found = {}
    for line in printed.splitlines():
        for label in search_bench.QUERIES:
            if line.startswith(label + " "):
                cells = line[len(label):].split()
                found[(label, cells[0])] = cells[1:]
    return found


def test_the_whoosh_bench_writes_as_the_portal_and_times_every_query_set(capsys):
    search_bench.run(300, repeats=1, batch=100, keep=None, backends=["whoosh"])
    printed = capsys.readouterr().out
    assert re.search(r"tokenising \(words \+ word pairs\)\s+\d+", printed)
    rows = _rows(printed)
    assert len(rows) == len(search_bench.QUERIES) * len(search_bench.FILTERS)
    assert all(len(cells) == 4 and all(float(c) > 0 for c in cells) for cells in rows.values())


def test_the_postgres_bench_writes_from_two_processes_and_finds_every_query_set(capsys):
    url = os.environ.get("TEST_PG_ADMIN_URL")
    if not url:
        pytest.skip("the PostgreSQL bench runs in the PostgreSQL pass (TEST_PG_ADMIN_URL)")
    search_pg_bench.run(url, [400], distinct=400, writers=2, repeats=1, keep=None)
    printed = capsys.readouterr().out
    assert re.search(r"end to end [\d,]+ pages/s", printed)
    rows = _rows(printed)
    assert len(rows) == len(search_bench.QUERIES) * len(search_bench.FILTERS)
    assert all(int(cells[-1].lstrip(">")) > 0 for cells in rows.values())  # results of the last query
