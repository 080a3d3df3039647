"""Sign-in limits, per account and per client address (Flask-Limiter).

Every sign-in POST takes its place in both limits *before* the password is checked, and a
successful one gives it back. Counting only after a failure would let parallel guesses all
pass the check while none has been counted yet — each of them learning whether its password
was right."""
from flask import current_app, request

from portal.extensions import limiter

TOO_MANY_ATTEMPTS = "เข้าสู่ระบบไม่สำเร็จหลายครั้งเกินกำหนด กรุณารอประมาณ 15 นาทีแล้วลองใหม่"
SCOPES = ("login-account", "login-address")


def account_key() -> str:
    return "account:" + request.form.get("username", "").strip().lower()[:64]


def sign_in_limits(view):
    view = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=account_key,
                         methods=["POST"], scope=SCOPES[0], error_message=TOO_MANY_ATTEMPTS)(view)
    return limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
                         scope=SCOPES[1], error_message=TOO_MANY_ATTEMPTS)(view)


def give_back_attempt() -> None:
    """After a successful sign-in: only failures use up the limits. With the limits turned
    off (RATELIMIT_ENABLED = False) nothing was counted and there is no storage."""
    if not limiter.enabled:
        return
    storage = limiter.storage
    for counted in limiter.current_limits:
        # Flask-Limiter scopes a limit by endpoint: "auth.login:login-account".
        if counted.request_args[-1].rpartition(":")[2] in SCOPES and storage.get(counted.key) > 0:
            storage.incr(counted.key, counted.limit.get_expiry(), amount=-1)
