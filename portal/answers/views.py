"""Answer actions on the sub-item workspace. An autosave (htmx) answers with the answer's
status line and its new version; a plain form post goes back to the workspace, or gets the
workspace again with the reason and what was typed when it was refused."""
from flask import abort, request, url_for
from flask_login import current_user

from portal import cycles, versions
from portal.access import agency_or_404, can_edit_agency
from portal.actions import act
from portal.answers import bp, structure
from portal.answers import operations as ops
from portal.answers.claims import claim_context
from portal.answers.queries import (
    CLAIM_LABELS,
    answer_of,
    answers_by_question,
    citable_evidence,
    question_or_404,
    revisions,
)
from portal.errors import Refused
from portal.evidence.panels import panel, workspace_page
from portal.evidence.queries import evidence_or_404, item_or_404, item_url
from portal.extensions import db
from portal.fragments import render, wants_fragment
from portal.models import Agency, Question, SubItem
from portal.submissions.lock import editable

TEMPLATE = "answers/answer.html"


def _question_of_cycle(question_id: int) -> Question:
    """A question of the criteria edition the current cycle is assessed on."""
    question = question_or_404(question_id)
    if question.sub_item.category.version != cycles.criteria_edition():
        abort(404, description="คำถามนี้ไม่อยู่ในเกณฑ์ของรอบการประเมินปัจจุบัน")
    return question


def _writable(agency_id: int) -> Agency:
    """The agency, for its editors only: rights are checked before what was sent."""
    agency = agency_or_404(agency_id)
    if not can_edit_agency(agency.id):
        abort(403, description=ops.FORBIDDEN_WRITE)
    return agency


def workspace_url(agency: Agency, question: Question) -> str:
    sub_item = question.sub_item
    return url_for("evidence.workspace", agency_id=agency.id, category_code=sub_item.category.code,
                   sub_item_code=sub_item.code) + f"#question-{question.id}"


def card_context(agency: Agency, question: Question, **extra) -> dict:
    cycle = cycles.current_cycle()
    answer = answers_by_question(agency.id, cycle.id, [question.id]).get(question.id)
    can_edit = editable(agency.id)
    return {"agency": agency, "q": question, "answer": answer, "can_edit": can_edit,
            "choices": citable_evidence(agency.id, cycle.id) if can_edit else [],
            "message": None, "error": None, "conflict": None, "typed": None,
            "citation_message": None, "citation_error": None, "typed_citation": None, **extra}


def _block(agency: Agency, question: Question, block: str, status: int = 200, **extra):
    """A block of the answer card for htmx; a plain post gets the workspace with the card."""
    if not wants_fragment():
        sub_item = question.sub_item
        return workspace_page(agency, sub_item.category.code, sub_item.code, status,
                              question_states={question.id: extra})
    return render(TEMPLATE, block, status=status, **card_context(agency, question, **extra))


@bp.get("/agencies/<int:agency_id>/questions/<int:question_id>")
def card(agency_id: int, question_id: int):
    agency = agency_or_404(agency_id)
    return _block(agency, _question_of_cycle(question_id), "card")


@bp.post("/agencies/<int:agency_id>/questions/<int:question_id>")
def save(agency_id: int, question_id: int):
    agency, question = _writable(agency_id), _question_of_cycle(question_id)
    parts = request.form.getlist("part")
    slot_count = len(structure.slots(question.text, question.bullets))

    def refused(refusal: Refused):
        conflict = answer_of(agency.id, cycles.current_cycle().id, question.id) if refusal.status == 409 else None
        return _block(agency, question, "status", status=refusal.status, error=refusal.message,
                      conflict=conflict, typed=structure.fitted(parts, slot_count))

    try:
        return act(lambda: ops.save_answer(agency, question, parts, current_user, versions.submitted(request.form)),
                   lambda answer: "บันทึกแล้ว", back=workspace_url(agency, question),
                   show=lambda text, _: _block(agency, question, "status", message=text), form=refused,
                   full_page=True, trigger="answers-changed")
    except Refused as refusal:
        if not wants_fragment():
            raise
        # An autosave's every refusal (403 after submission, 507 …) belongs on its own status
        # line: the box would otherwise still say "บันทึกแล้ว" from the last save that took.
        return refused(refusal)


@bp.get("/agencies/<int:agency_id>/questions/<int:question_id>/history")
def history(agency_id: int, question_id: int):
    agency, question = agency_or_404(agency_id), _question_of_cycle(question_id)
    answer = answer_of(agency.id, cycles.current_cycle().id, question.id)
    return render("answers/history.html", "content", agency=agency, q=question, answer=answer,
                  revisions=revisions(answer), slots=structure.slots(question.text, question.bullets),
                  workspace=workspace_url(agency, question))


def _citation_action(agency: Agency, question: Question, change, message, typed: dict | None = None):
    """`typed`: the evidence chosen and the page typed, kept in the form after a refusal with
    the message at the input it is about (field "evidence" or "page")."""
    return act(change, message, back=workspace_url(agency, question),
               show=lambda text, _: _block(agency, question, "citations", citation_message=text),
               form=lambda refusal: _block(agency, question, "citations", status=refusal.status,
                                           citation_error=refusal.message,
                                           typed_citation=typed and {**typed, "field": refusal.field or "evidence"}),
               full_page=True)


@bp.post("/agencies/<int:agency_id>/questions/<int:question_id>/citations")
def cite(agency_id: int, question_id: int):
    agency, question = _writable(agency_id), _question_of_cycle(question_id)
    raw_evidence = (request.form.get("evidence_id") or "").strip()[:12]
    raw_page = (request.form.get("page") or "").strip()[:12]

    def change():
        if not raw_evidence.isdigit():
            raise Refused(422, "กรุณาเลือกหลักฐานที่อ้างอิง", field="evidence")
        if raw_page and not (raw_page.isdigit() and len(raw_page) < 6):
            raise Refused(422, "เลขหน้าต้องเป็นตัวเลข เช่น 3", field="page")
        evidence = evidence_or_404(int(raw_evidence))
        ops.cite(agency, question, evidence, int(raw_page) if raw_page else None, current_user)
        return evidence

    return _citation_action(agency, question, change, lambda evidence: f"อ้างอิง “{evidence.title}” แล้ว",
                            typed={"evidence_id": raw_evidence, "page": raw_page})


@bp.post("/agencies/<int:agency_id>/questions/<int:question_id>/citations/<int:citation_id>/delete")
def uncite(agency_id: int, question_id: int, citation_id: int):
    agency, question = _writable(agency_id), _question_of_cycle(question_id)
    return _citation_action(agency, question, lambda: ops.uncite(agency, question, citation_id, current_user),
                            "นำการอ้างอิงออกแล้ว")


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/statement")
def save_statement(agency_id: int, item_id: int):
    """Answered with the item's panel: marking an item "ไม่เกี่ยวข้อง" changes its coverage."""
    agency, item = _writable(agency_id), item_or_404(item_id)
    text, not_applicable = request.form.get("text", ""), request.form.get("not_applicable") == "1"
    return act(lambda: ops.save_statement(agency, item, text, current_user, versions.submitted(request.form),
                                          not_applicable=not_applicable),
               f"บันทึกผลการดำเนินการของรายการ {item.code} แล้ว" if not not_applicable
               else f"บันทึกว่ารายการ {item.code} ไม่เกี่ยวข้อง พร้อมเหตุผลแล้ว",
               back=item_url(agency.id, item), trigger="coverage-changed",
               show=lambda message, _: panel(agency, item, message=message),
               form=lambda refusal: panel(agency, item, status=refusal.status, statement_draft={
                   "text": text, "not_applicable": not_applicable, "error": refusal.message}), full_page=True)


@bp.post("/agencies/<int:agency_id>/sub-items/<int:sub_item_id>/claim")
def save_claim(agency_id: int, sub_item_id: int):
    agency, sub_item = _writable(agency_id), _sub_item_of_cycle(sub_item_id)
    level, note = request.form.get("level", ""), request.form.get("note", "")
    back = url_for("evidence.workspace", agency_id=agency.id, category_code=sub_item.category.code,
                   sub_item_code=sub_item.code) + "#level-claim"
    return act(lambda: ops.save_claim(agency, sub_item, level, note, current_user, versions.submitted(request.form)),
               lambda claim: f"บันทึกแล้ว: ขอรับการประเมินที่{CLAIM_LABELS[claim.level]}", back=back,
               show=lambda message, _: _claim(agency, sub_item, claim_message=message),
               form=lambda refusal: _claim(agency, sub_item, status=refusal.status, claim_error=refusal.message,
                                           typed_claim={"level": level, "note": note, "field": refusal.field}),
               full_page=True)


def _sub_item_of_cycle(sub_item_id: int) -> SubItem:
    sub_item = db.session.get(SubItem, sub_item_id)
    if sub_item is None or sub_item.category.version != cycles.criteria_edition():
        abort(404, description="ไม่พบหัวข้อนี้ในเกณฑ์ของรอบการประเมินปัจจุบัน")
    return sub_item


def _claim(agency: Agency, sub_item: SubItem, status: int = 200, **extra):
    if not wants_fragment():  # a plain post: the workspace with the claim form
        return workspace_page(agency, sub_item.category.code, sub_item.code, status, claim=extra)
    return render("answers/claim.html", "claim", status=status, agency=agency,
                  **claim_context(agency, cycles.current_cycle(), sub_item, **extra))
