"""Configuration from the environment, with embedded defaults that need no services."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path(name: str, default: Path) -> str:
    return str(Path(os.environ.get(name, default)).resolve())


def _secret_key(instance_path: Path) -> str:
    """Use SECRET_KEY when given; otherwise a random key kept in the instance folder,
    so sessions survive a restart without anyone committing a secret."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def from_environment(instance_path: Path) -> dict:
    max_upload_mb = int(os.environ.get("MAX_UPLOAD_MB", "50"))
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance_path / 'portal.sqlite3'}"
        ),
        "UPLOAD_DIR": _path("UPLOAD_DIR", PROJECT_ROOT / "uploads"),
        "SEARCH_INDEX_DIR": _path("SEARCH_INDEX_DIR", PROJECT_ROOT / "search_index"),
        "CRITERIA_DIR": _path("CRITERIA_DIR", PROJECT_ROOT / "criteria"),
        # Submitted reports rendered once (a snapshot never changes); only a cache.
        "REPORT_CACHE_DIR": _path("REPORT_CACHE_DIR", instance_path / "reports"),
        # PDF pages drawn as images for the evidence page's preview (a file never changes); only a cache.
        "PREVIEW_CACHE_DIR": _path("PREVIEW_CACHE_DIR", instance_path / "previews"),
        "CRITERIA_VERSION": os.environ.get("CRITERIA_VERSION", "pmqa-4.0"),
        # "auto": PostgreSQL's own search when DATABASE_URL is PostgreSQL, else Whoosh;
        # "whoosh" forces the embedded index (portal/search/backend.py).
        "SEARCH_BACKEND": os.environ.get("SEARCH_BACKEND", "auto"),
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Cookies are Secure on every request that came over HTTPS (portal/security.py);
        # SESSION_COOKIE_SECURE=1 makes them Secure always.
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(os.environ.get("REMEMBER_DAYS", "14"))),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=int(os.environ.get("SESSION_HOURS", "8"))),
        # Empty: counters in the portal's database (portal/rate_limits.py), shared by every process.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", ""),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Failed sign-ins allowed before HTTP 429, per account and per client address.
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes"),
        "EXTRACTION_TIMEOUT_SECONDS": int(os.environ.get("EXTRACTION_TIMEOUT_SECONDS", "300")),
        "EXTRACTION_MEMORY_MB": int(os.environ.get("EXTRACTION_MEMORY_MB", "1024")),
        # A running job beats every JOB_HEARTBEAT_SECONDS; one silent for JOB_DEAD_SECONDS
        # died with its worker and is sent again. The worker looks for such jobs, and for
        # effects not handed to the queue, every OUTBOX_SWEEP_SECONDS (portal/effects.py).
        "JOB_HEARTBEAT_SECONDS": float(os.environ.get("JOB_HEARTBEAT_SECONDS", "10")),
        "JOB_DEAD_SECONDS": float(os.environ.get("JOB_DEAD_SECONDS", "45")),
        "OUTBOX_SWEEP_SECONDS": float(os.environ.get("OUTBOX_SWEEP_SECONDS", "15")),
        # A job that failed (index disk full, mail server down) is tried again after this,
        # doubled each time up to OUTBOX_RETRY_MAX_SECONDS.
        "OUTBOX_RETRY_SECONDS": float(os.environ.get("OUTBOX_RETRY_SECONDS", "15")),
        "OUTBOX_RETRY_MAX_SECONDS": float(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", "300")),
        # E-mail notices of review comments and statuses: off while MAIL_SMTP_HOST is empty.
        "MAIL_SMTP_HOST": os.environ.get("MAIL_SMTP_HOST", ""),
        "MAIL_SMTP_PORT": int(os.environ.get("MAIL_SMTP_PORT", "587")),
        "MAIL_SMTP_USER": os.environ.get("MAIL_SMTP_USER", ""),
        "MAIL_SMTP_PASSWORD": os.environ.get("MAIL_SMTP_PASSWORD", ""),
        "MAIL_SMTP_STARTTLS": os.environ.get("MAIL_SMTP_STARTTLS", "1") == "1",
        "MAIL_FROM": os.environ.get("MAIL_FROM", "pmqa-portal@localhost"),
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        # Number of reverse proxies in front of the portal whose X-Forwarded-For and
        # X-Forwarded-Proto are believed; 0 ignores those headers (anyone can send them).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Virus scanning by clamd, off while empty: unix:///run/clamav/clamd.ctl or tcp://host:3310.
        "CLAMD_URL": os.environ.get("CLAMD_URL") or os.environ.get("CLAMD_SOCKET", ""),
        "CLAMD_TIMEOUT_SECONDS": float(os.environ.get("CLAMD_TIMEOUT_SECONDS", "60")),
        # Storage limit of an agency without its own (admin page); empty: no limit.
        "AGENCY_QUOTA_MB": float(os.environ["AGENCY_QUOTA_MB"]) if os.environ.get("AGENCY_QUOTA_MB") else None,
        # Outside instance/ so `make clean` (which removes instance/) never takes the backups with it.
        "BACKUP_DIR": _path("BACKUP_DIR", PROJECT_ROOT / "backups"),
        # Strict-Transport-Security on responses served over HTTPS; 0 sends none.
        "HSTS_SECONDS": int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600))),
        # Identical refusals (same action, same user or address) logged one by one per window;
        # beyond that a single "suppressed" event counts the rest (portal/audit.py).
        "AUDIT_REFUSAL_LIMIT": os.environ.get("AUDIT_REFUSAL_LIMIT", "20 per 10 minutes"),
        # How long a SQLite write waits for the write lock, and how often contention is
        # retried before the user gets 503 (portal/database.py).
        "SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000")),
        "DB_RETRY_ATTEMPTS": int(os.environ.get("DB_RETRY_ATTEMPTS", "3")),
        # /healthz reports "low_disk" when a data folder has less free space than this.
        "DISK_LOW_MB": int(os.environ.get("DISK_LOW_MB", "500")),
        # "json": one JSON object per log line (portal/logs.py); gunicorn.conf.py makes it the default there.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # /metrics answers loopback, and other addresses that send "Authorization: Bearer <METRICS_TOKEN>".
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
    }
