"""“คุณหมายถึง …”: corrections for a query that found nothing, taken from the index's own
words. A candidate counts only if it occurs in a document the user may see (the same
scope and filters as the search), so another agency's words are never revealed.
`corrected` is the rule both engines use; each engine says which words are visible and
which visible words lie near a misspelt one (Whoosh here, PostgreSQL in pg.py)."""
from whoosh.query import And, Term

from portal.search.analyzer import THAI_DIGITS, words

FIELD = "content"
MAX_CANDIDATES = 40  # per word and distance, before the scope check
MIN_LENGTH = 3


def _visible_count(searcher, term: str, allowed) -> int:
    if allowed is None:
        return searcher.doc_frequency(FIELD, term)
    return sum(1 for _ in searcher.docs_for_query(And([Term(FIELD, term), allowed])))


def _correction(searcher, word: str, allowed) -> str | None:
    """The closest visible term (fewest edits, then most visible documents), or None."""
    reader = searcher.reader()
    for distance in (1, 2):
        candidates = []
        for term in reader.terms_within(FIELD, word, distance, prefix=1):
            if term == word:
                continue
            candidates.append(term)
            if len(candidates) >= MAX_CANDIDATES:
                break
        ranked = sorted(((_visible_count(searcher, t, allowed), t) for t in candidates), key=lambda x: (-x[0], x[1]))
        if ranked and ranked[0][0] > 0:
            return ranked[0][1]
    return None


def suggest(searcher, text: str, allowed) -> str:
    """The Whoosh index's suggestion for a query that found nothing."""
    return corrected(text, lambda term: _visible_count(searcher, term, allowed),
                     lambda word: _correction(searcher, word, allowed))


def closest(word: str, counts: dict[str, int]) -> str | None:
    """Among visible words and how many documents have them, the nearest to `word`: one
    edit before two, the same first letter (as Whoosh's prefix=1), then the most documents."""
    for distance in (1, 2):
        near = [(-n, term) for term, n in counts.items()
                if term != word and term[:1] == word[:1] and abs(len(term) - len(word)) <= distance
                and edit_distance(term, word) == distance]
        if near:
            return min(near)[1]
    return None


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (short words: the plain dynamic programme)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def corrected(text: str, visible_count, correction) -> str:
    """The query with unknown pieces corrected, or "" when nothing better is visible.
    A piece (space-separated) is tried whole first — Thai typos break the tokenizer's
    split — then word by word."""
    changed, out = False, []
    for piece in text.replace('"', " ").split():
        key = piece.lower().translate(THAI_DIGITS)
        if len(key) < MIN_LENGTH or visible_count(key):
            out.append(piece)
            continue
        whole = correction(key)
        if whole:
            out.append(whole)
            changed = True
            continue
        fixed = []
        for word, _, _ in words(piece):
            word = word.lower()
            better = None
            if len(word) >= MIN_LENGTH and not visible_count(word):
                better = correction(word)
            fixed.append(better or word)
            changed = changed or bool(better)
        out.append("".join(fixed))
    return " ".join(out) if changed else ""
