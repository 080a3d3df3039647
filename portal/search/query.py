"""Searching: Thai words and phrases, a bigram fallback, filters inside the index query
(never applied afterwards), highlighted snippets and facets within the permitted agencies."""
import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time

from whoosh import highlight, sorting
from whoosh.qparser import AndGroup, MultifieldParser
from whoosh.query import And, DateRange, Every, Or, Term

from portal.search.analyzer import thai_bigrams
from portal.search.suggest import suggest

FILTER_FIELDS = {"agency": "agency", "cycle": "cycle", "category": "categories",
                 "sub_item": "sub_items", "item": "items", "level": "levels", "kind": "file_kind"}
QUOTED = re.compile(r'"([^"]+)"')
FACETS = {"agency": "agency", "kind": "file_kind", "category": "categories"}
DATE_FIELDS = {"document": "document_date", "uploaded": "uploaded"}


@dataclass
class DateFilter:
    field: str = "document"  # a key of DATE_FIELDS
    start: date | None = None
    end: date | None = None


@dataclass
class Hit:
    evidence_id: int
    agency_id: int
    title: str
    file_name: str
    file_kind: str
    page: int
    page_label: str
    items: list[str]
    score: float
    snippet: str  # HTML: escaped text with <mark> around matches


@dataclass
class Results:
    query: str
    total: int
    page: int
    pages: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str = ""  # "did you mean", from terms in documents the user may see


def build_query(text: str, schema, with_bigrams: bool = True):
    """Words (all must match) through the Thai analyzer, or the same words as letter
    bigrams, so text tokenised differently from the query is still found."""
    parser = MultifieldParser(["title", "content", "file_name"], schema, group=AndGroup)
    main = parser.parse(text)
    if not with_bigrams:
        return main
    bigram_parts = []  # every bigram of each query word must occur (no positions kept)
    for piece in QUOTED.findall(text) + QUOTED.sub(" ", text).split():
        grams = sorted({g.lower() for g, _, _ in thai_bigrams(piece)})
        if grams:
            bigram_parts.append(Or([And([Term(name, g) for g in grams])
                                    for name in ("content_bigram", "title_bigram")]))
    if not bigram_parts:
        return main
    return Or([main, And(bigram_parts)])


def scope_filter(agency_ids: set[int] | None, filters: dict[str, str], dates: "DateFilter | None" = None):
    """Who may see what, and the user's filters, as one index query."""
    parts = []
    if agency_ids is not None:
        parts.append(Or([Term("agency", str(a)) for a in sorted(agency_ids)]) if agency_ids else Term("agency", "-"))
    for name, value in filters.items():
        if value and name in FILTER_FIELDS:
            parts.append(Term(FILTER_FIELDS[name], str(value)))
    if dates and (dates.start or dates.end):
        start = datetime.combine(dates.start, time.min) if dates.start else None
        end = datetime.combine(dates.end, time.max) if dates.end else None
        parts.append(DateRange(DATE_FIELDS[dates.field], start, end))
    return And(parts) if parts else None


def search(ix, text: str, agency_ids: set[int] | None, filters: dict[str, str] | None = None,
           page: int = 1, per_page: int = 10, sort: str = "relevance", searcher=None,
           dates: DateFilter | None = None) -> Results:
    filters = filters or {}
    text = (text or "").strip()[:500]
    with nullcontext(searcher) if searcher else ix.searcher() as searcher:
        allowed = scope_filter(agency_ids, filters, dates)
        # Words first, in one pass with the facets; the costlier bigram query only when
        # the words find less than a page.
        page_result = _page(searcher, build_query(text, ix.schema, False) if text else Every(), allowed,
                            page, per_page, sort)
        if text and page_result.total < per_page:
            page_result = _page(searcher, build_query(text, ix.schema), allowed, page, per_page, sort)
        page_result.results.fragmenter = highlight.ContextFragmenter(maxchars=220, surround=60)
        page_result.results.formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
        hits = []
        for hit in page_result:  # only the page shown is highlighted
            snippet = hit.highlights("content", top=2) or _plain(hit.get("content", ""))
            hits.append(Hit(
                evidence_id=int(hit["evidence"]), agency_id=int(hit["agency"]), title=hit["title"],
                file_name=hit.get("file_name", ""), file_kind=hit.get("file_kind", ""),
                page=hit.get("page", 0), page_label=hit.get("page_label", ""),
                items=[i for i in hit.get("items", "").split(",") if i], score=hit.score or 0.0,
                snippet=snippet))
        grouped = {name: {key: len(ids) for key, ids in page_result.results.groups(name).items()}
                   for name in FACETS}
        suggestion = suggest(searcher, text, allowed) if text and not page_result.total else ""
        return Results(query=text, total=page_result.total, page=page_result.pagenum,
                       pages=page_result.pagecount, hits=hits, facets=grouped, suggestion=suggestion)


def _page(searcher, query, allowed, page, per_page, sort):
    facets = {name: sorting.FieldFacet(column, allow_overlap=column == "categories") for name, column in FACETS.items()}
    sortedby = sorting.FieldFacet("updated", reverse=True) if sort == "date" else None
    return searcher.search_page(query, max(page, 1), pagelen=per_page, filter=allowed,
                                groupedby=facets, sortedby=sortedby)


def _plain(text: str) -> str:
    from markupsafe import escape

    return str(escape(text[:220] + ("…" if len(text) > 220 else "")))
