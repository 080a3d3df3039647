"""Searching: Thai words and phrases, a bigram fallback, filters inside the index query
(never applied afterwards), highlighted snippets and facets within the permitted agencies.
One hit per evidence (its best page, and the other pages that matched) and per file copied
within an agency (matching.group_key); totals and facets count those hits."""
import os
import re
import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time

from markupsafe import escape
from whoosh import highlight
from whoosh.qparser import AndGroup, MultifieldParser
from whoosh.query import And, ConstantScoreQuery, DateRange, Every, Or, Term

from portal.search.analyzer import THAI_DIGITS, thai_bigrams
from portal.search.analyzer import words as split_words
from portal.search.index import read_while_committed
from portal.search.matching import evidence_numbers, facet_counts, group_count, match_mask, top_groups
from portal.search.suggest import suggest

FILTER_FIELDS = {"agency": "agency", "cycle": "cycle", "category": "categories",
                 "sub_item": "sub_items", "item": "items", "level": "levels", "kind": "file_kind"}
QUOTED = re.compile(r'"([^"]+)"')
DATE_FIELDS = {"document": "document_date", "uploaded": "uploaded"}
FRAGMENTER = highlight.ContextFragmenter(maxchars=220, surround=60)
SNIPPET_BEFORE, SNIPPET_WINDOW = 200, 900  # characters of the page searched for passages
WHOLE = highlight.WholeFragmenter()
LISTED_PAGES = 30  # matching pages named on one hit ("พบใน N หน้า" counts them all)
FORMATTER = highlight.HtmlFormatter(tagname="mark", between=" … ")


@dataclass
class DateFilter:
    field: str = "document"  # a key of DATE_FIELDS
    start: date | None = None
    end: date | None = None
    include_undated: bool = False  # a document-date range also finds evidence with no date

    @property
    def undated_left_out(self) -> bool:
        """A document-date range that leaves evidence without a date out of the search."""
        return self.field == "document" and not self.include_undated and bool(self.start or self.end)

    @property
    def undated_let_in(self) -> bool:
        return self.field == "document" and self.include_undated


@dataclass
class Hit:
    evidence_id: int | None  # None for an answer
    agency_id: int
    title: str
    file_name: str
    file_kind: str
    page: int
    page_label: str
    items: list[str]
    score: float
    snippet: str  # HTML: escaped text with <mark> around matches
    title_html: str = ""  # the title, escaped, with <mark> around matches
    # An answer to a question (its title "คำตอบข้อ 1.1.3"): where it is written, on its workspace.
    answer_id: int | None = None
    question_id: int | None = None
    question_text: str = ""
    category: str = ""
    sub_item: str = ""
    cycle_id: int = 0
    # Every matching page of the evidence as (number, label), by number, and how many there are.
    pages: list[tuple[int, str]] = field(default_factory=list)
    page_count: int = 0
    copies: list[int] = field(default_factory=list)  # other evidence of the same file in the agency


@dataclass
class Results:
    query: str
    total: int
    page: int
    pages: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str = ""  # "did you mean", from terms in documents the user may see
    undated: int = 0  # evidence without a document date that a document-date range left out
    more_than: bool = False  # the total is a lower bound (an engine that reads a capped set of matches)


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
        in_range = DateRange(DATE_FIELDS[dates.field], start, end)
        parts.append(Or([in_range, Term("dated", "0")]) if dates.undated_let_in else in_range)
    return And(parts) if parts else None


def search(ix, text: str, agency_ids: set[int] | None, filters: dict[str, str] | None = None,
           page: int = 1, per_page: int = 10, sort: str = "relevance", searcher=None,
           dates: DateFilter | None = None) -> Results:
    filters = filters or {}
    text = (text or "").strip()[:500]
    page = max(page, 1)
    # Whoosh's empty reader has no segments to read. ix's count opens the segments afresh,
    # which also finds damage before the cached searcher reads a truncated file it mapped.
    if searcher is None and _read(ix, ix.doc_count_all) == 0:
        return Results(query=text, total=0, page=page, pages=1, hits=[])
    with nullcontext(searcher or _searcher(ix)) as searcher:
        # The searcher's own schema: ix's reads the folder's newest table of contents again.
        allowed = scope_filter(agency_ids, filters, dates)
        # Words first; the costlier bigram query only when the words find less than a page.
        query = _scoped(build_query(text, searcher.schema, False) if text else Every(), allowed)
        phrases: dict = {}  # each phrase's frequencies, found by matching, for ranking
        matched = match_mask(searcher, query, phrases)
        total, with_bigrams = group_count(searcher, matched), False
        if text and total < per_page:
            with_bigrams = True
            query = _scoped(build_query(text, searcher.schema), allowed)
            matched = match_mask(searcher, query, phrases)
            total = group_count(searcher, matched)
        best = top_groups(searcher, query, matched, page * per_page, by_date=sort == "date", phrases=phrases)
        words = {term for name, term in query.iter_all_terms() if name == "content"}
        hits = [_hit(searcher, group, words) for group in best[(page - 1) * per_page:]]
        facets = facet_counts(searcher, matched)
        suggestion = suggest(searcher, text, allowed) if text and not total else ""
        return Results(query=text, total=total, page=page, pages=max(1, -(-total // per_page)),
                       hits=hits, facets=facets, suggestion=suggestion,
                       undated=_undated_left_out(searcher, build_query(text, searcher.schema, with_bigrams) if text else Every(),
                                                 agency_ids, filters, dates))


def _undated_left_out(searcher, words, agency_ids, filters: dict, dates: "DateFilter | None") -> int:
    """Evidence the same words and filters find without the document-date range that has
    no document date (the search left it out)."""
    if not dates or not dates.undated_left_out:
        return 0
    undated = And([Term("dated", "0")] + ([allowed] if (allowed := scope_filter(agency_ids, filters)) else []))
    return group_count(searcher, match_mask(searcher, _scoped(words, undated)))


def _hit(searcher, group, words: set) -> Hit:
    hit = make_hit(searcher.stored_fields(group.best), group.score, words, searcher.schema["content"].analyzer)
    if hit.evidence_id is None:
        return hit
    numbers = evidence_numbers(searcher, group.members)
    own = group.members[numbers == hit.evidence_id]
    hit.page_count = len(own)
    hit.pages = sorted((int(stored.get("page") or 0), stored.get("page_label") or "")
                       for stored in map(searcher.stored_fields, own[:LISTED_PAGES].tolist()))
    hit.copies = sorted({int(n) for n in numbers} - {hit.evidence_id})
    return hit


def make_hit(stored, score: float, words: set, analyzer) -> Hit:
    """A shown hit from a document's stored fields (either backend), highlighted: only the
    page shown is. A link's address is shown beside its title, not in its snippet."""
    content, kind, file_name = stored.get("content") or "", stored.get("file_kind") or "", stored.get("file_name") or ""
    if kind == "link" and file_name and content.rstrip().endswith(file_name):
        content = content.rstrip()[:-len(file_name)].rstrip()
    title = stored.get("title") or ""
    hit = Hit(evidence_id=int(stored["evidence"]) if stored.get("evidence") else None,
              agency_id=int(stored["agency"]), cycle_id=int(stored.get("cycle") or 0), title=title,
              file_name=file_name, file_kind=kind, page=int(stored.get("page") or 0),
              page_label=stored.get("page_label") or "",
              items=[i for i in (stored.get("items") or "").split(",") if i], score=score,
              snippet=snippet(content, words, analyzer) if content else "",
              title_html=_marked_title(title, words, analyzer))
    if stored.get("answer"):
        hit.answer_id, hit.question_id = int(stored["answer"]), int(stored["question"])
        hit.question_text = stored.get("question_text") or ""
        hit.category, hit.sub_item = stored.get("categories") or "", stored.get("sub_items") or ""
    return hit


def _marked_title(title: str, words: set, analyzer) -> str:
    marked = highlight.highlight(title, words, analyzer, WHOLE, FORMATTER) if words else ""
    whole = len(title)  # the whole title, never cut
    return marked or _marked_inside_words(title, words, before=whole, length=whole) or str(escape(title))


def snippet(content: str, words: set, analyzer) -> str:
    """Highlighted passages around the first match. Only a window of the page is
    re-analysed (the whole page cost ~2 ms a hit), since two short fragments are shown."""
    lowered = content.lower()
    found = [i for i in (lowered.find(w) for w in words) if i >= 0]
    start = max(min(found) - SNIPPET_BEFORE, 0) if found else 0
    window = content[start:start + SNIPPET_WINDOW] if found else content  # e.g. ๒๕๗๐ found as 2570
    marked = highlight.highlight(window, words, analyzer, FRAGMENTER, FORMATTER, top=2) if words else ""
    return marked or _marked_inside_words(content, words) or _plain(content)


def _marked_inside_words(content: str, words: set, before: int = 60, length: int = 220) -> str:
    """A passage for a hit the query's words do not line up with (found through letter
    pairs: "ยุทธ" inside the word "ยุทธศาสตร์", or a query the text splits elsewhere): the
    query's words marked where they occur, the passage cut at the text's word boundaries."""
    folded = content.lower().translate(THAI_DIGITS)  # same length: offsets carry over
    spans = sorted((at, at + len(w)) for w in words if w for at in _occurrences(folded, w))
    if not spans:
        return ""
    start, end = max(spans[0][0] - before, 0), min(spans[0][0] + length, len(content))
    bounds = [(s, e) for _, s, e in split_words(content[start:end])]  # the first and last may be cut
    cut_start = min(start + bounds[1][0], spans[0][0]) if start and len(bounds) > 1 else start
    cut_end = max(start + bounds[-2][1], spans[0][1]) if end < len(content) and len(bounds) > 1 else end
    out, at = ["…" if cut_start else ""], cut_start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, at), min(span_end, cut_end)
        if span_start >= span_end:
            continue
        out += [str(escape(content[at:span_start])), '<mark class="match">', str(escape(content[span_start:span_end])), "</mark>"]
        at = span_end
    out += [str(escape(content[at:cut_end])), "…" if cut_end < len(content) else ""]
    return "".join(out)


def _occurrences(text: str, word: str):
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + len(word))


_local = threading.local()


def _read(ix, read):
    """read() of an index on disk, again when a commit removed the files it was opening."""
    folder = getattr(ix.storage, "folder", None)
    return read() if folder is None else read_while_committed(folder, read)


def _searcher(ix):
    """This thread's searcher of the index, kept open between requests (opening one read
    the segment files: ~30 ms at 10k pages) and opened again when the index changed. The
    folder's inode is in the key, so a rebuilt index swapped into the same path is seen.
    Not Searcher.refresh(): it reuses a segment's reader, deletions as they were when it was
    opened, so a page or answer rewritten since was found in its old and its new version."""
    folder = getattr(ix.storage, "folder", None)
    if folder is None:
        return ix.searcher()
    key = (folder, os.stat(folder).st_ino)
    cache = _local.__dict__.setdefault("searchers", {})
    cached = cache.get(folder)
    if cached and cached[0] == key and cached[1].up_to_date():
        fresh = cached[1]
    else:
        if cached:
            cached[1].close()
        fresh = read_while_committed(folder, ix.searcher)
    cache[folder] = (key, fresh)
    return fresh


def forget_searchers(folder) -> None:
    """Drop this thread's searcher of an index found damaged, so the rebuilt one is opened."""
    cached = _local.__dict__.get("searchers", {}).pop(str(folder), None)
    if cached:
        try:
            cached[1].close()
        except Exception:  # noqa: BLE001  (closing a damaged reader may fail too)
            pass


def _scoped(query, allowed):
    """The scope inside the query: the intersection skips to the permitted documents
    (a Whoosh `filter=` walks every match and tests each), scored the same for all."""
    return And([query, ConstantScoreQuery(allowed, 0.0)]) if allowed is not None else query


def _plain(text: str) -> str:
    return str(escape(text[:220] + ("…" if len(text) > 220 else "")))
