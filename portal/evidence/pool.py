"""Long-lived extraction processes, so a small file no longer pays for a new Python and
its imports (a spawned child per file took 2–3 s here even for a one-line text file).

Each worker is started once with the spawn method (no forked locks), in its own process
group (pdftoppm and Tesseract die with it), imports the readers, pypdf, Pillow and the
Thai repair up front, and then extracts one file at a time. The character model of the
repair (220 MB, 5–10 s to build here) is built the first time a worker meets a damaged PDF
page and kept for the worker's life, or up front with EXTRACT_POOL_WARM_MODEL=1 (where
most uploads are PDFs from Word or LibreOffice, whose Thai text layers often show the
damage); left lazy, a worker that only ever reads Office files never pays for it.

Limits per job, as the spawned child had them:
- memory: RLIMIT_AS is per process, so before each job the worker sets its soft limit to
  its own address space at that moment plus the job's allowance (`memory_mb`); a job
  that hits it gets MemoryError, fails with the Thai reason, and the worker retires (a
  failed allocation may leave a C library in a bad state). Growth between jobs is bounded
  by recycling: a worker whose RSS grew past EXTRACT_POOL_MAX_GROWTH_MB over its RSS when
  it was ready is replaced.
- CPU: RLIMIT_CPU counts the whole life of a process, so before each job its soft limit
  is set to the CPU seconds used so far plus the job's budget (the hard limit stays
  unlimited so it can be moved again); over it the kernel ends the worker with SIGXCPU.
- wall clock: the parent waits at most `timeout_s` for the job; past it, or when the
  worker dies, the parent kills the worker's whole process group and starts a fresh one.

A worker killed from outside (EOF on its pipe) has its job run once more on a fresh
worker, then the job fails with the Thai reason. Workers retire after
EXTRACT_POOL_MAX_JOBS jobs. The pool of one process is shared by its threads, started
lazily, one worker per thread extracting at once (the Huey consumer's `--workers`) up to
EXTRACT_POOL_SIZE when set, and shut down at exit.
"""
import atexit
import logging
import math
import multiprocessing
import os
import queue
import resource
import signal
import threading
import time
from pathlib import Path
from typing import Callable

from portal.evidence.extract import Extracted, ExtractionError, Progress, _death_reason, _die_with_parent, extract
from portal.evidence.metadata import document_metadata

log = logging.getLogger(__name__)
MB = 1024 * 1024
READY_TIMEOUT_SECONDS = 120  # importing the readers on a busy machine
START_ATTEMPTS = 3  # workers that die before taking a job, before the job fails


def _setting(name: str, default: int) -> int:
    return int(os.environ.get(name, "") or default)


def _memory(pid: int | str = "self") -> tuple[int, int]:
    """(address space, resident set) in bytes, from /proc; (0, 0) once the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return (int(fields.get("VmSize", "0 kB").split()[0]) * 1024, int(fields.get("VmRSS", "0 kB").split()[0]) * 1024)


def warm_up() -> None:
    """What every extraction needs, loaded once per worker."""
    import docx  # noqa: F401
    import docx.table  # noqa: F401
    import lxml.etree  # noqa: F401
    import numpy  # noqa: F401
    import openpyxl  # noqa: F401
    import pptx  # noqa: F401
    import pptx.shapes.group  # noqa: F401
    import pypdf  # noqa: F401
    from PIL import Image, ImageOps  # noqa: F401

    from portal.evidence import filetypes, ocr, readers  # noqa: F401
    from portal.evidence.extract import normalise

    normalise("ผู้บริหาร ร้อยละ 95")
    if os.environ.get("EXTRACT_POOL_WARM_MODEL") == "1":  # else built at the first damaged PDF page
        from portal.thai.language_model import thai_model

        thai_model()


# --- the worker process ------------------------------------------------------------------

def _serve(channel, parent: int) -> None:
    """A worker's life: own process group, die with the consumer, warm up, then jobs until
    the pipe closes or a job asks it to retire."""
    os.setpgrp()
    _die_with_parent()
    if os.getppid() != parent:  # the consumer died before the line above took effect
        os._exit(1)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crashing parser leaves no core file
    warm_up()
    channel.send(("ready",))
    while True:
        try:
            job = channel.recv()
        except (EOFError, OSError):
            return
        if job is None or _job(channel, *job):
            return


def _limit(kind: int, soft: int) -> None:
    hard = resource.getrlimit(kind)[1]
    resource.setrlimit(kind, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _unlimit(kind: int) -> None:
    hard = resource.getrlimit(kind)[1]
    resource.setrlimit(kind, (hard, hard))


def _job(channel, path: str, kind: str, memory_mb: int, cpu_seconds: int, extractor: Callable) -> bool:
    """One extraction under this job's limits; True when the worker should retire."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    _limit(resource.RLIMIT_CPU, math.ceil(used.ru_utime + used.ru_stime) + cpu_seconds)
    _limit(resource.RLIMIT_AS, _memory()[0] + memory_mb * MB)
    retire = False
    try:
        try:
            pages = extractor(Path(path), kind, progress=lambda done, total: channel.send(("progress", done, total)))
            channel.send(("done", Extracted(pages, document_metadata(Path(path), kind))))
        except ExtractionError as error:
            channel.send(("error", str(error), False))
        except MemoryError:
            retire = True
            channel.send(("error", f"ไฟล์ใช้หน่วยความจำเกิน {memory_mb} MB ระหว่างดึงข้อความ "
                                   "ระบบหยุดการดึงข้อความไฟล์นี้", True))
        except (BrokenPipeError, EOFError):
            return True  # the consumer gave up on this job
        except Exception as error:  # a malformed file: report, never crash the worker
            channel.send(("error", f"ไฟล์เสียหายหรืออ่านไม่ได้ ({type(error).__name__})", False))
    except (BrokenPipeError, EOFError, OSError, MemoryError):
        return True
    finally:
        _unlimit(resource.RLIMIT_AS)
        _unlimit(resource.RLIMIT_CPU)
    return retire


# --- the consumer's side -----------------------------------------------------------------

class _Starter:
    """Starts worker processes from one thread that lives as long as the process: Linux
    sends PR_SET_PDEATHSIG when the *thread* that started a child ends, so a worker
    started by a short-lived thread (a request, a test) would be killed with it."""

    def __init__(self):
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._serve, daemon=True, name="extraction-pool-starter").start()

    def _serve(self) -> None:
        while True:
            call, done, outcome = self._requests.get()
            try:
                outcome.append((True, call()))
            except BaseException as error:  # handed to the thread that asked
                outcome.append((False, error))
            done.set()

    def run(self, call: Callable):
        done, outcome = threading.Event(), []
        self._requests.put((call, done, outcome))
        done.wait()
        ok, value = outcome[0]
        if not ok:
            raise value
        return value


class _Worker:
    def __init__(self, process, channel):
        self.process, self.channel = process, channel
        self.jobs = 0
        self.ready_rss: int | None = None  # None until it said it was ready

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float) -> None:
        if self.ready_rss is not None:
            return
        if not self.channel.poll(timeout):
            raise TimeoutError
        message = self.channel.recv()  # EOFError when it died warming up
        assert message == ("ready",), message
        self.ready_rss = _memory(self.pid)[1]

    def worn(self, max_jobs: int, max_growth_mb: int) -> bool:
        rss = _memory(self.pid)[1]
        return self.jobs >= max_jobs or rss - (self.ready_rss or rss) > max_growth_mb * MB

    def kill(self) -> None:
        """The worker and anything it started (pdftoppm, Tesseract)."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.channel.close()


class _Lost(Exception):
    """The worker died during a job (exit code), or before it took it (started=False)."""

    def __init__(self, exitcode: int | None, started: bool = True):
        self.exitcode, self.started = exitcode, started


class ExtractionPool:
    def __init__(self, size: int | None = None, max_jobs: int = 200, max_growth_mb: int = 512):
        self.size = size or None  # None: one worker per thread extracting at once
        self.max_jobs, self.max_growth_mb = max_jobs, max_growth_mb
        self._lock = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._count = 0  # workers idle, busy or being started
        self._closed = False
        self._starter: _Starter | None = None

    @classmethod
    def from_environment(cls) -> "ExtractionPool":
        return cls(_setting("EXTRACT_POOL_SIZE", 0), _setting("EXTRACT_POOL_MAX_JOBS", 200),
                   _setting("EXTRACT_POOL_MAX_GROWTH_MB", 512))

    def pids(self) -> list[int]:
        """Worker processes now alive (for tests and the benchmark)."""
        with self._lock:
            return sorted(w.pid for w in [*self._idle, *self._busy] if w.process.is_alive())

    def run(self, path: Path, kind: str, progress: Progress | None = None, *, timeout_s: int = 300,
            memory_mb: int = 1024, extractor: Callable = extract) -> Extracted:
        job = (str(path), kind, memory_mb, timeout_s, extractor)
        deaths = starts = 0
        while True:
            worker = self._take()
            try:
                return self._dispatch(worker, job, progress, timeout_s)
            except _Lost as lost:
                if not lost.started:
                    starts += 1
                    if starts < START_ATTEMPTS:
                        continue
                    raise ExtractionError(f"เริ่มกระบวนการดึงข้อความไม่สำเร็จ (รหัส {lost.exitcode}) "
                                          "กรุณาแจ้งผู้ดูแลระบบ") from None
                deaths += 1
                if lost.exitcode != -signal.SIGXCPU and deaths == 1:
                    log.warning("extraction worker %s died (exit code %s) during %s; running it again",
                                worker.pid, lost.exitcode, path)
                    continue
                raise ExtractionError(_death_reason(lost.exitcode, timeout_s, memory_mb)) from None

    def _dispatch(self, worker: _Worker, job: tuple, progress: Progress | None, timeout_s: int) -> Extracted:
        retire = True  # unless the job ended as the worker expected
        try:
            try:
                worker.wait_ready(READY_TIMEOUT_SECONDS)
                worker.channel.send(job)
            except (EOFError, OSError, TimeoutError):
                worker.process.join(timeout=5)
                raise _Lost(worker.process.exitcode, started=False) from None
            deadline = time.monotonic() + timeout_s
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not worker.channel.poll(remaining):
                    raise ExtractionError(f"ใช้เวลาดึงข้อความเกิน {timeout_s} วินาที ระบบหยุดการดึงข้อความไฟล์นี้")
                try:
                    message = worker.channel.recv()
                except (EOFError, OSError):
                    worker.process.join(timeout=5)
                    raise _Lost(worker.process.exitcode) from None
                if message[0] == "progress":
                    if progress:
                        progress(message[1], message[2])
                    continue
                worker.jobs += 1
                retire = (message[0] == "error" and message[2]) or worker.worn(self.max_jobs, self.max_growth_mb)
                if message[0] == "done":
                    return message[1]
                raise ExtractionError(message[1])
        finally:
            self._give_back(worker, retire)

    def _take(self) -> _Worker:
        with self._lock:
            while True:
                if self._closed:
                    raise ExtractionError("ระบบกำลังปิดการดึงข้อความ กรุณาลองใหม่")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.process.is_alive():
                        self._busy.add(worker)
                        return worker
                    self._count -= 1  # died while idle (killed from outside)
                    worker.kill()
                if self.size is None or self._count < self.size:
                    self._count += 1
                    break
                self._lock.wait()
        try:
            worker = self._spawn()
        except BaseException:
            with self._lock:
                self._count -= 1
                self._lock.notify()
            raise
        with self._lock:
            self._busy.add(worker)
        return worker

    def _give_back(self, worker: _Worker, retire: bool) -> None:
        fresh = None
        if retire:
            worker.kill()
            if not self._closed:
                try:
                    fresh = self._spawn()  # warms up while nothing waits for it
                except Exception:
                    log.exception("could not start an extraction worker")
        with self._lock:
            self._busy.discard(worker)
            if self._closed and not retire:
                worker.kill()
                retire = True
            if retire:
                if fresh is not None:
                    self._idle.append(fresh)
                else:
                    self._count -= 1
            else:
                self._idle.append(worker)
            self._lock.notify()

    def _spawn(self) -> _Worker:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(target=_serve, args=(theirs, os.getpid()), daemon=True, name="extraction-worker")
        with self._lock:
            if self._starter is None:
                self._starter = _Starter()
            starter = self._starter
        try:
            starter.run(process.start)
        finally:
            theirs.close()  # only the worker holds its end: its death shows here as end of file
        return _Worker(process, ours)

    def close(self) -> None:
        """Stop the idle workers; busy ones stop when their job ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._lock.notify_all()
        for worker in idle:
            worker.kill()


_shared: ExtractionPool | None = None
_shared_pid: int | None = None
_shared_lock = threading.Lock()


def shared_pool() -> ExtractionPool:
    """The pool of this process (a new one in a forked child), made on first use."""
    global _shared, _shared_pid
    with _shared_lock:
        if _shared is None or _shared_pid != os.getpid():
            _shared, _shared_pid = ExtractionPool.from_environment(), os.getpid()
            atexit.register(_shared.close)
        return _shared


def extract_with_limits(path: Path, kind: str, progress: Progress | None = None, *, timeout_s: int = 300,
                        memory_mb: int = 1024, extractor: Callable = extract) -> Extracted:
    """extract() in a worker process of this process's pool (shared_pool) under RLIMIT_AS,
    RLIMIT_CPU and a wall-clock timeout for this job, with the document's own title and
    date read there too; any failure becomes ExtractionError with a Thai reason.
    `extractor` must be importable (it is sent to the worker by name)."""
    return shared_pool().run(path, kind, progress, timeout_s=timeout_s, memory_mb=memory_mb, extractor=extractor)
