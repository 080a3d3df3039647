"""The item's panel, which every action on an item answers with: the evidence area's and
the answers area's (an item's statement) alike, so it lives outside both areas' views.
Also the workspace page around the panels, which a plain form post (no htmx) refused on
one of them gets, so the page shows the reason and what was typed where it was typed."""
from portal import cycles
from portal.answers.claims import claim_context
from portal.answers.queries import answers_by_question, citable_evidence, progress, statements_by_item
from portal.coverage.summary import summary_context
from portal.evidence.queries import live_evidence_by_item, sub_item_with_items
from portal.fragments import render, wants_fragment
from portal.models import Agency, ChecklistItem
from portal.reviews.queries import Feedback, item_reviews
from portal.submissions.lock import editable


def panel(agency: Agency, item: ChecklistItem, status: int = 200, error: str | None = None,
          message: str | None = None, note_drafts: dict[int, str] | None = None,
          statement_draft: dict | None = None, duplicates: list | None = None,
          link_draft: dict | None = None, upload_draft: dict | None = None):
    """The item's panel: the fragment every item action answers with (evidence, and the
    agency's statement: portal/answers). `note_drafts`: evidence id → the note the user
    typed, `statement_draft` the statement (text, not_applicable, error), shown again after a refused save; `duplicates`
    the uploads that repeat existing evidence, asked about (operations.Duplicate);
    `link_draft` a refused link's url, title and error, shown in its open form;
    `upload_draft` a refused upload's title and document date.
    Without htmx the same panel comes inside its workspace page."""
    state = {"error": error, "message": message, "note_drafts": note_drafts or {},
             "typed_statement": statement_draft, "duplicates": duplicates or [], "link_draft": link_draft,
             "upload_draft": upload_draft}
    if not wants_fragment():
        return workspace_page(agency, item.sub_item.category.code, item.sub_item.code, status,
                              item_states={item.id: state})
    cycle = cycles.current_cycle()
    entries = live_evidence_by_item(agency.id, cycle.id, [item.id])[item.id]
    return render("evidence/item_panel.html", "panel", status=status, agency=agency, item=item,
                  entries=entries, can_edit=editable(agency.id),
                  reviews=item_reviews(agency.id, cycle.id, [item.id]),
                  statement=statements_by_item(agency.id, cycle.id, [item.id]).get(item.id), **state)


def workspace_page(agency: Agency, category_code: str, sub_item_code: str, status: int = 200, *,
                   item_states: dict[int, dict] | None = None, question_states: dict[int, dict] | None = None,
                   feedback: Feedback | None = None, claim: dict | None = None):
    """The agency's workspace of one sub-item. After a refused plain post the form's own
    part carries the refusal: `item_states` an item's panel (panel()'s state),
    `question_states` a question's answer card (portal/answers/views.card_context's extras),
    `feedback` the review part, `claim` the level claim (claim_context's extras)."""
    cycle = cycles.current_cycle()
    sub_item = sub_item_with_items(category_code, sub_item_code, cycles.criteria_edition(cycle))
    item_ids = [i.id for i in sub_item.items]
    can_edit = editable(agency.id)
    return render("evidence/workspace.html", "content", status=status, agency=agency, sub_item=sub_item,
                  category=sub_item.category, cycle=cycle, can_edit=can_edit, error=None, message=None,
                  entries=live_evidence_by_item(agency.id, cycle.id, item_ids),
                  reviews=item_reviews(agency.id, cycle.id, item_ids, feedback),
                  answers=answers_by_question(agency.id, cycle.id, [q.id for q in sub_item.questions]),
                  answer_progress=progress(agency.id, cycle.id, [sub_item.id])[sub_item.id],
                  statements=statements_by_item(agency.id, cycle.id, item_ids),
                  choices=citable_evidence(agency.id, cycle.id) if can_edit else [],
                  item_states=item_states or {}, question_states=question_states or {},
                  **claim_context(agency, cycle, sub_item, **(claim or {})),
                  **summary_context(agency, cycle, category_code, sub_item_code, "covered"))
