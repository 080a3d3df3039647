"""The Whoosh index: one document per extracted page (or per link) and one per answer to a
question (answer_documents.py), rebuilt from the database, which stays the source of truth.
Only the background worker and the reindex command write it; web requests only read.
Documents are read from the database first and the transaction ended before the index is
written (no transaction across slow work)."""
import os
import re
import shutil
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from whoosh import index as whoosh_index
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, FieldType, Schema
from whoosh.formats import Positions
from whoosh.reading import SegmentReader
from whoosh.util.times import datetime_to_long

from portal.database import end_transaction, reading
from portal.extensions import db
from portal.models import ChecklistItem, SubItem
from portal.models.evidence import Evidence, EvidenceAttachment, EvidencePage
from portal.models.user import utcnow
from portal.search import answer_documents
from portal.search.analyzer import bigram_analyzer, lowercase_words, pair_analyzer, thai_analyzer, word_pairs
from portal.search.matching import PAIR_FIELDS, group_key
from portal.thai.dates import BANGKOK

SCHEMA_VERSION = "9"  # 9: word pairs of the phrase-searched fields (matching.PAIR_FIELDS)
VERSION_FILE = "portal-schema-version"
PROGRESS_FILE = "portal-rebuild-progress"  # "<schema version> <last evidence id committed>"
# A commit's postings must fit the writer's pool (WRITER_LIMIT_MB, Whoosh's estimate of
# ~180 bytes a posting, ~1,000 postings a page, and ~400 word pairs of ~230 bytes): past
# it Whoosh pickles every posting to temporary files and back, which halved rebuild speed
# (bench/search_bench; 256 MB, enough before the pairs, wrote a third as fast with them).
WRITER_LIMIT_MB = 400
PAGES_PER_COMMIT = 1000
MERGE_AFTER = 10  # small segments before they are merged into one
GENERATION = re.compile(r"_MAIN_(\d+)\.toc")
_write_lock = threading.Lock()  # worker threads take turns; Whoosh's own lock guards processes


class SearchUnavailable(Exception):
    """The index is missing, damaged or of an older schema (HTTP 503 meanwhile)."""


def schema() -> Schema:
    return Schema(
        doc_id=ID(stored=True, unique=True),
        evidence=ID(stored=True),
        answer=ID(stored=True),  # an answer's document has this instead of evidence
        question=STORED,  # the answer's question: its id (the link) and text (shown)
        question_text=STORED,
        agency=ID(stored=True),
        cycle=ID(stored=True),
        categories=KEYWORD(stored=True, commas=True),
        sub_items=KEYWORD(stored=True, commas=True),
        items=KEYWORD(stored=True, commas=True),
        levels=KEYWORD(stored=True, commas=True),
        file_kind=ID(stored=True),
        # A Thai run typed without spaces that splits into several words is a phrase.
        file_name=TEXT(analyzer=thai_analyzer(), stored=True, multitoken_query="phrase"),
        title=TEXT(analyzer=thai_analyzer(), stored=True, field_boost=2.0, multitoken_query="phrase"),
        # Bigrams without positions: a recall fallback (all bigrams present), and about a
        # third cheaper to write than with positions (measured in bench/search_bench).
        title_bigram=TEXT(analyzer=bigram_analyzer(), phrase=False),
        page=NUMERIC(stored=True),
        page_label=STORED,
        content=TEXT(analyzer=thai_analyzer(), stored=True, multitoken_query="phrase"),  # highlights re-analyse it
        content_bigram=TEXT(analyzer=bigram_analyzer(), phrase=False),
        updated=DATETIME(stored=True, sortable=True),
        document_date=DATETIME(),  # the date written on the document (may be missing)
        dated=ID(),  # evidence only: "1" with a document date, "0" without (answers: none)
        uploaded=DATETIME(),  # when the evidence was added to the portal
        # Columns only: the result a document folds into (matching.group_key) and its evidence.
        group=COLUMN(NumericColumn("Q")),
        evidence_number=COLUMN(NumericColumn("q")),
        # Each two neighbouring words of a phrase-searched field as one term ("a b"), at
        # the position of its first word: a phrase is looked up by its pairs, not by every
        # position of its words (cold, the positions of a common word took ~130 ms to
        # unpickle at 100k pages; a pair's are far fewer). Not scored: no lengths.
        **{pairs: FieldType(Positions(), pair_analyzer()) for pairs in PAIR_FIELDS.values()},
    )


def open_index(folder: str | Path):
    folder = Path(folder)
    version_file = folder / VERSION_FILE
    if not version_file.is_file() or version_file.read_text().strip() != SCHEMA_VERSION:
        raise SearchUnavailable("ดัชนีค้นหายังไม่พร้อม (กำลังสร้างใหม่) กรุณาลองอีกครั้งในไม่กี่นาที")
    try:
        return read_while_committed(folder, lambda: whoosh_index.open_dir(str(folder)))
    except Exception as error:  # noqa: BLE001  (any damage: rebuild)
        raise SearchUnavailable("ดัชนีค้นหาเสียหาย ระบบกำลังสร้างใหม่ กรุณาลองอีกครั้งในไม่กี่นาที") from error


def generation(folder: str | Path) -> int:
    """The newest commit's number: Whoosh names its table of contents _MAIN_<n>.toc."""
    return max((int(m.group(1)) for name in os.listdir(folder) if (m := GENERATION.fullmatch(name))), default=-1)


def read_while_committed(folder: str | Path, read: Callable, attempts: int = 5):
    """read() of the index, again when a commit in another thread or process removed the
    files it was opening. At each commit Whoosh deletes the previous generation's table of
    contents and the segments merged away, so a reader that listed them a moment before
    finds them gone: the index moved on, it is not damaged (under load 1 search in 150 met
    this, answered 503 and asked for a rebuild). A file missing while no commit happened is
    damage (repair.py)."""
    for attempt in range(attempts):
        before = generation(folder)
        try:
            return read()
        except FileNotFoundError:
            if attempt == attempts - 1 or generation(folder) == before:
                raise


def load_documents(ids: list[int]) -> list[dict]:
    """The index documents of these evidence (live ones only), read in a deferred
    transaction that is over before the caller writes the index."""
    with reading():
        documents = [document for evidence in _live_evidence(ids) for document in documents_for(evidence)]
    end_transaction(keep_loaded=True)
    return documents


def _live_evidence(ids: Iterable[int] | None = None):
    statement = (select(Evidence).where(Evidence.deleted_at.is_(None))
                 .options(selectinload(Evidence.pages), selectinload(Evidence.versions),
                          selectinload(Evidence.attachments).selectinload(EvidenceAttachment.checklist_item)
                          .selectinload(ChecklistItem.sub_item).selectinload(SubItem.category))
                 .order_by(Evidence.id))
    if ids is not None:
        statement = statement.where(Evidence.id.in_(list(ids)))
    return db.session.scalars(statement)


def _bangkok(moment: datetime) -> datetime:
    """Stored UTC (naive on SQLite) → Bangkok wall time, the dates users type."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(BANGKOK).replace(tzinfo=None)


def documents_for(evidence: Evidence) -> list[dict]:
    items = [a.checklist_item for a in evidence.attachments]
    file_name = evidence.current_version.original_name if evidence.kind == "file" else (evidence.url or "")
    common = {
        "evidence": str(evidence.id),
        "agency": str(evidence.agency_id),
        "cycle": str(evidence.cycle_id),
        "categories": ",".join(sorted({i.sub_item.category.code for i in items})),
        "sub_items": ",".join(sorted({i.sub_item.code for i in items})),
        "items": ",".join(sorted(i.full_code for i in items)),
        "levels": ",".join(sorted({i.level for i in items})),
        "file_kind": evidence.current_version.file_kind if evidence.kind == "file" else "link",
        "file_name": file_name,
        "title": evidence.title,
        "title_bigram": evidence.title,
        "updated": evidence.updated_at.replace(tzinfo=None),
        "uploaded": _bangkok(evidence.created_at),
        "dated": "1" if evidence.document_date else "0",
        "group": (group_key("file", evidence.agency_id, evidence.current_version.sha256) if evidence.kind == "file"
                  else group_key("evidence", evidence.id)),
        "evidence_number": evidence.id,
    }
    if evidence.document_date:
        common["document_date"] = datetime.combine(evidence.document_date, datetime.min.time())
    if not evidence.pages:  # links, and files not extracted yet: title and description
        text = f"{evidence.description}\n{evidence.url or ''}"
        return [{**common, "doc_id": f"{evidence.id}:0", "page": 0, "page_label": "",
                 "content": text, "content_bigram": text}]
    return [{**common, "doc_id": f"{evidence.id}:{page.number}", "page": page.number,
             "page_label": page.label, "content": page.text, "content_bigram": page.text}
            for page in evidence.pages]


def analysed(document: dict) -> dict:
    """A document as Whoosh is given it: each phrase-searched field's words found once, for
    the field itself (its text stored as it is) and for its word pairs, instead of each
    field's analyzer segmenting the same text again."""
    given = dict(document)
    for field, pairs_field in PAIR_FIELDS.items():
        if field in document:
            text = document[field] or ""
            found = lowercase_words(text)
            given[field], given["_stored_" + field], given[pairs_field] = found, text, word_pairs(found)
    return given


def update_evidence(folder: str | Path, evidence_ids: Iterable[int]) -> None:
    """Make the index agree with the database for these evidence (added, changed or gone)."""
    _apply(open_index(folder), [int(i) for i in evidence_ids])


def update_answers(folder: str | Path, answer_ids: Iterable[int]) -> None:
    """The same for answers: rewritten, or dropped when they have no text left."""
    _apply(open_index(folder), [], answer_ids=[int(i) for i in answer_ids])


def _apply(ix, ids: list[int], fresh_batch: bool = False, answer_ids: list[int] = ()) -> None:
    """One commit: drop these evidence's pages and answers' documents, add back the live ones."""
    documents = (load_documents(ids) if ids else []) + answer_documents.load_answer_documents(answer_ids)
    with _write_lock:
        writer = ix.writer(timeout=60, limitmb=WRITER_LIMIT_MB, procs=1)
        try:
            for evidence_id in ids:
                if not fresh_batch:
                    writer.delete_by_term("evidence", str(evidence_id))
            for answer_id in answer_ids:
                writer.delete_by_term("answer", str(answer_id))
            for document in documents:
                writer.add_document(**analysed(document))
            writer.commit(mergetype=merge_small_segments)
        except BaseException:
            writer.cancel()
            raise


def merge_small_segments(writer, segments):
    """Whoosh merge policy: merge the small segments (the worker's one-evidence commits,
    or segments mostly deleted) once there are MERGE_AFTER of them, and only as many as
    fit one commit's pool. Whoosh's own policy merges ever larger segments through that
    pool, which then spills every posting to disk: a 20k-page merge took minutes."""
    small = sorted((s for s in segments if s.doc_count() < PAGES_PER_COMMIT // 2), key=lambda s: s.doc_count())
    chosen, pages = [], 0
    for segment in small:
        if pages + segment.doc_count() > PAGES_PER_COMMIT:
            break
        chosen.append(segment)
        pages += segment.doc_count()
    if len(chosen) < MERGE_AFTER:
        return segments
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in chosen]


def swap_in(building: Path, folder: Path) -> None:
    """Replace the live index with the finished build; searches see the old one or the new."""
    old = folder.with_name(folder.name + f".old-{int(time.time())}")
    with _write_lock:
        if folder.exists():
            folder.rename(old)
        building.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def rebuild_todo(done_through: int, progress=None) -> tuple[list[int], int, int]:
    """Live evidence ids a resumed rebuild still has to write, how many are done, and the
    total; shared by both backends' batched rebuilds."""
    with reading():
        ids = list(db.session.scalars(select(Evidence.id).where(Evidence.deleted_at.is_(None)).order_by(Evidence.id)))
    end_transaction(keep_loaded=True)
    todo = [i for i in ids if i > done_through]
    if progress:
        progress(len(ids) - len(todo), len(ids))
    return todo, len(ids) - len(todo), len(ids)


def rebuild(folder: str | Path, progress: Callable[[int, int], None] | None = None, batch: int = 200,
            fresh: bool = False) -> int:
    """Build a fresh index beside the old one from the database, in batches, then swap it
    in. Each committed batch of evidence is recorded, so an interrupted rebuild continues
    where it stopped (unless `fresh`); answers follow (rewritten whole if it stopped among
    them); searches use the old index meanwhile. Returns the number of evidence."""
    folder = Path(folder)
    building = folder.with_name(folder.name + ".building")
    marker = building / PROGRESS_FILE
    done_through, started = _resume_point(marker) if not fresh else (None, None)
    if done_through is None:
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        whoosh_index.create_in(str(building), schema())
        done_through, started = 0, utcnow()
        marker.write_text(f"{SCHEMA_VERSION} 0 {started.isoformat()}")
    ix = whoosh_index.open_dir(str(building))
    todo, done, total = rebuild_todo(done_through, progress)
    for number, chunk in enumerate(_batches(todo, batch)):  # each batch: read, end the transaction, write
        # The first batch after a restart may have been committed but not yet recorded.
        _apply(ix, chunk, fresh_batch=number > 0 or done == 0)
        marker.write_text(f"{SCHEMA_VERSION} {chunk[-1]} {started.isoformat()}")
        done += len(chunk)
        db.session.expunge_all()
        if progress:
            progress(done, total)
    for chunk in answer_documents.batches(answer_documents.all_answer_ids()):
        _apply(ix, [], answer_ids=chunk)  # deletes first: a resumed rebuild may have written them
        db.session.expunge_all()
    # Evidence and answers changed since the build began (the live index got those updates).
    _apply(ix, changed_since(started), answer_ids=answers_changed_since(started))
    marker.unlink()
    (building / VERSION_FILE).write_text(SCHEMA_VERSION)
    swap_in(building, folder)
    return total


CLOCK_MARGIN = timedelta(seconds=5)  # updated_at comes from the clocks of several processes


def changed_since(started: datetime) -> list[int]:
    """Evidence changed (or deleted) since `started`, a little earlier to be safe."""
    with reading():
        ids = list(db.session.scalars(select(Evidence.id).where(Evidence.updated_at >= started - CLOCK_MARGIN)))
    end_transaction(keep_loaded=True)
    return ids


def answers_changed_since(started: datetime) -> list[int]:
    return answer_documents.saved_since(started - CLOCK_MARGIN)


def _batches(ids: list[int], most: int) -> Iterable[list[int]]:
    """Evidence ids in commits of at most `most` evidence and about PAGES_PER_COMMIT pages."""
    with reading():
        pages = dict(db.session.execute(select(EvidencePage.evidence_id, func.count())
                                        .group_by(EvidencePage.evidence_id)).all())
    end_transaction(keep_loaded=True)
    chunk, size = [], 0
    for evidence_id in ids:
        if chunk and (len(chunk) >= most or size + pages.get(evidence_id, 1) > PAGES_PER_COMMIT):
            yield chunk
            chunk, size = [], 0
        chunk.append(evidence_id)
        size += pages.get(evidence_id, 1)
    if chunk:
        yield chunk


def stamp(updated_at: datetime) -> int:
    """How an evidence's (or answer's) updated_at is kept in its documents' `updated` column."""
    return datetime_to_long(updated_at.replace(tzinfo=None))


def indexed_stamps(folder: str | Path, field: str = "evidence") -> dict[int, int]:
    """Every evidence (or answer: `field`) in the index and the updated_at its documents
    were written with."""
    ix = open_index(folder)
    with read_while_committed(folder, ix.searcher) as searcher:
        reader = searcher.reader()
        if reader.doc_count_all() == 0:
            return {}  # an empty index has no columns at all
        updated = reader.column_reader("updated", translate=False)
        stamps = {}
        for term in reader.lexicon(field):
            postings = reader.postings(field, term)  # live documents only
            if postings.is_active():
                stamps[int(term.decode())] = updated[postings.id()]
        return stamps


def _resume_point(marker: Path) -> tuple[int | None, datetime | None]:
    """The last evidence id a previous rebuild of this schema committed, and when it began."""
    try:
        version, last_id, started = marker.read_text().split()
        whoosh_index.open_dir(str(marker.parent)).close()
    except Exception:  # noqa: BLE001  (no marker, or a damaged partial index: start over)
        return None, None
    if version != SCHEMA_VERSION:
        return None, None
    return int(last_id), datetime.fromisoformat(started)
