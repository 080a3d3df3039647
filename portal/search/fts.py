"""A second search backend: SQLite FTS5 over the Thai analyzer's tokens (SEARCH_BACKEND =
"fts5"). Same documents (evidence pages and answers), scope, filters, facets, suggestions
and rebuild contract as the Whoosh index; the tokens are made by portal.search.analyzer and joined by spaces, and
FTS5's unicode61 keeps Thai vowel and tone marks inside tokens (DESIGN). Written only by
the worker and `search reindex`; web requests open it read-only."""
import shutil
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

from portal.extensions import db
from portal.models.user import utcnow
from portal.search.analyzer import thai_bigrams, words
from portal.search import answer_documents
from portal.search.index import (SearchUnavailable, _write_lock, answers_changed_since, changed_since, load_documents,
                                 rebuild_todo, swap_in)

SCHEMA_VERSION = "fts5-4"  # 4: answers to the questions
DB_FILE = "index.sqlite"
MARKS = "\u0e31" + "".join(chr(c) for c in range(0x0E34, 0x0E3B)) + "".join(chr(c) for c in range(0x0E47, 0x0E4F))
COLUMNS = ("doc_id", "evidence", "answer", "question", "question_text", "agency", "cycle", "categories", "sub_items",
           "items", "levels", "file_kind", "file_name", "title", "page", "page_label", "content", "updated",
           "document_date", "uploaded")
DDL = f"""
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE docs(id INTEGER PRIMARY KEY, {", ".join(c + " TEXT" for c in COLUMNS)});
CREATE INDEX docs_evidence ON docs(evidence);
CREATE INDEX docs_answer ON docs(answer);
CREATE INDEX docs_agency ON docs(agency);
CREATE VIRTUAL TABLE fts USING fts5(title, content, file_name, bigrams, content='',
    tokenize="unicode61 remove_diacritics 0 tokenchars '{MARKS}'");
CREATE VIRTUAL TABLE vocab USING fts5vocab(fts, 'col');
"""


class Index:
    """An open FTS5 index (a path; each search opens its own read-only connection)."""

    def __init__(self, path: Path):
        self.path = path

    def connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        connection.row_factory = sqlite3.Row
        return connection


def open_index(folder: str | Path) -> Index:
    path = Path(folder) / DB_FILE
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            version = connection.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    except sqlite3.Error:
        version = None
    if not version or version[0] != SCHEMA_VERSION:
        raise SearchUnavailable("ดัชนีค้นหายังไม่พร้อม (กำลังสร้างใหม่) กรุณาลองอีกครั้งในไม่กี่นาที")
    return Index(path)


def _tokens(text: str) -> str:
    return " ".join(w.lower() for w, _, _ in words(text or ""))


def _bigrams(text: str) -> str:
    return " ".join(g.lower() for g, _, _ in thai_bigrams(text or ""))


def _row(document: dict) -> tuple:
    values = {**document, "updated": document["updated"].isoformat(sep=" "),
              "uploaded": document["uploaded"].date().isoformat() if document.get("uploaded") else None,
              "document_date": document["document_date"].date().isoformat() if document.get("document_date") else None}
    return tuple(values.get(c) for c in COLUMNS)


def _write(connection: sqlite3.Connection, ids: list[int], delete_first: bool = True,
           documents: list[dict] | None = None, answer_ids: list[int] = ()) -> None:
    """One transaction: drop these evidence's pages and answers' documents, add back the
    live ones (read from the database before the index transaction begins)."""
    if documents is None:
        documents = (load_documents(ids) if ids else []) + answer_documents.load_answer_documents(answer_ids)
    if delete_first:
        _delete(connection, "evidence", ids)
    _delete(connection, "answer", answer_ids)
    for document in documents:
        row = connection.execute(f"INSERT INTO docs({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                                 _row(document))
        connection.execute("INSERT INTO fts(rowid, title, content, file_name, bigrams) VALUES (?, ?, ?, ?, ?)",
                           (row.lastrowid, *_fts_values(document["title"], document["content"],
                                                        document["file_name"])))
    connection.commit()


def _delete(connection: sqlite3.Connection, column: str, ids: list[int]) -> None:
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    rows = connection.execute(f"SELECT id, title, content, file_name FROM docs WHERE {column} IN ({marks})",
                              [str(i) for i in ids]).fetchall()
    for row_id, title, content, file_name in rows:  # contentless: delete by the same tokens
        connection.execute("INSERT INTO fts(fts, rowid, title, content, file_name, bigrams) "
                           "VALUES ('delete', ?, ?, ?, ?, ?)", (row_id, *_fts_values(title, content, file_name)))
    connection.executemany("DELETE FROM docs WHERE id = ?", [(r[0],) for r in rows])


def _fts_values(title: str, content: str, file_name: str) -> tuple[str, str, str, str]:
    """The token columns (FTS5 keeps no copy: contentless, so deletes resend these)."""
    return (_tokens(title), _tokens(content), _tokens(file_name),
            _bigrams(title) + " " + _bigrams(content))


def _writer(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=60, isolation_level="IMMEDIATE")
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


def update_evidence(folder: str | Path, evidence_ids: Iterable[int]) -> None:
    index = open_index(folder)
    with _write_lock:
        connection = _writer(index.path)
        try:
            _write(connection, [int(i) for i in evidence_ids])
        finally:
            connection.close()


def update_answers(folder: str | Path, answer_ids: Iterable[int]) -> None:
    index = open_index(folder)
    with _write_lock:
        connection = _writer(index.path)
        try:
            _write(connection, [], answer_ids=[int(i) for i in answer_ids])
        finally:
            connection.close()


def rebuild(folder: str | Path, progress: Callable[[int, int], None] | None = None, batch: int = 200,
            fresh: bool = False) -> int:
    """Built beside the live index in recorded batches (an interrupted rebuild resumes),
    caught up on evidence changed meanwhile, then swapped in."""
    folder = Path(folder)
    building = folder.with_name(folder.name + ".building")
    path = building / DB_FILE
    resume = None if fresh else _resume_point(path)
    if resume is None:
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        connection = _writer(path)
        connection.executescript(DDL)
        resume = (0, utcnow().isoformat())
        connection.executemany("INSERT INTO meta VALUES (?, ?)", [("last_id", "0"), ("started", resume[1])])
        connection.commit()
    else:
        connection = _writer(path)
    try:
        total = _build(connection, resume, batch, progress)
    finally:
        connection.close()  # an interrupted build must not keep the file locked
    swap_in(building, folder)
    return total


def _build(connection, resume, batch, progress) -> int:
    done_through, started = resume
    todo, done, total = rebuild_todo(done_through, progress)
    for start in range(0, len(todo), batch):
        chunk = todo[start:start + batch]
        documents = load_documents(chunk)
        connection.execute("UPDATE meta SET value = ? WHERE key = 'last_id'", (str(chunk[-1]),))
        _write(connection, chunk, delete_first=False, documents=documents)  # the batch and its record commit together
        done += len(chunk)
        db.session.expunge_all()
        if progress:
            progress(done, total)
    for chunk in answer_documents.batches(answer_documents.all_answer_ids()):
        _write(connection, [], answer_ids=chunk)  # deletes first: a resumed rebuild may have written them
        db.session.expunge_all()
    began = datetime.fromisoformat(started)
    _write(connection, changed_since(began), answer_ids=answers_changed_since(began))
    connection.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (SCHEMA_VERSION,))
    connection.commit()
    connection.execute("PRAGMA journal_mode=DELETE")  # one self-contained file to swap in
    return total


def stamp(updated_at: datetime) -> str:
    """How an evidence's (or answer's) updated_at is kept in its documents' `updated` column."""
    return updated_at.replace(tzinfo=None).isoformat(sep=" ")


def indexed_stamps(folder: str | Path, field: str = "evidence") -> dict[int, str]:
    """Every evidence (or answer: `field`) in the index and the updated_at its documents
    were written with."""
    if field not in ("evidence", "answer"):
        raise ValueError(f"no such document field: {field!r}")
    with closing(open_index(folder).connect()) as connection:
        return {int(target): updated for target, updated in connection.execute(
            f"SELECT {field}, MAX(updated) FROM docs WHERE {field} IS NOT NULL GROUP BY {field}")}


def _resume_point(path: Path) -> tuple[int, str] | None:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            values = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        return int(values["last_id"]), values["started"]
    except (sqlite3.Error, KeyError, ValueError):
        return None
