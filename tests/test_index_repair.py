"""A damaged index heals itself (portal/search/repair.py): truncated segments, garbage in
postings or stored fields, missing files — every search answers 503
in Thai (never 500), one rebuild is queued however many searches fail, and the rebuilt
index agrees with the database."""
import os
import random
import struct
from pathlib import Path

import pytest
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage

from portal import queue, tasks
from portal.admin import operations as admin_ops
from portal.evidence import operations as ops
from portal.extensions import db
from portal.models import Agency
from portal.search import backend, repair
from tests.helpers import login, make_agency, make_user

TITLES = ["แผนยุทธศาสตร์กรม", "รายงานผลการดำเนินงาน", "คู่มือการปฏิบัติงาน", "แผนปฏิบัติราชการประจำปี"]


@pytest.fixture(params=["whoosh"])  # the damage of files on disk: Whoosh only
def indexed(request, app, tmp_path, monkeypatch):
    """Four evidence of one agency in an index of their own, written in several commits."""
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", request.param)
    repair._last_request.clear()
    requested = []
    monkeypatch.setattr(queue, "enqueue_rebuild", lambda: requested.append(1))
    with app.app_context():
        agency = make_agency("REPAIR-A")
        make_user("repair-assessor", ("assessor", None))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        ids = {}
        for title in TITLES:
            evidence = ops.add_link(agency, None, "https://example.go.th/" + str(len(ids)), title, None)
            db.session.commit()
            ids[title] = evidence.id
        backend.rebuild()
        backend.update_evidence([ids[TITLES[-1]]])  # a second segment
        folder = backend.index_folder()
    client = app.test_client()
    assert login(client, "repair-assessor").status_code == 302
    return {"backend": request.param, "folder": folder, "ids": ids, "client": client, "requested": requested}


def _segments(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.seg"))


def _garble(path: Path, offset: int, length: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(random.Random(13).randbytes(length))


def _garble_part(segment: Path, suffix: str) -> None:
    """Random bytes over one file inside a compound segment; the segment still opens."""
    directory = CompoundStorage(FileStorage(str(segment.parent)).open_file(segment.name))._dir
    for name, entry in directory.items():
        if name.endswith(suffix):
            _garble(segment, entry["offset"], entry["length"])


WHOOSH_DAMAGE = {
    "truncated-segments": lambda folder: [os.truncate(s, s.stat().st_size * 6 // 10) for s in _segments(folder)],
    "garbage-in-postings": lambda folder: [_garble_part(s, ".pst") for s in _segments(folder)],
    "garbage-in-stored-fields": lambda folder: [_garble_part(s, "_stored.col") for s in _segments(folder)],
    "missing-segments": lambda folder: [s.unlink() for s in _segments(folder)],
}


def search(indexed, text: str):
    return indexed["client"].get("/search/", query_string={"q": text}, headers={"HX-Request": "true"})


def found(response) -> str:
    return response.get_data(as_text=True)


DAMAGE = {"whoosh": WHOOSH_DAMAGE}


@pytest.mark.parametrize("indexed, damage", [(b, d) for b, kinds in DAMAGE.items() for d in kinds],
                         indirect=["indexed"])
def test_a_damaged_index_answers_503_queues_one_rebuild_and_is_rebuilt_from_the_database(app, indexed, damage):
    kinds = DAMAGE[indexed["backend"]]
    assert f'href="/evidence/{indexed["ids"][TITLES[0]]}?q=' in found(search(indexed, "แผนยุทธศาสตร์"))  # caches warm
    kinds[damage](indexed["folder"])
    for text in ("รายงาน", "คู่มือ", "ปฏิบัติ", "รายงาน"):  # words not read (cached) before the damage
        response = search(indexed, text)
        assert response.status_code == 503, found(response)[:300]
        assert "ดัชนีค้นหา" in found(response)
    assert indexed["requested"] == [1]  # once, not once per search
    with app.app_context():
        tasks.rebuild_index_task.call_local()  # what the worker runs for the queued job
        assert backend.stale_evidence_ids() == []  # every evidence indexed as the database has it
    for title, evidence_id in indexed["ids"].items():
        response = search(indexed, title)
        assert response.status_code == 200 and f'href="/evidence/{evidence_id}?q=' in found(response)
    assert not repair._marker(indexed["folder"]).exists()


def test_a_rebuild_requested_by_another_process_is_not_requested_again(app, indexed):
    folder = indexed["folder"]
    assert repair.request_rebuild(folder) is True
    repair._last_request.clear()  # as another web process, which shares the marker file only
    assert repair.request_rebuild(folder) is False
    assert indexed["requested"] == [1]
    os.utime(repair._marker(folder), (0, 0))  # a request long ago: its job was lost or failed
    repair._last_request.clear()
    assert repair.request_rebuild(folder) is True and indexed["requested"] == [1, 1]


def test_the_worker_update_of_a_damaged_index_requests_a_rebuild_instead_of_failing(app, indexed):
    DAMAGE[indexed["backend"]]["truncated-segments"](indexed["folder"])
    with app.app_context():
        agency = db.session.query(Agency).filter_by(code="REPAIR-A").one()
        evidence = ops.add_link(agency, None, "https://example.go.th/new", "ประกาศใหม่", None)
        db.session.commit()
        backend.update_or_repair([evidence.id])
    assert indexed["requested"] == [1]


def test_a_bug_in_the_search_code_stays_a_500_and_rebuilds_nothing(app, indexed, monkeypatch):
    def broken(*_args, **_kwargs):
        raise TypeError("a bug, not damage")

    monkeypatch.setattr("portal.search.query.facet_counts", broken)
    with pytest.raises(TypeError):  # TESTING propagates what would be the 500 page
        search(indexed, "รายงาน")
    assert indexed["requested"] == []


def test_read_errors_are_damage_and_portal_bugs_are_not():
    assert repair.is_damage(struct.error("unpack requires a buffer of 4 bytes"))
    assert repair.is_damage(EOFError("Ran out of input"))
    assert repair.is_damage(FileNotFoundError("MAIN_x.seg"))
    assert not repair.is_damage(TypeError("unsupported operand"))
    assert not repair.is_damage(KeyError("agency"))
