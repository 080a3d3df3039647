"""The SQLite FTS5 backend (SEARCH_BACKEND = "fts5") behind the same interface: the same
relevance set, agency scope, filters, dates, suggestions and resumable rebuild."""
import json
import re
from datetime import date

import pytest

from portal.extensions import db
from portal.models import Evidence
from portal.search import backend
from portal.search.query import DateFilter
from tests.helpers import login
from tests.test_search import QUERIES, corpus  # noqa: F401  (the shared fixture)


class Interrupted(Exception):
    pass


@pytest.fixture
def fts(app, corpus):  # noqa: F811
    app.config["SEARCH_BACKEND"] = "fts5"
    with app.app_context():
        backend.rebuild(fresh=True)
    yield corpus
    app.config["SEARCH_BACKEND"] = "whoosh"


def run(app, text, agency_ids=None, **kwargs):
    with app.app_context():
        return backend.search(backend.open_index(), text, agency_ids, **kwargs)


def test_the_backend_is_really_fts5(app, fts):
    with app.app_context():
        assert backend.index_folder().name == "pmqa-fts5" and (backend.index_folder() / "index.sqlite").is_file()


@pytest.mark.parametrize("query,expected", list(QUERIES.items()))
def test_recall_at_10(app, fts, query, expected):
    found = [h.title for h in run(app, query).hits]
    assert expected <= set(found[:10]), (query, found)


def test_scope_counts_facets_and_highlights(app, fts):
    a = fts["agencies"]["A"]
    assert run(app, "อุทกภัย", {a}).total == 0
    assert [h.title for h in run(app, "อุทกภัย").hits] == ["ความลับของจังหวัด"]
    mine = run(app, "", {a}, per_page=50)
    assert {h.agency_id for h in mine.hits} == {a} and set(mine.facets["agency"]) == {str(a)}
    assert sum(mine.facets["agency"].values()) == mine.total < run(app, "", None, per_page=50).total
    snippet = next(h.snippet for h in run(app, "ตัวชี้วัด").hits if h.title == "รายงานตัวชี้วัด")
    assert '<mark class="match' in snippet


def test_filters_and_dates(app, fts):
    found = {h.title for h in run(app, "", filters={"category": "2"}).hits}
    assert found == {"รายงานตัวชี้วัด", "การวิเคราะห์ SWOT", "แผนปฏิบัติการประจำปี"}
    with app.app_context():
        db.session.get(Evidence, fts["ids"]["แผนยุทธศาสตร์กรม"]).document_date = date(2025, 3, 15)
        db.session.commit()
        backend.rebuild(fresh=True)
    in_2025 = run(app, "", dates=DateFilter("document", date(2025, 1, 1), date(2025, 12, 31)))
    assert {h.title for h in in_2025.hits} == {"แผนยุทธศาสตร์กรม"}
    assert run(app, "", dates=DateFilter("uploaded", None, date(2000, 1, 1))).total == 0


def test_suggestions_only_from_visible_documents(app, fts):
    a, b = fts["agencies"]["A"], fts["agencies"]["B"]
    assert run(app, "อุทกภับ").suggestion == "อุทกภัย"
    assert run(app, "อุทกภับ", {b}).suggestion == "อุทกภัย"
    assert "อุทกภัย" not in run(app, "อุทกภับ", {a}).suggestion


def test_updates_and_a_resumed_rebuild(app, fts):
    evidence_id = fts["ids"]["แผนยุทธศาสตร์กรม"]
    with app.app_context():
        db.session.get(Evidence, evidence_id).title = "แผนยุทธศาสตร์กรม ฉบับทบทวน"
        db.session.commit()
        backend.update_evidence([evidence_id])
    assert "แผนยุทธศาสตร์กรม ฉบับทบทวน" in {h.title for h in run(app, "ยุทธศาสตร์").hits}

    def stop(done, total):
        if done:
            raise Interrupted

    with app.app_context(), pytest.raises(Interrupted):
        backend.rebuild(progress=stop, batch=3)
    calls = []
    with app.app_context():
        backend.rebuild(progress=lambda done, total: calls.append(done), batch=3)
    assert calls[0] == 3 and calls[-1] == 7
    everything = run(app, "", per_page=50)
    assert everything.total == sum(1 for _ in everything.hits) == 8  # 7 evidence, 8 pages, none twice


def test_page_and_cli_use_the_configured_backend(app, fts):
    client = app.test_client()
    login(client, "srch-a")
    body = client.get("/search/?q=อุทกภับ").get_data(as_text=True)
    assert "ไม่พบหลักฐาน" in body and "อุทกภัย" not in body
    found = client.get("/search/?q=ตัวชี้วัด").get_data(as_text=True)
    assert "<h2><a" in found and "รายงานตัวชี้วัด" in re.sub(r"</?mark[^>]*>", "", found)  # titles highlighted
    out = app.test_cli_runner().invoke(args=["search", "query", "KPI", "--agency", "SRCH-A", "--json"])
    assert json.loads(out.output)["hits"][0]["items"] == ["2.2-B1"]


def test_contentless_deletes_leave_no_old_tokens(app, fts):
    evidence_id = fts["ids"]["ผลประเมิน ITA"]

    def title_rows(term):
        with app.app_context():
            connection = backend.open_index().connect()
            try:
                row = connection.execute("SELECT doc FROM vocab WHERE col = 'title' AND term = ?", (term,)).fetchone()
            finally:
                connection.close()
        return row[0] if row else 0

    assert title_rows("ita") == 1
    with app.app_context():
        db.session.get(Evidence, evidence_id).title = "ผลประเมินคุณธรรม"
        db.session.commit()
        backend.update_evidence([evidence_id])
    assert title_rows("ita") == 0 and title_rows("คุณธรรม") == 1
    assert "ผลประเมินคุณธรรม" in {h.title for h in run(app, "ITA").hits}  # still found by its content
