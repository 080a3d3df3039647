"""The item's panel, which every action on an item answers with: the evidence area's and
the answers area's (an item's statement) alike, so it lives outside both areas' views."""
from portal import cycles
from portal.answers.queries import statements_by_item
from portal.evidence.queries import live_evidence_by_item
from portal.fragments import render
from portal.models import Agency, ChecklistItem
from portal.reviews.queries import item_reviews
from portal.submissions.lock import editable


def panel(agency: Agency, item: ChecklistItem, status: int = 200, error: str | None = None,
          message: str | None = None, note_drafts: dict[int, str] | None = None,
          statement_draft: dict | None = None, duplicates: list | None = None,
          link_draft: dict | None = None):
    """The item's panel: the fragment every item action answers with (evidence, and the
    agency's statement: portal/answers). `note_drafts`: evidence id → the note the user
    typed, `statement_draft` the statement (text, not_applicable, error), shown again after a refused save; `duplicates`
    the uploads that repeat existing evidence, asked about (operations.Duplicate);
    `link_draft` a refused link's url, title and error, shown in its open form."""
    cycle = cycles.current_cycle()
    entries = live_evidence_by_item(agency.id, cycle.id, [item.id])[item.id]
    return render("evidence/item_panel.html", "panel", status=status, agency=agency, item=item,
                  entries=entries, can_edit=editable(agency.id), error=error, message=message,
                  reviews=item_reviews(agency.id, cycle.id, [item.id]), note_drafts=note_drafts or {},
                  statement=statements_by_item(agency.id, cycle.id, [item.id]).get(item.id),
                  typed_statement=statement_draft, duplicates=duplicates or [], link_draft=link_draft)
