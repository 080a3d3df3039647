"""Search benchmark: index a corpus of realistic Thai pages (the PMQA guide's own text,
repaired as the extractor would, recombined, with English words and numbers mixed in),
then time the portal's real search (words, bigram fallback, facets, highlights) and, as a
reference in the same run, SQLite FTS5 over the same tokens.

    .venv/bin/python -m bench.search_bench --pages 10000 --pages 100000     (or: make bench-search)

Indexing is split into tokenising (the Thai analyzer, words and bigrams for every field)
and index writing (Whoosh fed the already-analysed tokens), so each cost is visible.
"""
import argparse
import hashlib
import json
import random
import resource
import sqlite3
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from whoosh import index as whoosh_index

from portal.config import PROJECT_ROOT
from portal.search.analyzer import thai_bigrams, words
from portal.search.index import schema
from portal.search.query import search

SEED = PROJECT_ROOT.parent / "shared" / "seed" / "000_116028f2daf2b27b.txt"
QUERIES = {
    "1 word": ["ยุทธศาสตร์", "ผู้บริหาร", "นวัตกรรม", "KPI", "บุคลากร"],
    "2 words": ["แผน ยุทธศาสตร์", "ตัวชี้วัด ผลลัพธ์", "ผู้รับบริการ ความพึงพอใจ", "ITA ความโปร่งใส", "ดิจิทัล ข้อมูล"],
    "3 words": ["ผู้บริหาร กำหนด ทิศทาง", "แผน ปฏิบัติการ ติดตาม", "บุคลากร พัฒนา สมรรถนะ",
                "ข้อมูล สารสนเทศ ตัดสินใจ", "กระบวนการ ต้นทุน ลด"],
    "phrase": ['"ผู้มีส่วนได้ส่วนเสีย"', '"ยุทธศาสตร์ชาติ"', '"ความพึงพอใจ"', '"เทคโนโลยีดิจิทัล"', '"การจัดการความรู้"'],
}
EXTRAS = ["KPI", "ITA", "SWOT", "PMQA 4.0", "ร้อยละ 95.5", "ปี 2569", "Digital Government", "Open Data",
          "๒๕๖๘", "Big Data", "e-Service", "ISO 9001", "งบประมาณ 1,250,000 บาท", "Dashboard"]


def seed_lines(path: Path = SEED) -> list[str]:
    """The guide's lines, repaired once (slow: ~15 s) and cached beside the temp files."""
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


def analysed(doc: dict) -> dict:
    """Every indexed field as a list of lowercased tokens: the analyzer's whole work."""
    word_list = lambda text: [w.lower() for w, _, _ in words(text)]  # noqa: E731
    gram_list = lambda text: [g.lower() for g, _, _ in thai_bigrams(text)]  # noqa: E731
    return {"content": word_list(doc["text"]), "content_bigram": gram_list(doc["text"]),
            "title": word_list(doc["title"]), "title_bigram": gram_list(doc["title"])}


def whoosh_document(doc: dict, tokens: dict, names: set) -> dict:
    fields = {"doc_id": f"{doc['n']}:1", "evidence": str(doc["n"]), "agency": doc["agency"], "cycle": "1",
              "categories": str(doc["n"] % 7 + 1), "file_kind": "pdf", "file_name": f"doc-{doc['n']}.pdf",
              "page": 1, "page_label": "หน้า 1", "updated": doc["updated"], "document_date": doc["updated"],
              **tokens, "_stored_content": doc["text"], "_stored_title": doc["title"]}
    return {k: v for k, v in fields.items() if k.removeprefix("_stored_") in names}


def fts5_table(path: Path) -> sqlite3.Connection:
    fts = sqlite3.connect(path)
    # unicode61 treats Thai vowel and tone marks as separators unless declared as token characters.
    marks = "\u0e31" + "".join(chr(c) for c in range(0x0E34, 0x0E3B)) + "".join(chr(c) for c in range(0x0E47, 0x0E4F))
    fts.execute(f"CREATE VIRTUAL TABLE pages USING fts5(agency UNINDEXED, body, tokenize=\"unicode61 tokenchars '{marks}'\")")
    return fts


def fts5_match(text: str) -> str:
    if text.startswith('"'):
        return '"' + " ".join(w.lower() for w, _, _ in words(text.strip('"'))) + '"'
    return " AND ".join(f'"{w.lower()}"' for w, _, _ in words(text))


def timed(fn, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentile(samples: list[float], p: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


class Stopwatch(dict):
    def add(self, name: str, started: float) -> None:
        self[name] = self.get(name, 0.0) + time.perf_counter() - started


def build(folder: Path, size: int, batch: int) -> tuple[float, Stopwatch, sqlite3.Connection]:
    """Stream the corpus in chunks (memory stays flat at any size): analyse, write Whoosh,
    insert the same tokens into FTS5, each timed on its own."""
    clock, megabytes, chunk = Stopwatch(), 0.0, 2000
    ix = whoosh_index.create_in(str(folder / "whoosh"), schema())
    names = set(ix.schema.names())
    fts = fts5_table(folder / "fts5.sqlite")
    docs = corpus(size)
    writer = None
    for start in range(0, size, chunk):
        part = [next(docs) for _ in range(min(chunk, size - start))]
        megabytes += sum(len(d["text"].encode()) + len(d["title"].encode()) for d in part) / 1e6
        started = time.perf_counter()
        tokens = [analysed(d) for d in part]
        clock.add("tokenise", started)
        started = time.perf_counter()
        for doc, toks in zip(part, tokens):
            if writer is None:
                writer = ix.writer(limitmb=256, procs=1)
            writer.add_document(**whoosh_document(doc, toks, names))
            if (doc["n"] + 1) % batch == 0 or doc["n"] + 1 == size:  # as the rebuild: a commit per batch
                writer.commit()
                writer = None
        clock.add("write", started)
        started = time.perf_counter()
        fts.executemany("INSERT INTO pages VALUES (?, ?)", [(d["agency"], " ".join(t["content"])) for d, t in zip(part, tokens)])
        fts.commit()
        clock.add("fts5", started)
    return megabytes, clock, fts


def run(size: int, repeats: int, batch: int, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep / str(size) if keep else Path(tmp)
        saved = folder / "build.json"
        if saved.is_file():  # built earlier with --dir: time the queries again only
            megabytes, clock = json.loads(saved.read_text())
            clock, fts = Stopwatch(clock), sqlite3.connect(folder / "fts5.sqlite")
        else:
            (folder / "whoosh").mkdir(parents=True)
            megabytes, clock, fts = build(folder, size, batch)
            if keep:
                saved.write_text(json.dumps([megabytes, clock]))
        ix = whoosh_index.open_dir(str(folder / "whoosh"))
        index_mb = sum(p.stat().st_size for p in (folder / "whoosh").iterdir()) / 1e6
        fts_mb = (folder / "fts5.sqlite").stat().st_size / 1e6
        print(f"\n== {size:,} pages, {megabytes:.1f} MB of text ==")
        print(f"{'step':<30}{'pages/s':>10}{'MB/s':>8}{'seconds':>9}")
        for label, seconds in (("tokenising (nlpo3 + bigrams)", clock["tokenise"]), ("whoosh index writing", clock["write"]),
                               ("whoosh total", clock["tokenise"] + clock["write"]), ("fts5 writing (same tokens)", clock["fts5"])):
            print(f"{label:<30}{size / seconds:>10.0f}{megabytes / seconds:>8.2f}{seconds:>9.1f}")
        print(f"index size: whoosh {index_mb:.1f} MB ({len(ix.reader().leaf_readers())} segment(s)), fts5 {fts_mb:.1f} MB")
        print(f"{'query set':<10}{'filter':<8}{'whoosh p50':>11}{'p95':>8}{'fts5 p50':>10}{'p95':>8}  ms (portal search: 10 hits, facets, highlights)")
        with ix.searcher() as searcher:
            for label, queries in QUERIES.items():
                for agencies in (None, {7}):
                    whoosh_ms, fts_ms = [], []
                    sql = ("SELECT rowid FROM pages WHERE pages MATCH ?" + (" AND agency = '7'" if agencies else "")
                           + " ORDER BY rank LIMIT 10")
                    for text in queries:
                        whoosh_ms += timed(lambda: search(ix, text, agencies, searcher=searcher), repeats)
                        fts_ms += timed(lambda: fts.execute(sql, (fts5_match(text),)).fetchall(), repeats)
                    print(f"{label:<10}{'agency' if agencies else '-':<8}{percentile(whoosh_ms, 50):>11.1f}"
                          f"{percentile(whoosh_ms, 95):>8.1f}{percentile(fts_ms, 50):>10.1f}{percentile(fts_ms, 95):>8.1f}")
        fts.close()
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, action="append", help="corpus size (repeatable); default 10000")
    parser.add_argument("--repeats", type=int, default=5, help="timings per query")
    parser.add_argument("--batch", type=int, default=10_000, help="pages per writer commit")
    parser.add_argument("--dir", type=Path, help="keep the built indexes here; a later run reuses them "
                                                 "and times the queries only")
    args = parser.parse_args()
    for size in args.pages or [10_000]:
        run(size, args.repeats, args.batch, args.dir)


if __name__ == "__main__":
    main()
