"""An unknown user name answers as slowly as a wrong password, so timing does not tell
which accounts exist (before: 4 ms against 77 ms)."""
import statistics
import time

from tests.helpers import csrf_token, make_user

TRIES = 15
# Generous against a loaded machine; the old 4 ms vs 77 ms (ratio 0.05) is far outside it.
LOWEST_RATIO, HIGHEST_RATIO = 0.6, 1.67


def test_unknown_user_takes_as_long_as_a_wrong_password(app, client):
    with app.app_context():
        make_user("timing-user")
        inactive = make_user("timing-inactive")
        inactive.active = False
        from portal.extensions import db

        db.session.commit()
    saved = {key: app.config[key] for key in ("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS")}
    app.config.update(LOGIN_LIMIT_PER_ACCOUNT="1000 per minute", LOGIN_LIMIT_PER_ADDRESS="1000 per minute")
    token = csrf_token(client)

    def seconds(username: str) -> float:
        started = time.perf_counter()
        response = client.post("/auth/login", data={"username": username, "password": "wrong-password",
                                                    "csrf_token": token})
        elapsed = time.perf_counter() - started
        assert response.status_code == 401
        return elapsed

    try:
        seconds("nobody-warm-up"), seconds("timing-user")  # first-use costs out of the way
        timings = {"unknown": [], "wrong": [], "inactive": []}
        for attempt in range(TRIES):  # interleaved, so a slow moment hits every kind alike
            timings["unknown"].append(seconds(f"nobody-{attempt}"))
            timings["wrong"].append(seconds("timing-user"))
            timings["inactive"].append(seconds("timing-inactive"))
    finally:
        app.config.update(saved)
    medians = {kind: statistics.median(values) for kind, values in timings.items()}
    print({kind: f"{value * 1000:.1f} ms" for kind, value in medians.items()})
    for kind in ("unknown", "inactive"):
        ratio = medians[kind] / medians["wrong"]
        assert LOWEST_RATIO < ratio < HIGHEST_RATIO, f"{kind}: {medians}"
