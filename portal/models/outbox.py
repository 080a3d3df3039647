"""The outbox: what has to follow a committed change (extract a file, index evidence or an
answer, mail a notice), written in the same transaction as the change, so nothing committed can lose
its follow-up (portal/effects.py sends the rows and the worker's jobs finish them)."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.user import utcnow

EFFECT_KINDS = ("extract", "index", "index_answer", "comment_notice", "review_notice")


class OutboxEffect(db.Model):
    """One thing to do for one object (an evidence, a comment, a review). A row lives until
    the job that does it has finished (the job deletes it):

    - waiting: `sent_at` NULL; sent once `next_attempt_at` has come (at once, or after a
      failed hand-over to the queue);
    - queued: handed to the queue (`sent_at`), no job has started it yet (`heartbeat_at`
      NULL); sent again only if no job started it by `next_attempt_at` (a queue that lost it);
    - running: a job beats `heartbeat_at`; when the beat stops (the worker died) the row
      is sent again; a job that failed puts it back to waiting with a backoff."""

    __tablename__ = "outbox_effect"
    __table_args__ = (
        CheckConstraint("kind IN ('extract', 'index', 'index_answer', 'comment_notice', 'review_notice')",
                        name="kind_known"),
        Index("ix_outbox_effect_kind_target", "kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int]  # the evidence, answer, comment or review the effect is for
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(default=0)  # times handed to the queue
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
