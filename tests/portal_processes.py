"""The portal in separate OS processes on loopback, as gunicorn workers would run it: each
process has its own app, memory and database connections; only the database is shared."""
import http.cookiejar
import multiprocessing
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import CSRF_PATTERN

START_TIMEOUT = 60


def _serve(database_url: str, files_dir: str, overrides: dict, ports) -> None:
    from werkzeug.serving import make_server

    from tests.conftest import make_test_app

    app = make_test_app(database_url, Path(files_dir), **overrides)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    ports.put(server.server_port)
    server.serve_forever()


def run_in_processes(target, *args_per_process):
    """Run `target(*args)` once per argument tuple, each in a fresh interpreter; wait for all."""
    context = multiprocessing.get_context("spawn")  # no inherited connections or locks
    processes = [context.Process(target=target, args=args) for args in args_per_process]
    for process in processes:
        process.start()
    for process in processes:
        process.join(START_TIMEOUT)
    return [process.exitcode for process in processes]


@contextmanager
def portal_processes(database_url: str, files_dir: Path, count: int = 2, **overrides):
    """Yield the base URLs of `count` portal processes serving the same database."""
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    processes = [context.Process(target=_serve, args=(database_url, str(files_dir), overrides, ports),
                                 daemon=True) for _ in range(count)]
    for process in processes:
        process.start()
    try:
        yield [f"http://127.0.0.1:{ports.get(timeout=START_TIMEOUT)}" for _ in processes]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browserless:
    """A cookie-keeping HTTP client for one portal process (no redirects followed)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, username: str, password: str) -> int:
        _, page = self.request("/auth/login")
        match = CSRF_PATTERN.search(page)
        assert match, "no CSRF token on the sign-in page"
        status, _ = self.request("/auth/login", {"username": username, "password": password,
                                                 "csrf_token": match.group(1) or match.group(2)})
        return status


def count_many(database_url: str, files_dir: str, key: str, times: int) -> None:
    """In a child process: `times` hits on one key of the database:// storage."""
    from portal.extensions import limiter
    from tests.conftest import make_test_app

    app = make_test_app(database_url, Path(files_dir))
    with app.app_context():
        for _ in range(times):
            limiter.storage.incr(key, 600)
