"""Concurrent edits: a save made on what someone else has changed since is refused (409),
never applied over it.

Every record people edit in a form has a `version` column, and two guards use it:

- the form carries the version it showed (hidden input "version"); the operation calls
  `check()` before changing anything, so a page opened ten minutes ago cannot overwrite
  what was saved since;
- SQLAlchemy's `version_id_col` puts the version into every UPDATE's WHERE clause, so of
  two saves that passed the check at the same moment the second updates nothing and
  raises StaleDataError, which `saving()` turns into the same refusal.

Two first saves of a record that does not exist yet (an item's first review) meet at its
unique key instead: portal/database.py runs the losing request again, and its check then
finds the winner's row (a form that saw none sends version 0).

The refusal (`conflict()`) names who changed the record and when (the audit trail, or the
record's own columns), and the values it holds now, in Thai. The view shows the form
again with the user's input and the new version (portal.actions re-renders 409), so
nothing typed is lost and saving again is a decision made with the other change in view.
"""
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from flask import g, has_request_context
from sqlalchemy import select
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from portal.errors import Refused
from portal.extensions import db
from portal.models import AuditEvent, User
from portal.thai.dates import format_thai_datetime

FIELD = "version"
MISSING = -1  # what a form without a readable version counts as: no row has it
MAX_SHOWN = 200  # characters of one current value quoted in the message
DELETED = "มีผู้อื่นลบรายการนี้ไปแล้ว สิ่งที่ท่านพิมพ์ยังไม่ได้บันทึก"


def submitted(form) -> int:
    """The version the form was shown with ("0": the record did not exist yet)."""
    raw = (form.get(FIELD) or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else MISSING


@dataclass(frozen=True)
class LastChange:
    at: datetime | None
    by_id: int | None
    by_name: str


def changed_by(at: datetime | None, user: User | None) -> LastChange:
    """From a record's own columns (a review's updated_by/updated_at, a comment's author)."""
    return LastChange(at, user.id if user else None, user.display_name if user else "")


def last_audited(object_type: str, object_id: int, actions: tuple[str, ...],
                 matches: Callable[[dict], bool] | None = None) -> LastChange | None:
    """The latest audited change of the object, for records that keep no editor of their own."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id,
                                 AuditEvent.action.in_(actions))
        .order_by(AuditEvent.id.desc()).limit(20))
    event = next((e for e in events if matches is None or matches(e.details or {})), None)
    if event is None:
        return None
    name = event.actor.display_name if event.actor else (event.actor_name or "ผู้ดูแลระบบ (คำสั่งในเครื่องแม่ข่าย)")
    return LastChange(event.at, event.actor_id, name)


def quoted(text: str | None, empty: str = "(ว่าง)") -> str:
    text = " ".join((text or "").split())
    if not text:
        return empty
    return f"“{text[:MAX_SHOWN]}…”" if len(text) > MAX_SHOWN else f"“{text}”"


def conflict_message(what: str, current: list[tuple[str, str]], change: LastChange | None,
                     user: User | None) -> str:
    """E.g. "มีผู้อื่นแก้ไขหลักฐานนี้ไปแล้วเมื่อ 2 ธ.ค. 2569 10:31 น. โดย สมชาย: ค่าปัจจุบันคือ
    ชื่อหลักฐาน “…” กรุณาตรวจสอบแล้วบันทึกอีกครั้ง"."""
    when = f"{format_thai_datetime(change.at)} น." if change and change.at else ""
    if change is None or not when:
        lead = f"{what}ถูกแก้ไขหลังจากที่ท่านเปิดแบบฟอร์มนี้"
    elif user is not None and change.by_id == user.id:
        lead = f"ท่านได้บันทึก{what}ไปแล้วเมื่อ {when} จากหน้าต่างหรืออุปกรณ์อื่น"
    else:
        lead = f"มีผู้อื่นแก้ไข{what}ไปแล้วเมื่อ {when} โดย {change.by_name or 'ผู้ใช้ที่ถูกลบ'}"
    values = " · ".join(f"{label} {value}" for label, value in current)
    return f"{lead}: ค่าปัจจุบันคือ {values} กรุณาตรวจสอบแล้วบันทึกอีกครั้ง"


def conflict(what: str, current: list[tuple[str, str]], change: LastChange | None, user: User | None,
             form=None) -> Refused:
    if has_request_context():
        g.edit_conflict = True  # audited with the message once the answer is made (portal/audit.py)
    return Refused(409, conflict_message(what, current, change, user), form)


def check(record, expected: int | None, refusal: Callable[[], Refused | None]) -> None:
    """Refuse unless the form showed the record's current version (None: no form, no check).
    A record not created yet is version 0; when it does not exist, `refusal` may answer
    None (nobody saved anything the save could overwrite) and the save goes ahead."""
    if expected is None:
        return
    current = record.version if record is not None else 0
    if current != expected and (answer := refusal()) is not None:
        raise answer


def bump(record) -> None:
    """For records whose version counts people's edits only (Evidence, User: see the models)."""
    record.version += 1


@contextmanager
def saving(refusal: Callable[[], Refused | None]) -> Iterator[None]:
    """Make the change inside the block; it is written when the block ends, so a save that
    raced this one is refused here, with the other person's values, instead of failing at
    the commit (or at a query's autoflush inside the block)."""
    try:
        yield
        db.session.flush()
    except StaleDataError:
        db.session.rollback()  # the refused request keeps nothing; its records read fresh
        try:
            answer = refusal()
        except ObjectDeletedError:
            answer = Refused(404, DELETED)
        if answer is None:
            raise
        raise answer from None
