"""The good practice library (issue 16): the lead proposes a sub-item after publication,
the agency agrees or declines, and then every signed-in user reads that sub-item's answers,
statements and evidence as submitted, searchable in Thai; nothing else of the agency."""
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, AuditEvent
from portal.models.assessment import GoodPractice
from tests.feedback_helpers import ANSWER, assessed_world, publish_now
from tests.helpers import make_agency, make_user, signed_in


def post(client, url, data=None):
    return client.post(url, data={"csrf_token": client.token, **(data or {})})


@pytest.fixture
def world(app):
    with app.app_context():
        world = assessed_world("gp")
        make_user("gp-elsewhere", ("agency_viewer", make_agency("GP-C")))
        return world


def _mark(app, username, world, code="1.1"):
    return post(signed_in(app, username), f"/agencies/{world['agency']}/good-practices",
                {"code": code, "reason": "วางแผนอย่างมีส่วนร่วมครบถ้วน"})


def _practice(app) -> GoodPractice:
    with app.app_context():
        practice = db.session.scalar(select(GoodPractice))
        db.session.expunge(practice)
        return practice


def _agree(app, username, world, practice, decision="agree"):
    return post(signed_in(app, username), f"/agencies/{world['agency']}/good-practices/{practice.id}/{decision}")


def test_the_lead_marks_only_after_publication(app, world):
    assert _mark(app, "gp-lead", world).status_code == 409  # not published yet
    with app.app_context():
        publish_now(world)
    assert _mark(app, "gp-member", world).status_code == 403
    assert _mark(app, "gp-editor", world).status_code == 404  # not on the team
    assert _mark(app, "gp-lead", world, code="9.9").status_code == 422
    assert _mark(app, "gp-lead", world).status_code == 302
    assert _mark(app, "gp-lead", world).status_code == 409  # once
    practice = _practice(app)
    assert practice.agreed_at is None and practice.submission_id is not None
    page = signed_in(app, "gp-signer").get(f"/agencies/{world['agency']}/feedback").get_data(as_text=True)
    assert "ยินยอมให้เผยแพร่" in page


def test_the_agency_agrees_or_declines(app, world):
    with app.app_context():
        publish_now(world)
    _mark(app, "gp-lead", world)
    practice = _practice(app)
    library = signed_in(app, "gp-elsewhere")
    assert library.get(f"/good-practices/{practice.id}").status_code == 404  # not agreed yet
    assert ANSWER not in library.get("/good-practices").get_data(as_text=True)
    for username in ("gp-viewer", "gp-reviewer", "gp-lead", "gp-admin"):
        assert _agree(app, username, world, practice).status_code == 403, username
    assert _agree(app, "gp-outsider", world, practice).status_code == 404
    assert _agree(app, "gp-signer", world, practice).status_code == 302
    assert _agree(app, "gp-editor", world, practice, "decline").status_code == 409  # answered already
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "good_practice_agreed"))
    assert library.get(f"/good-practices/{practice.id}").status_code == 200


def test_a_declined_practice_stays_closed(app, world):
    with app.app_context():
        publish_now(world)
    _mark(app, "gp-lead", world)
    practice = _practice(app)
    assert _agree(app, "gp-editor", world, practice, "decline").status_code == 302
    assert signed_in(app, "gp-elsewhere").get(f"/good-practices/{practice.id}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "good_practice_declined"))


@pytest.fixture
def agreed(app, world):
    with app.app_context():
        publish_now(world)
    _mark(app, "gp-lead", world)
    practice = _practice(app)
    _agree(app, "gp-signer", world, practice)
    return practice


def test_every_agency_reads_that_sub_item_only(app, world, agreed):
    reader = signed_in(app, "gp-elsewhere")
    page = reader.get(f"/good-practices/{agreed.id}").get_data(as_text=True)
    assert ANSWER in page and "แผนยุทธศาสตร์ 5 ปี" in page
    assert f"/good-practices/{agreed.id}/evidence/{world['evidence']}" in page
    # The answer cites evidence of 2.1: named, not linked, and not openable.
    assert "หลักฐานหมวดสอง" in page and f"/evidence/{world['elsewhere']}" not in page
    opened = reader.get(f"/good-practices/{agreed.id}/evidence/{world['evidence']}")
    assert opened.status_code == 200 and opened.data == "ไฟล์แผนยุทธศาสตร์ที่ส่ง".encode()
    assert reader.get(f"/good-practices/{agreed.id}/evidence/{world['elsewhere']}").status_code == 404
    # The agency's own pages stay closed to the other agency.
    assert reader.get(f"/evidence/{world['evidence']}/download").status_code == 404
    assert reader.get(f"/agencies/{world['agency']}/feedback").status_code == 404
    assert reader.get(f"/agencies/{world['agency']}/self-assessment.pdf").status_code == 404


def test_the_library_searches_thai_words_inside_sentences(app, world, agreed):
    reader = signed_in(app, "gp-elsewhere")

    def listed(**query) -> bool:
        page = reader.get("/good-practices", query_string=query).get_data(as_text=True)
        return f"/good-practices/{agreed.id}" in page

    assert listed()
    assert listed(q="ยุทธศาสตร์")  # a word inside "จัดทำแผนยุทธศาสตร์ระยะห้าปี"
    assert listed(q="แผน มีส่วนร่วม")
    assert listed(q="1.1")
    with app.app_context():
        assert listed(q=db.session.get(Agency, world["agency"]).name)
    assert not listed(q="งบประมาณรายจ่าย")
    assert listed(category="1")
    assert not listed(category="2")
    fragment = reader.get("/good-practices", query_string={"q": "ยุทธศาสตร์"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True) and f"/good-practices/{agreed.id}" in fragment.get_data(as_text=True)
