"""Optional e-mail notices of new comments and review statuses (off unless MAIL_SMTP_HOST
is set). The review operations record each posted comment and each "ต้องแก้ไข"/"ผ่าน"
status as an effect of their transaction (portal.effects); once it commits, the worker
decides the recipients with the same read rule as the pages — an internal thread never
mails an agency user — and sends through SMTP. A notice never delays or fails the request."""
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from portal import effects
from portal.database import end_transaction, reading
from portal.extensions import db
from portal.models import Comment, ItemReview, RoleGrant, User
from portal.models.review import STATUS_LABELS
from portal.reviews import permissions as perm

log = logging.getLogger(__name__)
EXCERPT_CHARS = 500
STATUS_NOTICES = ("needs_revision", "accepted")  # "submitted" is the reviewers' own bookkeeping


def enabled() -> bool:
    return bool(current_app.config.get("MAIL_SMTP_HOST"))


def after_commit(comment: Comment | None = None, review: ItemReview | None = None) -> None:
    """Mail about this new comment, or this review's new status, once the change commits."""
    if not enabled():
        return
    if comment is not None:
        effects.record(db.session, "comment_notice", [comment.id])
    if review is not None and review.status in STATUS_NOTICES:
        effects.record(db.session, "review_notice", [review.id])


def _agency_users(agency_id: int, roles: tuple[str, ...]) -> list[User]:
    return list(db.session.scalars(
        select(User).join(RoleGrant).where(RoleGrant.agency_id == agency_id, RoleGrant.role.in_(roles))
        .distinct()))


def _deliverable(users, exclude_id: int | None) -> list[User]:
    seen, out = set(), []
    for user in users:
        if user.id in seen or user.id == exclude_id or not user.active or not user.email:
            continue
        seen.add(user.id)
        out.append(user)
    return out


def comment_recipients(comment: Comment) -> list[User]:
    """Reviewers of the agency and everyone who wrote in the thread; for a shared thread
    also the agency's editors. Everyone is checked with the pages' own read rule."""
    thread = comment.thread
    candidates = _agency_users(thread.agency_id, ("reviewer",))
    candidates += [c.author for c in thread.comments if c.author is not None]
    if thread.visibility == "shared":
        candidates += _agency_users(thread.agency_id, ("agency_editor",))
    return [u for u in _deliverable(candidates, comment.author_id) if perm.can_read_thread(thread, u)]


def review_recipients(review: ItemReview) -> list[User]:
    return _deliverable(_agency_users(review.agency_id, ("agency_editor",)), review.updated_by_id)


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rstrip() + " …"


def comment_message(comment: Comment, recipient: User) -> EmailMessage:
    thread = comment.thread
    item, agency = thread.checklist_item, thread.agency
    author = comment.author.display_name if comment.author else "ผู้ใช้ที่ถูกลบ"
    message = EmailMessage()
    message["Subject"] = f"[PMQA 4.0] ความเห็นใหม่ รายการ {item.full_code} · {agency.name}"
    message["To"] = recipient.email
    message["From"] = current_app.config["MAIL_FROM"]
    where = "เฉพาะผู้ตรวจและผู้ประเมิน" if thread.visibility == "internal" else "แสดงต่อส่วนราชการ"
    link = f"{current_app.config['PORTAL_BASE_URL'].rstrip('/')}/threads/{thread.id}"
    message.set_content(
        f"เรียน {recipient.display_name}\n\n{author} เขียนความเห็นในรายการ {item.full_code} "
        f"ของ{agency.name} (กระทู้{where}):\n\n{_excerpt(comment.body)}\n\nอ่านและตอบได้ที่ {link}\n\n"
        "— ระบบหลักฐาน PMQA 4.0 (อีเมลนี้ส่งอัตโนมัติ)\n")
    return message


def review_message(review: ItemReview, recipient: User) -> EmailMessage:
    item, agency = review.checklist_item, review.agency
    message = EmailMessage()
    message["Subject"] = f"[PMQA 4.0] รายการ {item.full_code}: {STATUS_LABELS[review.status]}"
    message["To"] = recipient.email
    message["From"] = current_app.config["MAIL_FROM"]
    sub_item = item.sub_item
    link = (f"{current_app.config['PORTAL_BASE_URL'].rstrip('/')}/agencies/{agency.id}/criteria/"
            f"{sub_item.category.code}/{sub_item.code}#item-{item.id}")
    reason = f"\nเหตุผล: {_excerpt(review.reason)}\n" if review.reason else ""
    message.set_content(
        f"เรียน {recipient.display_name}\n\nผู้ตรวจบันทึกผลการพิจารณารายการ {item.full_code} ของ{agency.name} "
        f"เป็น “{STATUS_LABELS[review.status]}”\n{reason}\nดูรายละเอียดได้ที่ {link}\n\n"
        "— ระบบหลักฐาน PMQA 4.0 (อีเมลนี้ส่งอัตโนมัติ)\n")
    return message


def build_notices(comment_ids: list[int], review_ids: list[int]) -> list[EmailMessage]:
    messages = []
    for comment in db.session.scalars(select(Comment).where(Comment.id.in_(comment_ids))):
        if comment.deleted_at is None:
            messages += [comment_message(comment, user) for user in comment_recipients(comment)]
    for review in db.session.scalars(select(ItemReview).where(ItemReview.id.in_(review_ids))):
        if review.status in STATUS_NOTICES:
            messages += [review_message(review, user) for user in review_recipients(review)]
    return messages


def deliver(comment_ids: list[int], review_ids: list[int]) -> int:
    """The worker's job: build the notices in a read-only transaction that is over before
    the (slow) SMTP session starts, then send them."""
    with reading():
        messages = build_notices(comment_ids, review_ids)
    end_transaction()
    return send(messages)


def send(messages: list[EmailMessage]) -> int:
    """One SMTP session for the batch; a failure raises, and the outbox sends the job again
    later (portal/effects.py)."""
    if not messages:
        return 0
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SMTP_HOST"], config["MAIL_SMTP_PORT"], timeout=30) as smtp:
        if config["MAIL_SMTP_STARTTLS"]:
            smtp.starttls()
        if config["MAIL_SMTP_USER"]:
            smtp.login(config["MAIL_SMTP_USER"], config["MAIL_SMTP_PASSWORD"])
        for message in messages:
            smtp.send_message(message)
    return len(messages)
