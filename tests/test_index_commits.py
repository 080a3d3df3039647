"""Searches beside the worker's commits (portal/search/index.py read_while_committed). At
each commit Whoosh deletes the previous generation's table of contents and the segments it
merged away; a search that listed them a moment before found them gone, answered 503 and
asked for a rebuild of an index that was fine (1 search in 150 under `make bench-load`)."""
import multiprocessing
import threading
import time
from datetime import datetime

import pytest
from whoosh import index as whoosh_index

from portal.search import index, query
from portal.search.matching import group_key

SECONDS = 6


def test_a_file_gone_because_a_commit_came_in_between_is_read_again(tmp_path):
    (tmp_path / "_MAIN_1.toc").touch()
    calls = []

    def read():
        calls.append(1)
        if len(calls) == 1:
            (tmp_path / "_MAIN_2.toc").touch()  # a commit while this read was under way
            raise FileNotFoundError("_MAIN_1.toc")
        return "read"

    assert index.read_while_committed(tmp_path, read) == "read" and len(calls) == 2


def test_a_file_missing_with_no_commit_in_between_is_damage(tmp_path):
    (tmp_path / "_MAIN_1.toc").touch()
    calls = []

    def read():
        calls.append(1)
        raise FileNotFoundError("_MAIN_1_abc.seg")

    with pytest.raises(FileNotFoundError):
        index.read_while_committed(tmp_path, read)
    assert len(calls) == 1


def _document(n: int) -> dict:
    text = f"รายงานผลการดำเนินงาน ตัวชี้วัด เอกสาร commit{n}"
    return {"doc_id": f"{n}:1", "evidence": str(n), "agency": "1", "cycle": "1", "categories": "1",
            "sub_items": "1.1", "items": "1.1.1", "levels": "basic", "file_kind": "txt", "file_name": f"f{n}.txt",
            "title": text, "title_bigram": text, "updated": datetime(2026, 1, 1), "uploaded": datetime(2026, 1, 1),
            "dated": "0", "group": group_key("evidence", n), "evidence_number": n, "page": 1,
            "page_label": "หน้า 1", "content": text, "content_bigram": text, "content_pairs": text,
            "title_pairs": text, "file_name_pairs": f"f{n}.txt"}


def _commit_until(folder: str, deadline: float, commits) -> None:
    """The worker's writes: one evidence a commit, an older one dropped, the portal's merges."""
    ix = whoosh_index.open_dir(folder)
    n = 1
    while time.time() < deadline:
        writer = ix.writer(timeout=60, procs=1)
        writer.delete_by_term("evidence", str(n - 3))
        writer.add_document(**_document(n))
        writer.commit(mergetype=index.merge_small_segments)
        n += 1
    commits.value = n - 1


def test_searches_beside_a_process_that_commits_all_the_time_never_fail(tmp_path):
    folder = tmp_path / "pmqa"
    folder.mkdir()
    whoosh_index.create_in(str(folder), index.schema())
    (folder / index.VERSION_FILE).write_text(index.SCHEMA_VERSION)
    context = multiprocessing.get_context("fork")
    commits = context.Value("i", 0)
    deadline = time.time() + SECONDS
    writer = context.Process(target=_commit_until, args=(str(folder), deadline, commits))
    writer.start()
    searches, errors = [], []

    def reader():
        while time.time() < deadline:
            try:
                query.search(index.open_index(folder), "รายงาน", None)
                searches.append(1)
            except Exception as error:  # noqa: BLE001  (what a search would have answered 503 for)
                errors.append(repr(error))

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join(SECONDS + 30)
    writer.join(30)
    assert commits.value > 30 and len(searches) > 200, (commits.value, len(searches))
    assert errors == []
