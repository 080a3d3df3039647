"""The pool of extraction workers (portal/evidence/pool.py): limits per job, a fresh
worker after an overrun, a kill from outside, recycling, several threads at once."""
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from portal.evidence.extract import ExtractedPage, ExtractionError, extract
from portal.evidence.pool import ExtractionPool
from tests import thai_documents as make
from tests.test_extraction_jobs import editor, upload  # noqa: F401  (editor is a fixture)

THAI = "แผนปฏิบัติราชการประจำปี ร้อยละ 95"
HOARD = []


# Extractors for the workers: module-level so a spawned worker can import them.

def pid_extractor(path, kind, progress):
    return [ExtractedPage(1, "pid", str(os.getpid()))]


def hungry_extractor(path, kind, progress):
    return bytearray(4 * 1024 ** 3)


def sleepy_extractor(path, kind, progress):
    progress(1, 2)
    time.sleep(60)


def spinning_extractor(path, kind, progress):
    started = time.process_time()
    while time.process_time() - started < 1.5:
        pass
    return pid_extractor(path, kind, progress)


def limits_extractor(path, kind, progress):
    """This job's limits as the worker set them, beside what the worker holds and has used."""
    import resource

    from portal.evidence.pool import _memory

    used = resource.getrusage(resource.RUSAGE_SELF)
    figures = (resource.getrlimit(resource.RLIMIT_CPU)[0], used.ru_utime + used.ru_stime,
               resource.getrlimit(resource.RLIMIT_AS)[0], _memory()[0], os.getpid())
    return [ExtractedPage(1, "limits", " ".join(map(str, figures)))]


def growing_extractor(path, kind, progress):
    HOARD.append(bytearray(os.urandom(1024)) * (100 * 1024))  # 100 MB kept past the job
    return pid_extractor(path, kind, progress)


def marked_then_slow_extractor(path, kind, progress):
    """Writes its pid beside the file, then takes 3 s: time to be killed from outside."""
    Path(f"{path}.pid").write_text(str(os.getpid()))
    time.sleep(3)
    return extract(path, kind, progress)


def crash_once_extractor(path, kind, progress):
    marker = Path(f"{path}.crashed")
    if not marker.exists():
        marker.write_text("1")
        os.abort()
    return extract(path, kind, progress)


def model_extractor(path, kind, progress):
    from portal.thai.language_model import thai_model

    return [ExtractedPage(1, "model", str(thai_model.cache_info().currsize))]


def crashing_extractor(path, kind, progress):
    os.abort()


@pytest.fixture
def pools():
    made = []

    def make_pool(**settings) -> ExtractionPool:
        made.append(ExtractionPool(**settings))
        return made[-1]

    yield make_pool
    for pool in made:
        pool.close()


@pytest.fixture
def text(tmp_path) -> Path:
    path = tmp_path / "a.txt"
    path.write_text(THAI, encoding="utf-8")
    return path


def only_pid(pool: ExtractionPool) -> int:
    pids = pool.pids()
    assert len(pids) == 1, pids
    return pids[0]


def test_a_job_over_its_memory_limit_fails_and_the_next_succeeds_on_a_fresh_worker(pools, text):
    pool = pools(size=1)
    before = pool.run(text, "txt", extractor=pid_extractor).pages[0].text
    with pytest.raises(ExtractionError, match="หน่วยความจำเกิน 300 MB"):
        pool.run(text, "txt", memory_mb=300, timeout_s=30, extractor=hungry_extractor)
    assert only_pid(pool) != int(before)  # the worker retired after its MemoryError
    assert pool.run(text, "txt", timeout_s=30, extractor=extract).pages[0].text == THAI


def test_a_job_over_its_time_limit_is_killed_with_its_worker_and_the_next_succeeds(pools, text):
    pool = pools(size=1)
    first = int(pool.run(text, "txt", extractor=pid_extractor).pages[0].text)
    seen = []
    started = time.monotonic()
    with pytest.raises(ExtractionError, match="ใช้เวลาดึงข้อความเกิน 2 วินาที"):
        pool.run(text, "txt", progress=lambda *a: seen.append(a), timeout_s=2, extractor=sleepy_extractor)
    assert time.monotonic() - started < 8 and seen == [(1, 2)]
    assert not Path(f"/proc/{first}").exists() or Path(f"/proc/{first}/stat").read_text().split(") ")[1][0] in "ZX"
    assert pool.run(text, "txt", timeout_s=30).pages[0].text == THAI
    assert only_pid(pool) != first


def test_limits_are_set_per_job_not_per_worker_life(pools, text):
    pool = pools(size=1)
    spun = pool.run(text, "txt", timeout_s=60, extractor=spinning_extractor).pages[0].text
    figures = pool.run(text, "txt", timeout_s=7, memory_mb=200, extractor=limits_extractor).pages[0].text.split()
    cpu_limit, cpu_used, memory_limit, address_space, pid = int(figures[0]), float(figures[1]), *map(int, figures[2:])
    assert pid == int(spun) and cpu_used > 1.5  # the same worker, its CPU seconds so far counted
    assert 7 <= cpu_limit - cpu_used <= 8.5  # this job's 7 seconds on top of them
    assert 0 <= memory_limit - address_space - 200 * 1024 ** 2 < 16 * 1024 ** 2  # 200 MB on top of what it holds


def test_a_worker_killed_from_outside_is_replaced_and_its_job_runs_again(pools, text):
    pool = pools(size=1)
    outcome = {}
    job = threading.Thread(target=lambda: outcome.update(
        result=pool.run(text, "txt", timeout_s=60, extractor=marked_then_slow_extractor)))
    job.start()
    marker = Path(f"{text}.pid")
    for _ in range(300):
        if marker.exists() and marker.read_text():
            break
        time.sleep(0.1)
    killed = int(marker.read_text())
    marker.unlink()
    os.kill(killed, signal.SIGKILL)
    job.join(60)
    assert outcome["result"].pages[0].text == THAI  # run again on a fresh worker
    assert int(marker.read_text()) != killed
    os.kill(only_pid(pool), signal.SIGKILL)  # killed while idle: the next job still runs
    time.sleep(0.2)
    assert pool.run(text, "txt", timeout_s=30).pages[0].text == THAI


def test_a_crash_is_tried_once_more_then_fails_with_a_thai_reason(pools, text):
    pool = pools(size=1)
    assert pool.run(text, "txt", timeout_s=30, extractor=crash_once_extractor).pages[0].text == THAI
    with pytest.raises(ExtractionError, match="หยุดทำงานกะทันหัน"):
        pool.run(text, "txt", timeout_s=30, extractor=crashing_extractor)
    assert pool.run(text, "txt", timeout_s=30).pages[0].text == THAI


def test_a_worker_is_recycled_after_its_jobs_and_after_its_memory_grew(pools, text):
    pool = pools(size=1, max_jobs=2)
    pids = [pool.run(text, "txt", extractor=pid_extractor).pages[0].text for _ in range(5)]
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
    pool = pools(size=1, max_growth_mb=150)
    pids = [pool.run(text, "txt", extractor=growing_extractor).pages[0].text for _ in range(3)]
    assert pids[0] == pids[1] != pids[2]  # 100 MB kept after one job, 200 MB after two


def test_two_threads_extract_at_once_on_two_workers(pools, tmp_path):
    pool = pools(size=2)
    paths = [make.docx(tmp_path / "a.docx", [THAI]), make.pdf(tmp_path / "b.pdf", [THAI, THAI])]
    results, errors = {}, []

    def work(path, kind):
        try:
            results[kind] = pool.run(path, kind, timeout_s=60)
            results[kind + " pid"] = pool.run(path, kind, timeout_s=60, extractor=pid_extractor).pages[0].text
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(path, kind)) for path, kind in zip(paths, ("docx", "pdf"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors and [p.text for p in results["docx"].pages] == [THAI]
    assert [p.text for p in results["pdf"].pages] == [THAI, THAI]
    assert len(pool.pids()) <= 2


def test_workers_outlive_the_thread_that_started_them(pools, text):
    """PR_SET_PDEATHSIG follows the thread that started a process, so workers are started
    by the pool's own thread: a request or job thread that ends takes no worker with it."""
    pool = pools()
    pids = []
    starter = threading.Thread(target=lambda: pids.append(pool.run(text, "txt", extractor=pid_extractor).pages[0].text))
    starter.start()
    starter.join(60)
    time.sleep(0.5)
    assert pool.run(text, "txt", extractor=pid_extractor).pages[0].text == pids[0]


def test_the_pipeline_marks_overruns_failed_and_extracts_the_next_file(app, editor, monkeypatch):
    """Through run_extraction, as the worker's job runs it: a file over its memory limit,
    then one over its time limit, end "failed" with the reason (nothing stays
    "extracting"), and the next file is extracted."""
    from functools import partial

    from sqlalchemy import select

    from portal.evidence import pool as extraction
    from portal.evidence import pipeline
    from portal.extensions import db
    from portal.models import Evidence

    def outcome(title):
        with app.app_context():
            evidence = db.session.scalar(select(Evidence).where(Evidence.title == title))
            pipeline.run_extraction(evidence.id)
            db.session.expire_all()
            evidence = db.session.get(Evidence, evidence.id)
            return evidence.extraction_status, evidence.extraction_error, [p.text for p in evidence.pages]

    for name in ("ใหญ่", "ช้า", "ปกติ"):
        upload(editor, f"{name}.txt", f"{THAI} {name}".encode())  # distinct: a copy would be offered to attach
    monkeypatch.setattr(pipeline, "extract_with_limits",
                        partial(extraction.extract_with_limits, extractor=hungry_extractor))
    status, error, _ = outcome("ใหญ่")
    assert status == "failed" and f"หน่วยความจำเกิน {app.config['EXTRACTION_MEMORY_MB']} MB" in error
    monkeypatch.setattr(pipeline, "extract_with_limits",
                        partial(extraction.extract_with_limits, extractor=sleepy_extractor))
    monkeypatch.setitem(app.config, "EXTRACTION_TIMEOUT_SECONDS", 2)
    status, error, _ = outcome("ช้า")
    assert status == "failed" and "เกิน 2 วินาที" in error
    monkeypatch.undo()
    assert outcome("ปกติ") == ("done", None, [f"{THAI} ปกติ"])


def test_the_repair_model_is_built_up_front_only_when_asked(pools, text, monkeypatch):
    assert pools(size=1).run(text, "txt", extractor=model_extractor).pages[0].text == "0"  # at the first damaged page
    monkeypatch.setenv("EXTRACT_POOL_WARM_MODEL", "1")
    assert pools(size=1).run(text, "txt", extractor=model_extractor).pages[0].text == "1"
