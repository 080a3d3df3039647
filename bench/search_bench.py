"""Search benchmark: index a corpus of realistic Thai pages (the criteria text recombined,
with English acronyms and numbers), then time queries in Whoosh and, as a reference in
the same run, SQLite FTS5 over the same tokens.

    .venv/bin/python -m bench.search_bench --pages 10000 [--pages 100000]
"""
import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from whoosh import index as whoosh_index
from whoosh.query import Term

from portal.config import PROJECT_ROOT
from portal.search.analyzer import words
from portal.search.index import schema
from portal.search.query import build_query, scope_filter

QUERIES = {
    "1 word": ["ยุทธศาสตร์", "ผู้บริหาร", "นวัตกรรม", "KPI", "บุคลากร"],
    "2 words": ["แผน ยุทธศาสตร์", "ตัวชี้วัด ผลลัพธ์", "ผู้รับบริการ ความพึงพอใจ", "ITA ความโปร่งใส", "ดิจิทัล ข้อมูล"],
    "3 words": ["ผู้บริหาร กำหนด ทิศทาง", "แผน ปฏิบัติการ ติดตาม", "บุคลากร พัฒนา สมรรถนะ", "ข้อมูล สารสนเทศ ตัดสินใจ", "กระบวนการ ต้นทุน ลด"],
    "phrase": ['"ผู้มีส่วนได้ส่วนเสีย"', '"ยุทธศาสตร์ชาติ"', '"ความพึงพอใจ"', '"เทคโนโลยีดิจิทัล"', '"การจัดการความรู้"'],
}


def sentences() -> list[str]:
    out = []
    for path in sorted((PROJECT_ROOT / "criteria" / "pmqa-4.0").glob("category-*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for sub in data.get("sub_items", []):
            out += [i["text"] for i in sub["items"]] + [q["text"] for q in sub["questions"]]
            out += [b for bullets in sub["guidance"].values() for b in bullets]
    return [s for s in out if s]


def corpus(count: int, agencies: int = 50):
    rng = random.Random(2569)
    pool = sentences()
    extras = ["KPI", "ITA", "SWOT", "PMQA 4.0", "ร้อยละ 95", "ปี 2569", "Digital Government", "Open Data"]
    for n in range(count):
        text = " ".join(rng.choice(pool) for _ in range(12)) + " " + " ".join(rng.sample(extras, 2))
        yield n, str(n % agencies + 1), text[:2700]


def timed(fn, repeats=1):
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, action="append")
    sizes = parser.parse_args().pages or [10_000]
    for size in sizes:
        run(size)


def run(size: int) -> None:
    docs = list(corpus(size))
    megabytes = sum(len(t.encode()) for *_, t in docs) / 1e6
    started = time.perf_counter()
    tokenised = [(n, agency, text, " ".join(w.lower() for w, _, _ in words(text))) for n, agency, text in docs]
    tokenise_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        ix = whoosh_index.create_in(folder, schema())
        started = time.perf_counter()
        writer = ix.writer(limitmb=512, procs=1)
        for n, agency, text, _ in tokenised:
            writer.add_document(doc_id=f"{n}:1", evidence=str(n), agency=agency, cycle="1", title=text[:60],
                                title_bigram=text[:60], content=text, content_bigram=text, page=1)
        writer.commit()
        index_s = time.perf_counter() - started
        size_mb = sum(p.stat().st_size for p in Path(folder).iterdir()) / 1e6

        fts = sqlite3.connect(":memory:")
        # unicode61 treats Thai vowel and tone marks as separators unless declared as token characters.
        fts.execute("CREATE VIRTUAL TABLE pages USING fts5(agency UNINDEXED, body, tokenize="
                    "\"unicode61 tokenchars '\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e'\")")
        fts.executemany("INSERT INTO pages VALUES (?, ?)", [(a, toks) for _, a, _, toks in tokenised])
        fts.commit()

        print(f"\n== {size:,} pages, {megabytes:.1f} MB of Thai text ==")
        print(f"tokenising (nlpo3)   {size / tokenise_s:9.0f} pages/s {megabytes / tokenise_s:7.2f} MB/s")
        print(f"whoosh index total   {size / index_s:9.0f} pages/s {megabytes / index_s:7.2f} MB/s  (writing incl. analysis)")
        print(f"index size           {size_mb:9.1f} MB")
        print(f"{'query set':<10}{'filter':<8}{'whoosh p50':>11}{'p95':>8}{'fts5 p50':>10}{'p95':>8}  ms")
        with ix.searcher() as searcher:
            for label, queries in QUERIES.items():
                for use_filter in (False, True):
                    whoosh_ms, fts_ms = [], []
                    for text in queries:
                        allowed = scope_filter({7}, {}) if use_filter else None

                        def whoosh_search():  # as portal.search.query.search: words, bigrams if too few
                            hits = searcher.search(build_query(text, ix.schema, False), limit=10, filter=allowed)
                            if hits.scored_length() < 10:
                                hits = searcher.search(build_query(text, ix.schema), limit=10, filter=allowed)
                            return hits.scored_length()

                        whoosh_ms += timed(whoosh_search, 5)
                        match = " ".join(
                            ('"' + " ".join(w.lower() for w, _, _ in words(part.strip('"'))) + '"') if part.startswith('"')
                            else " AND ".join(f'"{w.lower()}"' for w, _, _ in words(part))
                            for part in [text])
                        sql = "SELECT rowid FROM pages WHERE pages MATCH ?" + (" AND agency = '7'" if use_filter else "") + " ORDER BY rank LIMIT 10"
                        fts_ms += timed(lambda: fts.execute(sql, (match,)).fetchall(), 5)
                    q = lambda s, p: statistics.quantiles(s, n=100)[p - 1]
                    print(f"{label:<10}{'agency' if use_filter else '-':<8}{q(whoosh_ms, 50):>11.1f}{q(whoosh_ms, 95):>8.1f}"
                          f"{q(fts_ms, 50):>10.1f}{q(fts_ms, 95):>8.1f}")


if __name__ == "__main__":
    main()
