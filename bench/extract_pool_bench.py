"""Throughput of extraction under limits: the pool of warm worker processes
(portal/evidence/pool.py) against a spawned child per file (the previous design, kept
here for comparison), and PDF pages through the pool against `pdftotext` alone.

    .venv/bin/python -m bench.extract_pool_bench [--files 60] [--spawned 12] [--pdfs 5] [--pages 40] [--rounds 3]

Small files are Thai text files of a few lines, extracted by as many threads as the
machine has cores (at most 2, as the Huey consumer runs); "per core" divides by that.
PDFs (reportlab, 25 distinct lines a page: the test documents' Thai sentences, which the
repair passes over, and strings of dictionary words, some of which its checks flag and
decode) are read one after another, one job at a time, best of three rounds on new files,
by workers that have already met one PDF (the Thai repair's character model is built at a
worker's first damaged page and then kept; its cost is printed apart).
"""
import argparse
import multiprocessing
import os
import resource
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench.extract_bench import Lines
from portal.evidence.extract import Extracted, ExtractionError, extract
from portal.evidence.metadata import document_metadata
from portal.evidence.pool import ExtractionPool
from portal.thai.damage import damage_page
from tests import thai_documents as make


def _spawned_child(path: str, kind: str, memory_mb: int, cpu_seconds: int, channel) -> None:
    os.setpgrp()
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    try:
        pages = extract(Path(path), kind, progress=lambda done, total: channel.send(("progress", done, total)))
        channel.send(("done", Extracted(pages, document_metadata(Path(path), kind))))
    except ExtractionError as error:
        channel.send(("error", str(error)))


def spawned(path: Path, kind: str, timeout_s: int = 300, memory_mb: int = 1024) -> Extracted:
    """The previous extract_with_limits: a new spawned Python per file."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_spawned_child, args=(str(path), kind, memory_mb, timeout_s, sender), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            if not receiver.poll(timeout_s):
                raise ExtractionError("timeout")
            message = receiver.recv()
            if message[0] == "done":
                return message[1]
            if message[0] == "error":
                raise ExtractionError(message[1])
    finally:
        receiver.close()
        child.join(timeout=5)


def cpu_seconds(pool: ExtractionPool | None = None) -> float:
    """CPU seconds used so far by this process, its reaped children, and the pool's workers
    with their reaped children (pdftotext): a busy shared machine stretches wall time, not these."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    for pid in pool.pids() if pool else []:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
        total += sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def timed(call, pool: ExtractionPool | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of call()."""
    cpu, started = cpu_seconds(pool), time.perf_counter()
    call()
    return time.perf_counter() - started, cpu_seconds(pool) - cpu


def in_threads(run, paths: list[Path], kind: str, threads: int) -> float:
    """Seconds for `threads` threads to extract every path."""
    todo = list(paths)
    lock = threading.Lock()
    errors = []

    def work():
        while True:
            with lock:
                if not todo:
                    return
                path = todo.pop()
            try:
                run(path, kind)
            except Exception as error:  # counted, then reported
                errors.append(error)

    started = time.perf_counter()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=60, help="small text files through the pool")
    parser.add_argument("--spawned", type=int, default=12, help="small text files through a child per file")
    parser.add_argument("--pdfs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=40, help="pages per PDF")
    parser.add_argument("--rounds", type=int, default=3, help="PDF timings, each on new files; the best is shown")
    options = parser.parse_args()
    cores = min(2, os.cpu_count() or 1)
    lines = Lines()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        texts = []
        for number in range(max(options.files, options.spawned)):
            texts.append(folder / f"small{number}.txt")
            texts[-1].write_text("\n".join(lines(5)), encoding="utf-8")
        sentences = make.SENTENCES

        def pdf_set(label: str, round_: int, page_text) -> list[Path]:
            return [make.pdf(folder / f"{label}{round_}-{number}.pdf", [page_text(number, page)
                                                                         for page in range(options.pages)])
                    for number in range(options.pdfs)]

        rounds = range(options.rounds)  # distinct files each round: no cache sees a page twice
        sets = {
            "Thai sentences": [pdf_set("clean", r, lambda number, page, r=r: "\n".join(
                f"{sentences[(page + line) % len(sentences)]} {r}.{number}.{page}.{line}" for line in range(25)))
                for r in rounds],
            "dictionary-word lines": [pdf_set("words", r, lambda number, page: "\n".join(lines(25))) for r in rounds],
        }
        warm_pdfs = [make.pdf(folder / f"warm{number}.pdf", [damage_page("\n".join(lines(25)))])
                     for number in range(cores)]
        pool = ExtractionPool(size=cores)
        started = time.perf_counter()
        in_threads(lambda path, kind: pool.run(path, kind), texts[:cores], "txt", cores)  # start the workers
        warm_up = time.perf_counter() - started
        started = time.perf_counter()
        in_threads(lambda path, kind: pool.run(path, kind), warm_pdfs, "pdf", cores)  # each builds the model once
        model = time.perf_counter() - started
        pool_small = timed(lambda: in_threads(lambda path, kind: pool.run(path, kind), texts[:options.files], "txt",
                                              cores), pool)
        spawned_small = timed(lambda: in_threads(spawned, texts[:options.spawned], "txt", cores))

        pages = options.pdfs * options.pages
        pdf_rows = []
        for label, per_round in sets.items():
            pdftotext, through_pool = [], []
            for pdf_set_ in per_round:
                pdftotext.append(timed(lambda: [subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
                                                               capture_output=True, check=True) for path in pdf_set_]))
                extracted = []
                through_pool.append(timed(lambda: extracted.extend(
                    page for path in pdf_set_ for page in pool.run(path, "pdf").pages), pool))
                assert len(extracted) == pages
            pdf_rows.append((label, min(through_pool), min(pdftotext)))
        pool.close()

    print(f"{'':<58}{'files/pages':>12}{'seconds':>9}{'per s':>8}{'per s per core':>16}{'CPU s':>7}"
          f"{'per CPU s':>11}")
    rows = [
        (f"small text files, pool ({cores} workers)", options.files, pool_small, cores),
        (f"small text files, child per file ({cores} threads)", options.spawned, spawned_small, cores),
    ]
    for label, through_pool, pdftotext in pdf_rows:
        rows += [(f"PDF pages ({label}), pool", pages, through_pool, 1),
                 (f"PDF pages ({label}), pdftotext alone", pages, pdftotext, 1)]
    for label, count, (seconds, cpu), used in rows:
        print(f"{label:<58}{count:>12}{seconds:>9.2f}{count / seconds:>8.1f}{count / seconds / used:>16.1f}"
              f"{cpu:>7.2f}{count / cpu:>11.1f}")
    print(f"\npool start ({cores} workers importing the readers at once): {warm_up:.1f} s, once per consumer process;"
          f" then the Thai repair's character model, built in each worker at its first damaged PDF page: {model:.1f} s")
    for label, through_pool, pdftotext in pdf_rows:
        print(f"PDF pages of {label} through the pool: {pdftotext[0] / through_pool[0]:.0%} of pdftotext's speed "
              f"in wall time, {pdftotext[1] / through_pool[1]:.0%} in CPU time")
    print("(the pool also checks each page for Thai damage, repairs the lines that show it and reads the metadata; "
          "pypdf counts the pages of a PDF only past the first pdftotext call's 100)")


if __name__ == "__main__":
    main()
