"""Search benchmark: index a corpus of realistic Thai pages (the PMQA guide's own text,
repaired as the extractor would, recombined, with English words and numbers mixed in),
then time the portal's real search (words, bigram fallback, counts, facets, highlights) with no
filter, an agency filter and a category filter (FILTERS, shared with the PostgreSQL bench).
(The SQLite FTS5 backend once timed here beside Whoosh was retired; its figures stay in
the README.) Whoosh is timed cold (no postings decoded and no Thai segmented in the process
yet, as the first query after a start; the per-segment columns are built before timing)
and warm (the query ran once before, as when it is typed on, paged or filtered).

    .venv/bin/python -m bench.search_bench --pages 10000 --pages 100000     (or: make bench-search)

Indexing is split into tokenising (index.analysed: each phrase-searched field's words and
word pairs, found once, as the portal writes) and index writing (Whoosh's add_document,
which analyses the letter-pair fields itself, and the commits), so each cost is visible.
"""
import argparse
import hashlib
import json
import random
import resource
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from whoosh import index as whoosh_index

from portal.config import PROJECT_ROOT
from portal.search.analyzer import segment_thai
from portal.search import matching
from portal.search.matching import group_key
from portal.search.index import PAGES_PER_COMMIT, WRITER_LIMIT_MB, analysed, merge_small_segments, schema
from portal.search.query import search

SEED = PROJECT_ROOT.parent / "shared" / "seed" / "000_116028f2daf2b27b.txt"
QUERIES = {
    "1 word": ["ยุทธศาสตร์", "ผู้บริหาร", "นวัตกรรม", "KPI", "บุคลากร"],
    "2 words": ["แผน ยุทธศาสตร์", "ตัวชี้วัด ผลลัพธ์", "ผู้รับบริการ ความพึงพอใจ", "ITA ความโปร่งใส", "ดิจิทัล ข้อมูล"],
    "3 words": ["ผู้บริหาร กำหนด ทิศทาง", "แผน ปฏิบัติการ ติดตาม", "บุคลากร พัฒนา สมรรถนะ",
                "ข้อมูล สารสนเทศ ตัดสินใจ", "กระบวนการ ต้นทุน ลด"],
    "phrase": ['"ผู้มีส่วนได้ส่วนเสีย"', '"ยุทธศาสตร์ชาติ"', '"ความพึงพอใจ"', '"เทคโนโลยีดิจิทัล"', '"การจัดการความรู้"'],
}
# Filters every engine's benchmark times each query set with: (agencies seen, the search form's filters).
FILTERS = {"-": (None, {}), "agency": ({7}, {}), "category": (None, {"category": "3"})}
EXTRAS = ["KPI", "ITA", "SWOT", "PMQA 4.0", "ร้อยละ 95.5", "ปี 2569", "Digital Government", "Open Data",
          "๒๕๖๘", "Big Data", "e-Service", "ISO 9001", "งบประมาณ 1,250,000 บาท", "Dashboard"]


def criteria_lines() -> list[str]:
    """The guide's text as the project's criteria files hold it (repaired when they were
    made): items, questions, guidance and notes, one string each."""
    from portal.criteria.loader import read_yaml, strings_in

    files = sorted((PROJECT_ROOT / "criteria").glob("*/category-*.yaml"))
    return [line for file in files for _, text in strings_in(read_yaml(file)) if len(line := text.strip()) > 20]


def seed_lines(path: Path = SEED) -> list[str]:
    """The guide's lines, repaired once (slow: ~15 s) and cached beside the temp files; in
    a checkout without the guide beside it, the criteria files' text of the same guide."""
    if not path.is_file():
        return criteria_lines()
    raw = path.read_text(encoding="utf-8")
    cache = Path(tempfile.gettempdir()) / f"pmqa-seed-{hashlib.sha1(raw.encode()).hexdigest()[:12]}.txt"
    if not cache.is_file():
        from portal.thai.repair import repair_thai

        cache.write_text(repair_thai(raw), encoding="utf-8")
    return [line.strip() for line in cache.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 20]


def corpus(count: int, agencies: int = 50, page_chars: int = 2700):
    rng = random.Random(2569)
    pool = seed_lines()
    epoch = datetime(2023, 10, 1)
    for n in range(count):
        parts, size = [], 0
        while size < page_chars:
            part = rng.choice(pool) if rng.random() > 0.15 else rng.choice(EXTRAS)
            parts.append(part)
            size += len(part) + 1
        text = " ".join(parts)[:page_chars]
        yield {"n": n, "agency": str(n % agencies + 1), "title": " ".join(rng.choice(pool).split()[:6])[:80],
               "text": text, "updated": epoch + timedelta(days=n % 900)}


def whoosh_document(doc: dict) -> dict:
    """A corpus page as the portal's index.documents_for() makes an evidence page."""
    return {"doc_id": f"{doc['n']}:1", "evidence": str(doc["n"]), "agency": doc["agency"], "cycle": "1",
            "categories": str(doc["n"] % 7 + 1), "file_kind": "pdf", "file_name": f"doc-{doc['n']}.pdf",
            "title": doc["title"], "title_bigram": doc["title"], "content": doc["text"], "content_bigram": doc["text"],
            "page": 1, "page_label": "หน้า 1", "updated": doc["updated"], "document_date": doc["updated"],
            "dated": "1", "group": group_key("evidence", doc["n"]), "evidence_number": doc["n"] + 1}


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}  # cpu: this process's own time, for a busy machine
query_clock = CLOCKS["wall"]


def timed(fn, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = query_clock()
        fn()
        samples.append((query_clock() - start) * 1000)
    return samples


def percentile(samples: list[float], p: int) -> float:
    """Linear between the nearest two; one sample is its own percentile, none is NaN."""
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


class Stopwatch(dict):
    def add(self, name: str, started: float) -> None:
        self[name] = self.get(name, 0.0) + time.perf_counter() - started


def build(folder: Path, size: int, batch: int, backends: list[str]) -> tuple[float, Stopwatch]:
    """Stream the corpus in chunks (memory stays flat at any size): analyse once, then
    write each backend from the same tokens, each step timed on its own."""
    clock, megabytes, chunk, writer = Stopwatch(), 0.0, 2000, None
    if "whoosh" in backends:
        (folder / "whoosh").mkdir(parents=True)
        ix = whoosh_index.create_in(str(folder / "whoosh"), schema())
    docs = corpus(size)
    for start in range(0, size, chunk):
        part = [next(docs) for _ in range(min(chunk, size - start))]
        megabytes += sum(len(d["text"].encode()) + len(d["title"].encode()) for d in part) / 1e6
        started = time.perf_counter()
        documents = [analysed(whoosh_document(d)) for d in part]
        clock.add("tokenise", started)
        if "whoosh" in backends:
            started = time.perf_counter()
            for doc, document in zip(part, documents):
                writer = writer or ix.writer(limitmb=WRITER_LIMIT_MB, procs=1)  # as the portal's rebuild
                writer.add_document(**document)
                if (doc["n"] + 1) % batch == 0 or doc["n"] + 1 == size:  # as the rebuild: a commit per batch
                    writer.commit(mergetype=merge_small_segments)
                    writer = None
            clock.add("whoosh", started)
    return megabytes, clock


def _forget() -> None:
    """Cold: no posting lists decoded and no Thai text segmented yet (highlights re-analyse)."""
    matching.clear_caches()
    segment_thai.cache_clear()


def _pages(folder: Path) -> int:
    """Pages in a kept Whoosh index (0: none there)."""
    return whoosh_index.open_dir(str(folder)).doc_count_all() if whoosh_index.exists_in(str(folder)) else 0


def run(size: int, repeats: int, batch: int, keep: Path | None, backends: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep / str(size) if keep else Path(tmp)
        saved = folder / "build.json"
        megabytes, clock = json.loads(saved.read_text()) if saved.is_file() else (0.0, {})
        if "whoosh" in clock and _pages(folder / "whoosh") != size:  # a build that did not finish, or another corpus
            clock.pop("whoosh")
        missing = [b for b in backends if b not in clock]
        for backend in missing:
            shutil.rmtree(folder / backend, ignore_errors=True)
        if missing:  # built earlier with --dir: only the missing backends are built now
            megabytes, built = build(folder, size, batch, missing)
            clock.update({k: v for k, v in built.items() if k != "tokenise"})
            clock.setdefault("tokenise", built["tokenise"])
            if keep:
                saved.write_text(json.dumps([megabytes, clock]))
        print(f"\n== {size:,} pages, {megabytes:.1f} MB of text ==")
        print(f"{'step':<34}{'pages/s':>10}{'MB/s':>8}{'seconds':>9}")
        steps = [("tokenising (words + word pairs)", clock["tokenise"])]
        steps += [(f"{b} index writing", clock[b]) for b in backends]
        steps += [(f"{b} total (tokenising + writing)", clock["tokenise"] + clock[b]) for b in backends]
        for label, seconds in steps:
            print(f"{label:<34}{size / seconds:>10.0f}{megabytes / seconds:>8.2f}{seconds:>9.1f}")
        sizes = {b: sum(p.stat().st_size for p in (folder / b).iterdir()) / 1e6 for b in backends}
        print("index size: " + ", ".join(f"{b} {mb:.1f} MB" for b, mb in sizes.items()))
        engines = {}  # name → (search function, cold: every run starts with no cached postings)
        if "whoosh" in backends:
            started = time.perf_counter()
            ix = whoosh_index.open_dir(str(folder / "whoosh"))
            searcher = ix.searcher()
            whoosh = lambda text, agencies, filters: search(ix, text, agencies, filters, searcher=searcher)  # noqa: E731
            whoosh(EXTRAS[0], None, {})  # the first search of a process: per-segment columns, the Thai dictionary
            print(f"whoosh opened and first search of the process: {(time.perf_counter() - started) * 1000:.0f} ms")
            engines["whoosh cold"] = (lambda *args: (_forget(), whoosh(*args)), True)
            engines["whoosh warm"] = (whoosh, False)
        print(f"{'query set':<10}{'filter':<10}" + "".join(f"{e + ' p50':>17}{'p95':>8}" for e in engines)
              + "  ms (the portal's search with counts, facets, highlights)")
        for label, queries in QUERIES.items():
            for filter_name, (agencies, filters) in FILTERS.items():
                cells = ""
                for engine, cold in engines.values():
                    samples = []
                    for text in queries:
                        if not cold:
                            engine(text, agencies, filters)  # warm: the query has run once before
                        samples += timed(lambda: engine(text, agencies, filters), repeats)
                    cells += f"{percentile(samples, 50):>17.1f}{percentile(samples, 95):>8.1f}"
                print(f"{label:<10}{filter_name:<10}{cells}", flush=True)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, action="append", help="corpus size (repeatable); default 10000")
    parser.add_argument("--repeats", type=int, default=5, help="timings per query")
    parser.add_argument("--batch", type=int, default=PAGES_PER_COMMIT, help="pages per writer commit (the portal's)")
    parser.add_argument("--dir", type=Path, help="keep the built indexes here (a folder per size); a later run "
                                                 "reuses one whose page count matches and builds only what is missing")
    parser.add_argument("--backends", default="whoosh", help="comma-separated engines: whoosh")
    parser.add_argument("--clock", choices=CLOCKS, default="wall", help="query timings in wall or CPU time")
    args = parser.parse_args()
    global query_clock
    query_clock = CLOCKS[args.clock]
    for size in args.pages or [10_000]:
        run(size, args.repeats, args.batch, args.dir, args.backends.split(","))


if __name__ == "__main__":
    main()
