"""Searching the FTS5 backend: the same Results as portal.search.query. Words (all must
match, in title, content or file name) through the Thai analyzer, quoted phrases, the
letter-bigram fallback when words find less than a page; scope, filters and dates in the
SQL (never applied afterwards); facets and "did you mean" within that scope only."""
from whoosh.support.levenshtein import damerau_levenshtein

from portal.search.analyzer import THAI_DIGITS, thai_analyzer, thai_bigrams, words
from portal.search.matching import FACETS
from portal.search.query import FILTER_FIELDS, QUOTED, DateFilter, Hit, Results, make_hit

WORD_COLUMNS = "{title content file_name}"
LIST_FIELDS = {"categories", "sub_items", "items", "levels"}
ANALYZER = thai_analyzer()


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def match_expression(text: str, with_bigrams: bool = True) -> str:
    phrases, rest = QUOTED.findall(text), QUOTED.sub(" ", text)
    # Each space-separated piece, and each quoted phrase, is a phrase of its words (a Thai
    # run typed without spaces often splits into several), as in the Whoosh backend.
    pieces = [" ".join(w.lower() for w, _, _ in words(p)) for p in rest.split() + phrases]
    parts = [_quote(p) for p in pieces if p]
    if not parts:
        return ""
    expression = f"{WORD_COLUMNS} : ({' AND '.join(parts)})"
    if with_bigrams:
        grams = [" AND ".join(_quote(g) for g in sorted({g.lower() for g, _, _ in thai_bigrams(piece)}))
                 for piece in phrases + rest.split()]
        grams = [g for g in grams if g]
        if grams:
            expression = f"({expression}) OR (bigrams : ({' AND '.join(grams)}))"
    return expression


def scope_sql(agency_ids: set[int] | None, filters: dict[str, str], dates: DateFilter | None) -> tuple[str, list]:
    """Who may see what, and the user's filters, as SQL over `docs d`."""
    clauses, params = [], []
    if agency_ids is not None:
        clauses.append(f"d.agency IN ({','.join('?' * len(agency_ids))})" if agency_ids else "0")
        params += [str(a) for a in sorted(agency_ids)]
    for name, value in filters.items():
        if value and name in FILTER_FIELDS:
            column = FILTER_FIELDS[name]
            if column in LIST_FIELDS:
                clauses.append(f"instr(',' || d.{column} || ',', ?) > 0")
                params.append(f",{value},")
            else:
                clauses.append(f"d.{column} = ?")
                params.append(str(value))
    if dates and (dates.start or dates.end):
        column = "d.document_date" if dates.field == "document" else "d.uploaded"
        if dates.start:
            clauses.append(f"{column} >= ?")
            params.append(dates.start.isoformat())
        if dates.end:
            clauses.append(f"{column} <= ?")
            params.append(dates.end.isoformat())
    return " AND ".join(clauses) or "1", params


def _collect(connection, expression: str, where: str, params: list) -> int:
    connection.execute("CREATE TEMP TABLE IF NOT EXISTS hits(id INTEGER PRIMARY KEY, score REAL)")
    connection.execute("DELETE FROM hits")
    if expression:
        # CROSS JOIN keeps FTS5 as the outer loop: otherwise SQLite may walk the agency's
        # documents and evaluate MATCH once per row (measured 5-20x slower).
        connection.execute("INSERT INTO hits SELECT fts.rowid, bm25(fts, 2.0, 1.0, 1.0, 0.25) FROM fts "
                           f"CROSS JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ? AND {where}", [expression, *params])
    else:
        connection.execute(f"INSERT INTO hits SELECT d.id, 0 FROM docs d WHERE {where}", params)
    return connection.execute("SELECT count(*) FROM hits").fetchone()[0]


def _facets(connection) -> dict[str, dict[str, int]]:
    """All facets in one pass over the matches, split and summed here."""
    names = list(FACETS.items())
    counts: dict[str, dict[str, int]] = {name: {} for name, _ in names}
    columns = ", ".join(f"d.{column}" for _, column in names)
    for *values, count in connection.execute(f"SELECT {columns}, count(*) FROM hits CROSS JOIN docs d "
                                             f"ON d.id = hits.id GROUP BY {columns}"):
        for (name, column), value in zip(names, values):
            for key in (value or "").split(",") if column in LIST_FIELDS else [value]:
                if key:
                    counts[name][key] = counts[name].get(key, 0) + count
    return {name: dict(sorted(c.items(), key=lambda item: -item[1])) for name, c in counts.items()}


def search(index, text: str, agency_ids: set[int] | None, filters: dict[str, str] | None = None,
           page: int = 1, per_page: int = 10, sort: str = "relevance", dates: DateFilter | None = None,
           **_ignored) -> Results:
    text = (text or "").strip()[:500]
    page = max(page, 1)
    where, params = scope_sql(agency_ids, filters or {}, dates)
    connection = index.connect()
    try:
        total = _collect(connection, match_expression(text, False), where, params)
        if text and total < per_page:
            total = _collect(connection, match_expression(text), where, params)
        order = "d.updated DESC, h.score" if sort == "date" else "h.score, d.id"
        rows = connection.execute(f"SELECT d.*, h.score FROM hits h JOIN docs d USING (id) ORDER BY {order} "
                                  "LIMIT ? OFFSET ?", (per_page, (page - 1) * per_page)).fetchall()
        query_words = {w.lower() for w, _, _ in words(QUOTED.sub(lambda m: m.group(1), text))}
        hits = [_hit(row, query_words) for row in rows]
        facets = _facets(connection)
        suggestion = suggest(connection, text, where, params) if text and not total else ""
    finally:
        connection.close()
    return Results(query=text, total=total, page=page, pages=max(1, -(-total // per_page)), hits=hits,
                   facets=facets, suggestion=suggestion)


def _hit(row, query_words: set) -> Hit:
    return make_hit(dict(row), -float(row["score"] or 0.0), query_words, ANALYZER)


def _visible(connection, term: str, where: str, params: list) -> int:
    return connection.execute(f"SELECT count(*) FROM fts CROSS JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ? AND {where}",
                              [f"content : {_quote(term)}", *params]).fetchone()[0]


def suggest(connection, text: str, where: str, params: list) -> str:
    """As portal.search.suggest: the closest words visible in the same scope, or ""."""
    changed, out = False, []
    for piece in text.replace('"', " ").split():
        key = piece.lower().translate(THAI_DIGITS)
        if len(key) < 3 or _visible(connection, key, where, params):
            out.append(piece)
            continue
        better = _correction(connection, key, where, params)
        out.append(better or piece)
        changed = changed or bool(better)
    return " ".join(out) if changed else ""


def _correction(connection, word: str, where: str, params: list) -> str | None:
    candidates = [row[0] for row in connection.execute(
        "SELECT term FROM vocab WHERE col = 'content' AND term >= ? AND term < ?", (word[0], word[0] + "\uffff"))]
    for distance in (1, 2):
        near = [t for t in candidates if t != word and abs(len(t) - len(word)) <= distance
                and damerau_levenshtein(t, word, distance + 1) <= distance][:40]
        ranked = sorted(((_visible(connection, t, where, params), t) for t in near), key=lambda x: (-x[0], x[1]))
        if ranked and ranked[0][0] > 0:
            return ranked[0][1]
    return None
