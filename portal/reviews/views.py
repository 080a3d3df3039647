"""Review actions on an item's threads and status. htmx requests get the fragment that
changed (thread list, one thread, or the status box) with the message or the Thai error
and the typed text kept; plain form posts redirect back, or get the page again (the item's
workspace, or the thread's own page) with the error and the typed text when refused."""
from flask import redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal import cycles, versions
from portal.access import agency_or_404
from portal.actions import act
from portal.evidence.panels import workspace_page
from portal.evidence.queries import item_or_404, item_url
from portal.extensions import db
from portal.fragments import render, wants_fragment
from portal.models import Agency, ChecklistItem
from portal.models.review import CommentThread
from portal.reviews import bp
from portal.reviews import operations as ops
from portal.reviews.permissions import ReviewRights
from portal.reviews.queries import (Feedback, comment_or_404, item_reviews, thread_or_404,
                                    unread_thread_ids)


def item_block(agency: Agency, item: ChecklistItem, block: str, status: int = 200,
               feedback: Feedback | None = None):
    """One block ("threads" or "status") of the item's review section; a plain post gets
    the item's workspace, the feedback in its review section."""
    if not wants_fragment():
        return workspace_page(agency, item.sub_item.category.code, item.sub_item.code, status, feedback=feedback)
    reviews = item_reviews(agency.id, cycles.current_cycle().id, [item.id], feedback)
    return render("reviews/_item_reviews.html", block, status=status, agency=agency, item=item,
                  reviews=reviews)


def thread_block(thread: CommentThread, status: int = 200, feedback: Feedback | None = None):
    rights = ReviewRights.for_agency(thread.agency_id)
    return render("reviews/thread.html", "thread", status=status, thread=thread, rights=rights,
                  unread=unread_thread_ids([thread.id]), feedback=feedback,
                  back=item_url(thread.agency_id, thread.checklist_item))


@bp.get("/agencies/<int:agency_id>/items/<int:item_id>/threads")
def threads(agency_id: int, item_id: int):
    """The thread list; polled by open pages, answering 204 when nothing changed."""
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    if not wants_fragment():
        return redirect(item_url(agency.id, item))
    reviews = item_reviews(agency.id, cycles.current_cycle().id, [item.id])
    if request.args.get("since") == reviews.stamp(item.id):
        return "", 204
    return render("reviews/_item_reviews.html", "threads", agency=agency, item=item, reviews=reviews)


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/threads")
def start_thread(agency_id: int, item_id: int):
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    where, body = f"threads-{item.id}", request.form.get("body", "")
    visibility = request.form.get("visibility", "")
    return act(lambda: ops.start_thread(agency, item, visibility, body, current_user),
               "เริ่มกระทู้แล้ว",
               show=lambda text, _: item_block(agency, item, "threads", feedback=Feedback(where, message=text)),
               form=lambda refusal: item_block(agency, item, "threads", refusal.status, Feedback(
                   where, error=refusal.message, form="start", body=body, choice=visibility,
                   field=refusal.field)),
               back=item_url(agency.id, item), full_page=True)


def _thread_action(thread: CommentThread, action, message: str, form: str | None = None):
    """Run one change on a thread and answer with the thread re-rendered."""
    body, where = request.form.get("body", ""), f"thread-{thread.id}"

    def change():
        action()
        ops.mark_read(current_user, thread)  # acting on a thread means it has been read

    return act(change, message, show=lambda text, _: thread_block(thread, feedback=Feedback(where, message=text)),
               form=lambda refusal: thread_block(thread, refusal.status, Feedback(
                   where, error=refusal.message, form=form, body=body, field=refusal.field)),
               back=url_for("reviews.thread", thread_id=thread.id), full_page=True)


@bp.post("/threads/<int:thread_id>/replies")
def reply(thread_id: int):
    thread = thread_or_404(thread_id)
    parent_id = request.form.get("parent_id", type=int)
    return _thread_action(thread, lambda: ops.reply(thread, parent_id, request.form.get("body", ""),
                                                    current_user), "ส่งคำตอบแล้ว", f"reply-{parent_id}")


@bp.post("/comments/<int:comment_id>/edit")
def edit_comment(comment_id: int):
    comment = comment_or_404(comment_id)
    return _thread_action(comment.thread, lambda: ops.edit_comment(
        comment, request.form.get("body", ""), current_user, version=versions.submitted(request.form)),
        "บันทึกการแก้ไขแล้ว", f"edit-{comment.id}")


@bp.post("/comments/<int:comment_id>/delete")
def delete_comment(comment_id: int):
    comment = comment_or_404(comment_id)
    return _thread_action(comment.thread, lambda: ops.delete_comment(comment, current_user), "ลบความเห็นแล้ว")


@bp.post("/threads/<int:thread_id>/resolve")
def resolve(thread_id: int):
    thread = thread_or_404(thread_id)
    return _thread_action(thread, lambda: ops.resolve(thread, current_user), "ปิดกระทู้แล้ว (ได้ข้อยุติ)")


@bp.post("/threads/<int:thread_id>/reopen")
def reopen(thread_id: int):
    thread = thread_or_404(thread_id)
    return _thread_action(thread, lambda: ops.reopen(thread, current_user), "เปิดกระทู้อีกครั้งแล้ว")


@bp.get("/threads/<int:thread_id>")
def thread(thread_id: int):
    """The thread on its own page (inbox links here); opening it marks it read."""
    thread = thread_or_404(thread_id)
    unread = unread_thread_ids([thread.id])  # shown as new this once
    ops.mark_read(current_user, thread)
    try:
        db.session.commit()
    except IntegrityError:  # the same user opened it twice at once: one read mark is enough
        db.session.rollback()
    return render("reviews/thread.html", "thread", thread=thread, unread=unread, feedback=None,
                  rights=ReviewRights.for_agency(thread.agency_id),
                  back=item_url(thread.agency_id, thread.checklist_item))


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/resubmit")
def resubmit(agency_id: int, item_id: int):
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    where = f"item-review-{item.id}"
    return act(lambda: ops.resubmit(agency, item, current_user, version=versions.submitted(request.form)),
               f"ส่งรายการ {item.code} ให้พิจารณาอีกครั้งแล้ว",
               show=lambda text, _: item_block(agency, item, "status", feedback=Feedback(where, message=text)),
               form=lambda refusal: item_block(agency, item, "status", refusal.status,
                                               Feedback(where, error=refusal.message)),
               back=item_url(agency.id, item), full_page=True)


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/review")
def set_status(agency_id: int, item_id: int):
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    where, reason, choice = f"item-review-{item.id}", request.form.get("reason", ""), request.form.get("status", "")
    return act(lambda: ops.set_status(agency, item, choice, reason, current_user,
                                      version=versions.submitted(request.form)),
               lambda review: f"บันทึกสถานะ “{ops.STATUS_LABELS[review.status]}” แล้ว",
               show=lambda text, _: item_block(agency, item, "status", feedback=Feedback(where, message=text)),
               form=lambda refusal: item_block(agency, item, "status", refusal.status, Feedback(
                   where, error=refusal.message, form="status", body=reason, choice=choice,
                   field=refusal.field)),
               back=item_url(agency.id, item), full_page=True)
