"""Read-side helpers for evidence pages: always scoped to one agency."""
import re

from flask import abort, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal import effects
from portal.access import can_see_agency, hidden
from portal.extensions import db
from portal.models import ChecklistItem, SubItem
from portal.models.evidence import Evidence, EvidenceAttachment, FileVersion


def evidence_or_404(evidence_id: int) -> Evidence:
    """Another agency's evidence does not exist as far as this user can tell."""
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None:
        abort(404)
    if not can_see_agency(evidence.agency_id):
        hidden("evidence", evidence.id, evidence.agency_id)
    return evidence


def awaiting_index(evidence: Evidence) -> bool:
    """Not yet searchable as it stands: its index job has not finished (waiting, retrying
    after a full disk, or sent again after its worker died). Extraction ends by recording
    one, so this also covers "text extracted but not indexed yet"."""
    return evidence.deleted_at is None and bool(effects.outstanding("index", [evidence.id]))


def same_file(agency_id: int, cycle_id: int, sha256: str) -> Evidence | None:
    """The agency's evidence of the cycle whose file in force has these bytes, live or in
    the trash (live first): an upload of the same file again is offered to it instead."""
    candidates = db.session.scalars(
        select(Evidence).join(FileVersion, FileVersion.evidence_id == Evidence.id)
        .where(Evidence.agency_id == agency_id, Evidence.cycle_id == cycle_id, Evidence.kind == "file",
               FileVersion.sha256 == sha256)
        .options(selectinload(Evidence.versions), selectinload(Evidence.attachments))
        .order_by(Evidence.deleted_at.is_not(None), Evidence.id))
    # No DISTINCT: PostgreSQL refuses one ordered by an expression it does not select; an
    # evidence with the bytes in two versions just comes twice.
    return next((e for e in candidates if e.current_version.sha256 == sha256), None)


def item_url(agency_id: int, item: ChecklistItem) -> str:
    """Where an item lives: its panel on the agency's workspace of the item's sub-item."""
    sub_item = item.sub_item
    return url_for("evidence.workspace", agency_id=agency_id, category_code=sub_item.category.code,
                   sub_item_code=sub_item.code) + f"#item-{item.id}"


def item_or_404(item_id: int) -> ChecklistItem:
    item = db.session.get(ChecklistItem, item_id)
    if item is None:
        abort(404, description="ไม่พบรายการตรวจสอบนี้")
    return item


def live_evidence_by_item(agency_id: int, cycle_id: int, item_ids: list[int]) -> dict[int, list[tuple]]:
    """item id → [(evidence, attachment)], live evidence only, oldest first."""
    rows = db.session.execute(
        select(EvidenceAttachment, Evidence)
        .join(Evidence, EvidenceAttachment.evidence_id == Evidence.id)
        .where(Evidence.agency_id == agency_id, Evidence.cycle_id == cycle_id,
               Evidence.deleted_at.is_(None), EvidenceAttachment.checklist_item_id.in_(item_ids))
        .options(selectinload(Evidence.versions))
        .order_by(EvidenceAttachment.created_at, EvidenceAttachment.id)
    ).all()
    result: dict[int, list[tuple]] = {item_id: [] for item_id in item_ids}
    for attachment, evidence in rows:
        result[attachment.checklist_item_id].append((evidence, attachment))
    return result


def pickable_evidence(agency_id: int, cycle_id: int, item_id: int, query: str, limit: int = 20) -> list[Evidence]:
    """The agency's live evidence not yet attached to this item, matching the title."""
    attached = select(EvidenceAttachment.evidence_id).where(EvidenceAttachment.checklist_item_id == item_id)
    statement = (
        select(Evidence)
        .where(Evidence.agency_id == agency_id, Evidence.cycle_id == cycle_id,
               Evidence.deleted_at.is_(None), Evidence.id.not_in(attached))
        .options(selectinload(Evidence.versions))
        .order_by(Evidence.created_at.desc())
        .limit(limit)
    )
    if query:
        statement = statement.where(func.lower(Evidence.title).contains(query.lower(), autoescape=True))
    return list(db.session.scalars(statement))


ITEM_CODE = re.compile(r"^\d(\.\d)?(-[A-Z]{1,2}\d{0,2})?$", re.I)
MAX_ITEM_CHOICES = 40


def attachable_items(evidence: Evidence, edition: str, query: str) -> list[ChecklistItem]:
    """Checklist items of the edition that apply to the evidence's agency, matching a code
    ("2", "2.3", "2.3-A1") or words of their text, criteria order; those it is attached to
    come too (shown as such)."""
    from portal.models import Category
    from portal.results.rules import agency_tags, applies

    query = " ".join(query.split())[:100]
    statement = (select(ChecklistItem).join(SubItem).join(Category).where(Category.version == edition,
                                                                         Category.code != "7")
                 .options(selectinload(ChecklistItem.sub_item)).order_by(Category.position, SubItem.position,
                                                                         ChecklistItem.position))
    if ITEM_CODE.match(query):
        sub_code, _, item_code = query.upper().partition("-")
        statement = statement.where(or_(SubItem.code == sub_code, Category.code == sub_code)
                                    if "." not in sub_code else SubItem.code == sub_code)
        if item_code:
            statement = statement.where(func.upper(ChecklistItem.code).startswith(item_code))
    elif query:
        for word in query.split():
            statement = statement.where(func.lower(ChecklistItem.text).contains(word.lower(), autoescape=True))
    elif evidence.attachments:  # nothing typed: the sub-items it already serves, the likeliest
        statement = statement.where(SubItem.id.in_({a.checklist_item.sub_item_id for a in evidence.attachments}))
    tags = agency_tags(evidence.agency.kind, evidence.agency.unit_type)
    found = [item for item in db.session.scalars(statement.limit(MAX_ITEM_CHOICES * 3))
             if applies(tuple(item.applies_to or ()), tags)]
    return found[:MAX_ITEM_CHOICES]


def sub_item_with_items(category_code: str, sub_item_code: str, version: str) -> SubItem:
    from portal.models import Category

    sub_item = db.session.scalar(
        select(SubItem).join(Category)
        .where(Category.version == version, Category.code == category_code, SubItem.code == sub_item_code)
        .options(selectinload(SubItem.items), selectinload(SubItem.questions))
    )
    if sub_item is None:
        abort(404, description=f"ไม่พบหัวข้อ {sub_item_code} ในหมวด {category_code}")
    return sub_item


def covered_items(agency_id: int, cycle_id: int):
    """A select of the checklist items that have live evidence of this agency and cycle (evidence
    carried over from the previous cycle counts once the agency confirmed it)."""
    return (select(EvidenceAttachment.checklist_item_id)
            .join(Evidence, EvidenceAttachment.evidence_id == Evidence.id)
            .where(Evidence.agency_id == agency_id, Evidence.cycle_id == cycle_id,
                   Evidence.deleted_at.is_(None), EvidenceAttachment.awaiting_confirmation.is_(False)))

