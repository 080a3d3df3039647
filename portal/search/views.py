"""The search page: results as you type, filters, facets, pages; scoped to the agencies
the user may see inside the index query."""
import re

from flask import abort, request
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portal import cycles
from portal.access import visible_agency_ids
from portal.criteria.schema import CODE_PATTERN
from portal.extensions import db
from portal.fragments import render
from portal.models import Agency, Category, ChecklistItem, Evidence, SubItem
from portal.models.review import STATUS_LABELS, ItemReview
from portal.search import backend
from portal.evidence.queries import item_url
from portal.search import bp
from portal.search.index import SearchUnavailable
from portal.search.query import DATE_FIELDS, FILTER_FIELDS, DateFilter
from portal.thai.dates import ThaiDateError, parse_thai_date

PER_PAGE = 10
COPIES_NAMED = 5  # copies of a file named on its hit; the rest are counted
SUB_ITEM_CODE = re.compile(r"[1-6]\.[1-4]")


@bp.get("/")
def page():
    allowed = visible_agency_ids()
    filters = {name: request.args.get(name, "").strip()[:32] for name in FILTER_FIELDS}
    if filters["agency"] and allowed is not None and filters["agency"] not in {str(a) for a in allowed}:
        filters["agency"] = ""  # never search an agency the user may not see
    dates, date_error = _dates(request.args)
    filters["item"] = filters["item"].upper()
    form_error = date_error or _filter_error(filters)
    text = request.args.get("q", "").strip()[:500]
    sort = "date" if request.args.get("sort") == "date" else "relevance"
    page_number = max(request.args.get("page", 1, type=int), 1)
    agencies_statement = select(Agency).order_by(Agency.code)
    if allowed is not None:
        agencies_statement = agencies_statement.where(Agency.id.in_(allowed or {-1}))
    agencies = list(db.session.scalars(agencies_statement))
    results = None
    if (text or any(filters.values()) or dates.start or dates.end) and not form_error:
        try:
            results = backend.search_or_unavailable(text, allowed, filters, page=page_number,
                                                    per_page=PER_PAGE, sort=sort, dates=dates)
        except SearchUnavailable as error:
            # The backend asked repair.request_rebuild() for a rebuild: the one enqueue outside
            # the outbox, a repair of the index rather than an effect of a change (throttled there).
            abort(503, description=str(error))
    categories = list(db.session.scalars(select(Category).where(
        Category.version == cycles.criteria_edition()).order_by(Category.position)))
    return render("search/page.html", "results", 422 if form_error else 200,
                  text=text, filters=filters, sort=sort, results=results,
                  places=_item_places(results.hits) if results else {},
                  copy_titles=_copy_titles(results.hits) if results else {},
                  dates=request.args, date_field=dates.field, form_error=form_error,
                  agencies=agencies, agency_names={str(a.id): a.name for a in agencies},
                  categories=categories, cycles=cycles.all_cycles(), show_agency_filter=allowed is None or len(allowed) > 1)


def _filter_error(filters: dict[str, str]) -> str:
    """A Thai message for a sub-item or item code that cannot exist, or ""."""
    if filters["sub_item"] and not SUB_ITEM_CODE.fullmatch(filters["sub_item"]):
        return "หัวข้อย่อยต้องอยู่ในรูปแบบ 2.2"
    sub_item, _, code = filters["item"].partition("-")
    if filters["item"] and not (SUB_ITEM_CODE.fullmatch(sub_item) and CODE_PATTERN.match(code)):
        return "รหัสรายการต้องอยู่ในรูปแบบ 2.2-B1 (หัวข้อย่อย-ระดับและลำดับ เช่น B1, A2, RS1)"
    return ""


def _dates(args) -> tuple[DateFilter, str]:
    """The date range from the form: Thai (พ.ศ.) or ISO dates; an error message in Thai."""
    field = args.get("date_field") if args.get("date_field") in DATE_FIELDS else "document"
    try:
        start = parse_thai_date(args.get("date_from", "")[:32])
        end = parse_thai_date(args.get("date_to", "")[:32])
    except ThaiDateError as error:
        return DateFilter(field), str(error)
    if start and end and start > end:
        return DateFilter(field), "วันที่เริ่มต้องไม่หลังวันที่สิ้นสุด"
    return DateFilter(field, start, end, include_undated=args.get("undated") == "1"), ""


def _copy_titles(hits) -> dict[int, str]:
    """The titles of the copies named on the shown hits (the same agency's, so visible)."""
    ids = {copy for hit in hits for copy in hit.copies[:COPIES_NAMED]}
    return dict(db.session.execute(select(Evidence.id, Evidence.title).where(Evidence.id.in_(ids))).all()) if ids else {}


def _item_places(hits) -> dict[str, dict]:
    """For each item code on the shown hits ("<cycle>:<agency>:<code>"): the item's place
    in its agency's workspace and its review status there, in a few queries."""
    wanted = {(hit.cycle_id, hit.agency_id, code) for hit in hits for code in hit.items}
    if not wanted:
        return {}
    editions = {c.id: cycles.criteria_edition(c) for c in cycles.all_cycles() if c.id in {w[0] for w in wanted}}
    codes = {code for _, _, code in wanted}
    items = {}
    for item in db.session.scalars(
            select(ChecklistItem).join(SubItem).join(Category)
            .options(contains_eager(ChecklistItem.sub_item).contains_eager(SubItem.category))
            .where(Category.version.in_(set(editions.values())),
                   SubItem.code.in_({c.partition("-")[0] for c in codes}),
                   ChecklistItem.code.in_({c.partition("-")[2] for c in codes}))):
        items[(item.sub_item.category.version, item.full_code)] = item
    statuses = {(r.cycle_id, r.agency_id, r.checklist_item_id): r.status for r in db.session.scalars(
        select(ItemReview).where(ItemReview.agency_id.in_({w[1] for w in wanted}),
                                 ItemReview.cycle_id.in_(set(editions))))}
    places = {}
    for cycle_id, agency_id, code in wanted:
        item = items.get((editions.get(cycle_id), code))
        if item is None:  # a code of another edition, no longer loaded
            continue
        status = statuses.get((cycle_id, agency_id, item.id), "")
        places[f"{cycle_id}:{agency_id}:{code}"] = {
            "url": item_url(agency_id, item), "status": status, "status_label": STATUS_LABELS.get(status, "")}
    return places
