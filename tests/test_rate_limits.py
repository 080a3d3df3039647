"""Rate limits hold across processes: the default storage is the portal's database.

The sign-in tests run the portal in two real OS processes on loopback, sharing only the
database (SQLite file, or PostgreSQL in the PostgreSQL pass), as gunicorn workers would."""
import threading
import time

import pytest
from sqlalchemy import select, update

from portal.extensions import db, limiter
from portal.models import RateLimitCounter
from portal.rate_limits import DatabaseStorage
from tests.helpers import PASSWORD, make_user
from tests.portal_processes import Browserless, count_many, portal_processes, run_in_processes

LIMIT = 5  # the default LOGIN_LIMIT_PER_ACCOUNT: "5 per 15 minutes"


@pytest.fixture
def account(app):
    with app.app_context():
        make_user("rl-user")
    return "rl-user"


def test_the_default_storage_is_the_database(app):
    assert isinstance(limiter.storage, DatabaseStorage)
    assert app.config["RATELIMIT_STORAGE_URI"] == "database://"


def test_counts_expire_clear_and_reset(app_ctx):
    storage = limiter.storage
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("k", 60, amount=2) == 5 and storage.get("k") == 5
    assert time.time() + 55 < storage.get_expiry("k") <= time.time() + 60
    assert storage.get("other") == 0
    # A window that is over starts again from the new hit.
    db.session.execute(update(RateLimitCounter).values(expires_at=time.time() - 1))
    db.session.commit()
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    storage.clear("k")
    assert storage.get("k") == 0
    storage.incr("a", 60), storage.incr("b", 60)
    assert storage.reset() == 2 and storage.get("a") == 0
    assert storage.check()


def test_keys_longer_than_the_column_are_hashed(app_ctx):
    long_key = "LIMITER/account:" + "ก" * 400
    assert limiter.storage.incr(long_key, 60) == 1
    assert limiter.storage.incr(long_key, 60) == 2
    stored = db.session.scalar(select(RateLimitCounter.key))
    assert stored.startswith("sha256:") and len(stored) <= 255


def test_increments_from_several_processes_are_all_counted(app, database_url, tmp_path):
    """The UPSERT is atomic: no hit lost when processes count the same key at once."""
    exit_codes = run_in_processes(count_many, *[(database_url, str(tmp_path), "shared", 60)] * 3)
    assert exit_codes == [0, 0, 0]
    with app.app_context():
        assert limiter.storage.get("shared") == 180


def test_sixth_wrong_password_across_two_processes_gets_429(app, account, database_url, tmp_path):
    with portal_processes(database_url, tmp_path) as urls:
        clients = [Browserless(url) for url in urls]
        for attempt in range(LIMIT):
            assert clients[attempt % 2].sign_in(account, "wrong-password") == 401
        assert clients[1].sign_in(account, "wrong-password") == 429
        # Locked on every process, even with the right password.
        assert clients[0].sign_in(account, PASSWORD) == 429
        assert clients[1].sign_in(account, PASSWORD) == 429


def test_parallel_guesses_on_two_processes_get_no_more_than_the_limit(app, account, database_url, tmp_path):
    """Each attempt is counted before its password is checked, so a burst cannot slip past."""
    with portal_processes(database_url, tmp_path) as urls:
        clients = [Browserless(url) for url in urls for _ in range(6)]
        for client in clients:
            client.request("/auth/login")  # warm up: session cookie and first connections
        start = threading.Barrier(len(clients))
        statuses = []

        def guess(client):
            start.wait()
            statuses.append(client.sign_in(account, "wrong-password"))

        threads = [threading.Thread(target=guess, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert sorted(statuses) == [401] * LIMIT + [429] * (len(clients) - LIMIT)


def test_successful_sign_ins_on_two_processes_do_not_use_up_the_limit(app, account, database_url, tmp_path):
    with portal_processes(database_url, tmp_path) as urls:
        for attempt in range(LIMIT + 2):
            assert Browserless(urls[attempt % 2]).sign_in(account, PASSWORD) == 302
        assert Browserless(urls[0]).sign_in(account, "wrong-password") == 401


def test_per_process_memory_would_multiply_the_limit(app, account, database_url, tmp_path):
    """Why the database is the default: with memory:// each process counts on its own."""
    with portal_processes(database_url, tmp_path, RATELIMIT_STORAGE_URI="memory://") as urls:
        clients = [Browserless(url) for url in urls]
        statuses = [clients[attempt % 2].sign_in(account, "wrong-password") for attempt in range(LIMIT + 1)]
    assert statuses == [401] * (LIMIT + 1)


@pytest.fixture
def redis_url(tmp_path):
    """A private redis-server on a free loopback port, when Debian's redis-server is there."""
    import shutil
    import socket
    import subprocess

    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed: the redis:// storage is not tested here")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def test_redis_storage_when_configured_holds_across_processes(app, account, database_url, tmp_path, redis_url):
    with portal_processes(database_url, tmp_path, RATELIMIT_STORAGE_URI=redis_url) as urls:
        clients = [Browserless(url) for url in urls]
        for attempt in range(LIMIT):
            assert clients[attempt % 2].sign_in(account, "wrong-password") == 401
        assert clients[1].sign_in(account, "wrong-password") == 429
    with app.app_context():  # counted in Redis, not in the database
        assert db.session.scalar(select(RateLimitCounter.key).where(RateLimitCounter.key.like("LIMITER/%"))) is None
