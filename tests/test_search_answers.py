"""Answers to the guide's questions are found by the same search as evidence, in both
backends: saved through the real route, indexed by the outbox's job, shown as "คำตอบข้อ
1.1.x" linking to the question, replaced when edited, filtered like evidence, rebuilt by
reindex and the index repair, and never shown to another agency (hits, counts, facets,
snippets, suggestions)."""
import re
import shutil
from datetime import date

import pytest
from sqlalchemy import select

from portal import queue, tasks
from portal.admin import operations as admin_ops
from portal.answers import structure
from portal.evidence import operations as evidence_ops
from portal.extensions import db
from portal.models import Answer, OutboxEffect, Question, SearchPage, SubItem
from portal.search import backend, index, pg, repair
from portal.search.query import DateFilter
from tests.helpers import SEARCH_ENGINES, checklist_item, make_agency, make_user, signed_in

HX = {"HX-Request": "true"}
FIRST = "ผู้บริหารทบทวนวิสัยทัศน์ร่วมกับผู้มีส่วนได้ส่วนเสียทุกไตรมาส และเตรียมรับมืออุทกภัย"
EDITED = "ผู้บริหารติดตามตัวชี้วัดรายเดือนผ่านระบบรายงาน"


@pytest.fixture
def immediate():
    """Jobs run as they are handed over, in this process: the worker's whole path."""
    queue.huey.immediate = True
    try:
        yield
    finally:
        queue.huey.immediate = False


@pytest.fixture(params=SEARCH_ENGINES)
def world(request, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", request.param)
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path / "index"))
    repair._last_request.clear()
    with app.app_context():
        own, other = make_agency("SA-A"), make_agency("SA-B")
        make_user("sa-editor", ("agency_editor", own))
        make_user("sa-outsider", ("agency_editor", other))
        make_user("sa-assessor", ("assessor", None))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        # Evidence of the agency with the same word, so answers and pages meet in one search.
        evidence_ops.add_link(own, checklist_item("1.1", "B1"), "https://example.go.th/vision", "วิสัยทัศน์องค์การ",
                              None)
        db.session.commit()
        questions = {q.code: q for q in db.session.scalars(select(Question).join(SubItem)
                                                            .where(SubItem.code.in_(["1.1", "2.1"])))}
        found = {"backend": request.param, "agency": own.id, "other": other.id,
                 "q": questions["1.1.2"].id, "q_other_category": questions["2.1.1"].id,
                 "slots": {code: len(structure.slots(q.text, q.bullets)) for code, q in questions.items()},
                 "codes": {q.id: code for code, q in questions.items()}}
        backend.rebuild()  # the index the jobs write to (it lets go of the objects read here)
        return found


def save(client, world, question_id, text, version, agency=None):
    """The autosave of the workspace: the first box holds `text`, the others stay empty."""
    count = world["slots"][world["codes"][question_id]]
    return client.post(f"/agencies/{agency or world['agency']}/questions/{question_id}", headers=HX,
                       data={"csrf_token": client.token, "version": str(version),
                             "part": [text] + [""] * (count - 1)})


def search(app, text, agency_ids=None, **kwargs):
    with app.app_context():
        return backend.search(backend.open_index(), text, agency_ids, per_page=50, **kwargs)


def answer_hits(results):
    return [hit for hit in results.hits if hit.answer_id]


def page(client, **query):
    """The results as the browser gets them, highlights taken out so text reads whole."""
    body = client.get("/search/", query_string=query, headers=HX).get_data(as_text=True)
    return re.sub(r"</?mark[^>]*>", "", body)


def run_answer_jobs(app) -> None:
    """What the worker does with the index_answer rows waiting in the queue."""
    with app.app_context():
        rows = db.session.execute(select(OutboxEffect.id, OutboxEffect.target_id)
                                  .where(OutboxEffect.kind == "index_answer")).all()
        db.session.rollback()
        tasks.index_answers_task.call_local(sorted({target for _, target in rows}), [row_id for row_id, _ in rows])


def outbox(app) -> list[tuple[str, int]]:
    with app.app_context():
        return sorted(db.session.execute(select(OutboxEffect.kind, OutboxEffect.target_id)
                                         .where(OutboxEffect.kind == "index_answer")).tuples())


def _cycle_id(app) -> str:
    with app.app_context():
        return str(db.session.scalar(select(Answer.cycle_id)))


def test_the_save_records_the_index_row_and_its_job_makes_the_answer_findable(app, world):
    editor = signed_in(app, "sa-editor")
    assert save(editor, world, world["q"], FIRST, 0).status_code == 200
    with app.app_context():
        answer_id = db.session.scalar(select(Answer.id))
    assert outbox(app) == [("index_answer", answer_id)]  # committed with the answer
    if world["backend"] == "whoosh":
        assert answer_hits(search(app, "วิสัยทัศน์")) == []  # not yet: the worker has not run
    else:  # PostgreSQL's rows were written in the answer's own transaction
        assert len(answer_hits(search(app, "วิสัยทัศน์"))) == 1
    run_answer_jobs(app)
    assert outbox(app) == []  # done when the job finished
    (hit,) = answer_hits(search(app, "วิสัยทัศน์"))
    assert (hit.answer_id, hit.title, hit.agency_id, hit.evidence_id) == \
        (answer_id, "คำตอบข้อ 1.1.2", world["agency"], None)
    assert '<mark class="match' in hit.snippet and "วิสัยทัศน์" in hit.snippet
    body = page(editor, q="วิสัยทัศน์")
    link = f'href="/agencies/{world["agency"]}/criteria/1/1.1#question-{world["q"]}"'
    assert link in body and "คำตอบข้อ 1.1.2" in body
    assert "ผู้บริหารกำหนดทิศทางองค์การที่รองรับพันธกิจปัจจุบัน" in body  # the question, beside the hit
    assert "วิสัยทัศน์องค์การ" in body  # the evidence with the same word, in the same results


def test_a_refused_save_records_nothing(app, world):
    editor = signed_in(app, "sa-editor")
    assert save(editor, world, world["q"], "  ", 0).status_code == 422  # an empty first answer
    assert save(editor, world, world["q"], FIRST, 0).status_code == 200
    run_answer_jobs(app)
    assert save(editor, world, world["q"], EDITED, 0).status_code == 409  # stale: nothing written
    assert outbox(app) == []
    assert answer_hits(search(app, "ตัวชี้วัด")) == [] and len(answer_hits(search(app, "วิสัยทัศน์"))) == 1


def test_editing_replaces_the_old_text_and_emptying_removes_it(app, world, immediate):
    editor = signed_in(app, "sa-editor")
    assert save(editor, world, world["q"], FIRST, 0).status_code == 200
    assert len(answer_hits(search(app, "ไตรมาส"))) == 1
    assert save(editor, world, world["q"], EDITED, 1).status_code == 200
    assert answer_hits(search(app, "ไตรมาส")) == []  # the old word is gone
    assert [h.title for h in answer_hits(search(app, "ตัวชี้วัด"))] == ["คำตอบข้อ 1.1.2"]
    assert save(editor, world, world["q"], "", 2).status_code == 200  # every box cleared
    assert answer_hits(search(app, "ตัวชี้วัด")) == [] and answer_hits(search(app, "")) == []
    assert outbox(app) == []


def test_another_agency_never_sees_the_answer(app, world, immediate):
    editor, outsider = signed_in(app, "sa-editor"), signed_in(app, "sa-outsider")
    assert save(editor, world, world["q"], FIRST, 0).status_code == 200
    theirs = search(app, "วิสัยทัศน์", {world["other"]})
    assert theirs.total == 0 and theirs.hits == [] and theirs.facets["agency"] == {}
    everything = search(app, "", {world["other"]})
    assert everything.total == 0 and "answer" not in everything.facets["kind"]
    assert search(app, "อุทกภับ", {world["other"]}).suggestion == ""  # the answer's word is not revealed
    assert search(app, "อุทกภับ", {world["agency"]}).suggestion == "อุทกภัย"
    body = page(outsider, q="วิสัยทัศน์")
    assert "คำตอบข้อ" not in body and "ไม่พบหลักฐาน" in body and "ไตรมาส" not in body
    widened = page(outsider, q="วิสัยทัศน์", agency=str(world["agency"]))  # naming the agency does not help
    assert "คำตอบข้อ" not in widened
    assert "คำตอบ (" not in page(outsider, q="", kind="answer")  # no facet count either
    assert outsider.get(f"/agencies/{world['agency']}/questions/{world['q']}").status_code == 404
    assessor = signed_in(app, "sa-assessor")
    assert "คำตอบข้อ 1.1.2" in page(assessor, q="วิสัยทัศน์")
    mine = search(app, "วิสัยทัศน์", {world["agency"]})
    assert mine.facets["kind"] == {"answer": 1, "link": 1} and mine.facets["agency"] == {str(world["agency"]): 2}


def test_filters_apply_to_answers_and_those_without_meaning_exclude_them(app, world, immediate):
    editor = signed_in(app, "sa-editor")
    assert save(editor, world, world["q"], FIRST, 0).status_code == 200
    assert save(editor, world, world["q_other_category"], "วิสัยทัศน์ด้านกลยุทธ์", 0).status_code == 200

    def titles(**filters):
        return sorted(h.title for h in answer_hits(search(app, "วิสัยทัศน์", filters=filters)))

    assert titles() == ["คำตอบข้อ 1.1.2", "คำตอบข้อ 2.1.1"]
    assert titles(category="1") == ["คำตอบข้อ 1.1.2"] and titles(sub_item="2.1") == ["คำตอบข้อ 2.1.1"]
    assert titles(agency=str(world["agency"]), cycle=_cycle_id(app)) == ["คำตอบข้อ 1.1.2", "คำตอบข้อ 2.1.1"]
    only_answers = search(app, "วิสัยทัศน์", filters={"kind": "answer"})
    assert only_answers.total == 2 and all(h.answer_id for h in only_answers.hits)
    for name, value in (("kind", "pdf"), ("kind", "link"), ("item", "1.1-B1"), ("level", "basic")):
        assert titles(**{name: value}) == [], name
    for field in ("document", "uploaded"):  # an answer has no document or upload date
        dated = search(app, "วิสัยทัศน์", dates=DateFilter(field, date(2000, 1, 1), date(2100, 1, 1)))
        assert answer_hits(dated) == [], field
    body = page(editor, q="วิสัยทัศน์")
    assert "คำตอบ (2)" in body and 'kind=answer' in body  # the type facet links to its filter


def test_reindex_and_the_repair_rebuild_include_answers(app, world, immediate):
    editor = signed_in(app, "sa-editor")
    assert save(editor, world, world["q"], FIRST, 0).status_code == 200

    def documents():
        results = search(app, "")
        return sorted((h.title, h.snippet) for h in results.hits)

    incremental = documents()
    result = app.test_cli_runner().invoke(args=["search", "reindex", "--fresh"])
    assert result.exit_code == 0 and "สร้างดัชนีจากหลักฐาน 1 รายการ และคำตอบ 1 ข้อแล้ว" in result.output
    assert documents() == incremental and len(answer_hits(search(app, "ไตรมาส"))) == 1
    with app.app_context():
        if world["backend"] == "whoosh":
            shutil.rmtree(backend.index_folder())  # lost: the next search asks for a rebuild
        else:  # the rows emptied (a restore of an older dump, say)
            db.session.execute(SearchPage.__table__.delete())
            db.session.commit()
    queue.huey.immediate = False
    if world["backend"] == "whoosh":
        assert editor.get("/search/?q=ไตรมาส").status_code == 503
    with app.app_context():
        tasks.rebuild_index_task.call_local()  # what the worker runs for the requested rebuild
    assert [h.title for h in answer_hits(search(app, "ไตรมาส"))] == ["คำตอบข้อ 1.1.2"]


def test_an_answer_saved_during_a_rebuild_is_caught_up(app, world, monkeypatch):
    """The rebuild reads answers saved after it began, as it does evidence."""
    editor = signed_in(app, "sa-editor")
    module = index if world["backend"] == "whoosh" else pg
    original = module.rebuild

    def rebuild_then_save(folder, **kwargs):
        count = original(folder, **kwargs)
        assert save(editor, world, world["q"], FIRST, 0).status_code == 200  # its own job is not run
        return count

    monkeypatch.setattr(module, "rebuild", rebuild_then_save)
    with app.app_context():
        backend.rebuild()
    assert len(answer_hits(search(app, "ไตรมาส"))) == 1


def test_the_sweep_records_an_answer_the_index_lost_and_no_empty_one(app, world):
    """An index restored from an older copy, or an update lost with its row: the worker's
    comparison of the index with the database asks for the answer again."""
    editor = signed_in(app, "sa-editor")
    assert save(editor, world, world["q"], FIRST, 0).status_code == 200
    assert save(editor, world, world["q_other_category"], "ร่าง", 0).status_code == 200
    assert save(editor, world, world["q_other_category"], "", 1).status_code == 200  # cleared: no document
    with app.app_context():
        db.session.execute(OutboxEffect.__table__.delete())  # the rows are lost
        if world["backend"] == "postgres":  # and its index rows (written in its transaction) with them
            db.session.execute(SearchPage.__table__.delete().where(SearchPage.answer_id.is_not(None)))
        db.session.commit()
        answer_id = db.session.scalar(select(Answer.id).where(Answer.question_id == world["q"]))
        db.session.rollback()
        assert tasks.requeue_unindexed_answers(settle_seconds=0) == [answer_id]
        assert tasks.requeue_unindexed_answers(settle_seconds=0) == []  # its row is on its way
    run_answer_jobs(app)
    with app.app_context():
        assert backend.stale_answer_ids() == []
    assert [h.answer_id for h in answer_hits(search(app, "ไตรมาส"))] == [answer_id]
