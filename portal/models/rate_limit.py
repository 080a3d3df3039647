"""Rate-limit counters shared by every web process (the embedded default storage)."""
from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class RateLimitCounter(db.Model):
    """One fixed window of one limit: how many hits so far and when the window ends.

    Written by `portal/rate_limits.py` with one atomic UPSERT per hit, so several gunicorn
    workers count into the same row instead of each keeping its own."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int]
    # Seconds since the epoch: compared with time.time() in SQL, the same on both databases.
    expires_at: Mapped[float] = mapped_column(Float, index=True)
