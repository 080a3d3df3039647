"""The small search interface the rest of the portal uses: two engines behind it (DESIGN).
"whoosh": the embedded index on disk, for one agency or a pilot; "postgres": rows in the
database itself (pg.py), for a national installation on PostgreSQL; choice.py says which
(SEARCH_BACKEND, by default the database's own engine on PostgreSQL). The SQLite FTS5
backend that sat here was retired: slower than Whoosh on counts and facets and no help past
one machine (its figures stay in the README). Errors reading an index become
SearchUnavailable and a rebuild (repair.py)."""
import logging
from pathlib import Path

from flask import current_app

from portal.disk import is_disk_full
from portal.search import repair
from portal.models.user import utcnow
from portal.search.choice import name
from portal.search.index import SearchUnavailable, answers_changed_since, changed_since

log = logging.getLogger(__name__)


def index_folder() -> Path:
    # PostgreSQL keeps its rows in the database; the folder holds only its rebuild markers.
    return Path(current_app.config["SEARCH_INDEX_DIR"]) / ("pmqa" if name() == "whoosh" else "pmqa-postgres")


def _modules():
    if name() == "postgres":
        from portal.search import pg

        return pg, pg
    from portal.search import index, query

    return index, query


def open_index():
    return _modules()[0].open_index(index_folder())


def warm_up() -> None:
    """Spare a worker's first searches the start-up costs (gunicorn post_fork runs this
    beside the worker): the Thai dictionary, and with Whoosh the index's per-segment
    columns and the commonest words' postings (matching.warm_up)."""
    from portal.search.analyzer import segment_thai

    segment_thai("ไทย")  # loads the word list (~1 s)
    if name() == "whoosh":
        from portal.search import matching

        with open_index().searcher() as searcher:
            matching.warm_up(searcher)


def search(handle, *args, **kwargs):
    return _modules()[1].search(handle, *args, **kwargs)


def search_or_unavailable(*args, **kwargs):
    """Open the index and search it; any error opening or reading it is SearchUnavailable
    (HTTP 503 in Thai) with one rebuild requested, never a 500 on every search."""
    try:
        return search(open_index(), *args, **kwargs)
    except SearchUnavailable:
        repair.request_rebuild(index_folder())
        raise
    except Exception as error:
        if not repair.is_damage(error):
            raise
        raise repair.unavailable(error, index_folder()) from error


def update_evidence(evidence_ids) -> None:
    _modules()[0].update_evidence(index_folder(), evidence_ids)


def update_answers(answer_ids) -> None:
    _modules()[0].update_answers(index_folder(), answer_ids)


def update_or_repair(evidence_ids=(), answer_ids=()) -> bool:
    """The worker's index update of evidence or answers; False when it could not be made,
    so the job is tried again later (portal/effects.py): on a full disk, or a missing or
    damaged index, which gets a rebuild requested as well (the rebuild reads everything
    from the database)."""
    try:
        if evidence_ids:
            update_evidence(evidence_ids)
        if answer_ids:
            update_answers(answer_ids)
        return True
    except Exception as error:
        if is_disk_full(error):
            log.warning("index disk full: evidence %s and answers %s are indexed once space is back",
                        list(evidence_ids), list(answer_ids))
            return False
        if isinstance(error, SearchUnavailable) or repair.is_damage(error):
            repair.unavailable(error, index_folder())
            return False
        raise


def rebuild(wait: bool = True, **kwargs) -> int | None:
    """Rebuild from the database; None when `wait` is off and another rebuild is running
    (it reads every change made before it ends)."""
    folder = index_folder()
    module = _modules()[0]
    with repair.rebuild_lock(folder, wait) as locked:
        if not locked:
            return None
        began = utcnow()
        count = module.rebuild(folder, **kwargs)
        # An index job that ran while the build was swapped in may have written the old index.
        module.update_evidence(folder, changed_since(began))
        module.update_answers(folder, answers_changed_since(began))
    repair.rebuild_done(folder)
    return count


def stale_evidence_ids(settle_seconds: int = 0) -> list[int]:
    """Evidence whose index documents differ from the database (repair.stale_evidence_ids)."""
    module = _modules()[0]
    return repair.stale_evidence_ids(module.indexed_stamps(index_folder()), module.stamp, settle_seconds)


def stale_answer_ids(settle_seconds: int = 0) -> list[int]:
    """Answers whose index document differs from the database (repair.stale_answer_ids)."""
    module = _modules()[0]
    return repair.stale_answer_ids(module.indexed_stamps(index_folder(), "answer"), module.stamp, settle_seconds)
