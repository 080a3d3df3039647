"""Submission: only the agency's signer submits; the snapshot is frozen with a manifest hash
anyone can recompute; the agency's work is read-only until an assessor or admin reopens it
(with a reason, audited); a file replaced later does not change an earlier snapshot; two
submissions compare; a submission after the deadline is marked late."""
import hashlib
import io
import json
import re
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import (Agency, Answer, AnswerCitation, AnswerRevision, AssessmentCycle, AuditEvent, Evidence,
                           EvidenceAttachment, FileVersion, ItemStatement, MetricGroup, ResultMetric, RoleGrant,
                           SubItemClaim, Submission, User)
from portal.models.results import ResultMetricEvidence
from portal.models.user import utcnow
from portal.reviews import operations as review_ops
from portal.submissions import operations as ops
from portal.submissions import snapshot
from portal.submissions.compare import differences
from portal.submissions.lock import LOCKED
from portal.thai.dates import BANGKOK
from tests.helpers import checklist_item, extracted_text_evidence, form_version, make_agency, make_user, signed_in, stored_text_evidence
from tests.test_access_matrix import url_for_rule

CONFIRM = "ข้าพเจ้าได้ตรวจสอบและรับรองความถูกต้องของรายงานการประเมินตนเอง"
# Every table the agency's work lives in: after a refused write none of them has changed.
WORK_TABLES = (Evidence, FileVersion, EvidenceAttachment, Answer, AnswerRevision, AnswerCitation, ItemStatement,
               SubItemClaim, ResultMetric, ResultMetricEvidence)


@pytest.fixture
def world(app):
    with app.app_context():
        own, other = make_agency("SUB-A"), make_agency("SUB-B")
        editor = make_user("sub-editor", ("agency_editor", own))
        make_user("sub-signer", ("agency_signer", own))
        make_user("sub-head", ("agency_editor", own), ("agency_signer", own))  # an editor given the right to sign
        make_user("sub-viewer", ("agency_viewer", own))
        make_user("sub-reviewer", ("reviewer", own))
        make_user("sub-assessor", ("assessor", None))
        make_user("sub-admin", ("admin", None))
        make_user("sub-outsider", ("agency_signer", other), ("agency_editor", other))
        cycle = admin_ops.create_cycle(2569, "pmqa-4.0")
        admin_ops.make_current(cycle)
        db.session.commit()
        item = checklist_item("1.1", "B1")
        document = extracted_text_evidence(own, item, editor, "แผนยุทธศาสตร์กรม", "ฉบับแรกของแผน")
        link = Evidence(agency=own, cycle=cycle, kind="link", url="https://example.go.th/plan", title="ลิงก์แผน",
                        created_by=editor)
        link.attachments.append(EvidenceAttachment(checklist_item=checklist_item("1.1", "B2"), note="ประกอบ"))
        trashed = stored_text_evidence(own, item, editor, "หลักฐานในถังขยะ")
        trashed.deleted_at = utcnow()
        db.session.add(link)
        question = item.sub_item.questions[0]
        answer = Answer(agency_id=own.id, cycle_id=cycle.id, question_id=question.id, parts=["คำตอบฉบับแรก"],
                        updated_by_id=editor.id)
        answer.citations.append(AnswerCitation(evidence_id=document.id, page=1))
        db.session.add(answer)
        db.session.add(ItemStatement(agency_id=own.id, cycle_id=cycle.id, checklist_item_id=item.id,
                                     text="ดำเนินการครบแล้ว"))
        db.session.add(ItemStatement(agency_id=own.id, cycle_id=cycle.id, not_applicable=True,
                                     checklist_item_id=checklist_item("1.1", "B3").id, text="ไม่มีหน่วยงานในกำกับ"))
        db.session.add(SubItemClaim(agency_id=own.id, cycle_id=cycle.id, sub_item_id=item.sub_item_id,
                                    level="advance", note="ขอรับการประเมินระดับก้าวหน้า"))
        group = db.session.scalar(select(MetricGroup).where(MetricGroup.code == "7.2.1"))
        metric = ResultMetric(agency_id=own.id, cycle_id=cycle.id, metric_group_id=group.id, name="ร้อยละความพึงพอใจ",
                              direction="higher", target=80.0, value_two_years_ago=70.0, value_last_year=75.5,
                              value_this_year=85.25)
        metric.evidence_links.append(ResultMetricEvidence(evidence=document))
        db.session.add(metric)
        db.session.commit()
        return {"sub_item": item.sub_item_id, "agency": own.id, "other": other.id, "cycle": cycle.id, "item": item.id, "document": document.id,
                "link": link.id, "trashed": trashed.id, "question": question.id, "metric": metric.id,
                "group": group.id, "citation": answer.citations[0].id}


def post(client, url, data=None, **kwargs):
    return client.post(url, data={"csrf_token": client.token, **(data or {})}, **kwargs)


def submit(client, world, confirm=True):
    return post(client, f"/agencies/{world['agency']}/submission", {"confirm": "1"} if confirm else {})


def only_submission(app) -> Submission:
    with app.app_context():
        submission = db.session.scalar(select(Submission).order_by(Submission.id.desc()))
        db.session.expunge(submission)
        return submission


def live_snapshot(world, submission_id: int) -> dict:
    """What `build` reads from the rows now, as the submission's signer at its moment."""
    submission = db.session.get(Submission, submission_id)
    return snapshot.build(db.session.get(Agency, world["agency"]), db.session.get(AssessmentCycle, world["cycle"]),
                          submission.number, submission.submitted_by, submission.submitted_at)


# --- who submits --------------------------------------------------------------------------

def test_only_the_agencys_signer_submits(app, world):
    for username in ("sub-editor", "sub-viewer", "sub-reviewer", "sub-assessor", "sub-admin"):
        response = submit(signed_in(app, username), world)
        assert response.status_code == 403, username
        assert ops.FORBIDDEN_SUBMIT in response.get_data(as_text=True)
    assert submit(signed_in(app, "sub-outsider"), world).status_code == 404  # another agency's signer
    signer = signed_in(app, "sub-signer")
    page = signer.get(f"/agencies/{world['agency']}/submission").get_data(as_text=True)
    assert CONFIRM in page and 'name="confirm"' in page
    unconfirmed = submit(signer, world, confirm=False)
    assert unconfirmed.status_code == 422 and ops.NOT_CONFIRMED in unconfirmed.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Submission.id))) == 0
    done = submit(signer, world)
    assert done.status_code == 302 and "/submissions/" in done.headers["Location"]
    receipt = signer.get(done.headers["Location"]).get_data(as_text=True)
    submission = only_submission(app)
    assert submission.number == 1 and submission.manifest_sha256 in receipt
    assert "ผู้ใช้ sub-signer" in receipt and "แผนยุทธศาสตร์กรม" in receipt
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "submission_made"))
        assert event.object_id == submission.id and event.details["manifest_sha256"] == submission.manifest_sha256
    again = submit(signer, world)  # one open submission at a time
    assert again.status_code == 409 and ops.ALREADY_SUBMITTED in again.get_data(as_text=True)


def test_an_editor_given_the_right_to_sign_submits_and_a_signer_alone_edits_nothing(app, world):
    signer = signed_in(app, "sub-signer")
    statement = post(signer, f"/agencies/{world['agency']}/items/{world['item']}/statement",
                     {"text": "ลงนามแก้", "version": "1"})
    assert statement.status_code == 403
    assert submit(signed_in(app, "sub-head"), world).status_code == 302


def test_admins_grant_the_signing_role_on_the_account_page(app, world):
    admin = signed_in(app, "sub-admin")
    with app.app_context():
        user_id = make_user("sub-new").id
    assert "ผู้มีอำนาจลงนาม (หัวหน้าส่วนราชการ)" in admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    response = post(admin, f"/admin/users/{user_id}/roles", {"role": "agency_signer", "agency_id": str(world["agency"])})
    assert response.status_code == 302
    unscoped = post(admin, f"/admin/users/{user_id}/roles", {"role": "agency_signer", "agency_id": ""},
                    headers={"HX-Request": "true"})
    assert unscoped.status_code == 422 and "ต้องระบุส่วนราชการ" in unscoped.get_data(as_text=True)
    with app.app_context():
        grants = db.session.execute(select(RoleGrant.role, RoleGrant.agency_id).where(RoleGrant.user_id == user_id)).all()
    assert grants == [("agency_signer", world["agency"])]
    assert signed_in(app, "sub-new").get(f"/agencies/{world['agency']}").status_code == 200


def test_another_agencys_submission_is_not_found(app, world):
    assert submit(signed_in(app, "sub-signer"), world).status_code == 302
    submission = only_submission(app)
    outsider = signed_in(app, "sub-outsider")
    for path in ("/submission", f"/submissions/{submission.id}", f"/submissions/{submission.id}/snapshot.json",
                 f"/submissions/{submission.id}/compare"):
        response = outsider.get(f"/agencies/{world['agency']}{path}")
        assert response.status_code == 404 and "SUB-A" not in response.get_data(as_text=True), path
        # Under the outsider's own agency, agency A's submission does not exist either.
        own = outsider.get(f"/agencies/{world['other']}{path}")
        assert own.status_code == (200 if path == "/submission" else 404), path
        assert "SUB-A" not in own.get_data(as_text=True)
    assert post(outsider, f"/agencies/{world['other']}/submissions/{submission.id}/reopen",
                {"reason": "x"}).status_code == 404
    assessor = signed_in(app, "sub-assessor")  # sees both agencies, still not A's submission under B
    assert assessor.get(f"/agencies/{world['other']}/submissions/{submission.id}").status_code == 404
    assert assessor.get(f"/agencies/{world['agency']}/submissions/{submission.id}/compare"
                        f"?with={submission.id + 1000}").status_code == 404


# --- read-only after submission -----------------------------------------------------------

def work_fingerprint(world, submission_id: int) -> tuple:
    rows = tuple(db.session.scalar(select(func.count()).select_from(model)) for model in WORK_TABLES)
    states = tuple(db.session.execute(select(Evidence.id, Evidence.version, Evidence.deleted_at,
                                             Evidence.extraction_status).order_by(Evidence.id)).all())
    return rows, states, snapshot.manifest(live_snapshot(world, submission_id))


def stored_files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file())


# Enough for each route to reach its operation (a form that is empty fails the view's own
# checks first); the lock must refuse what would otherwise be a valid change.
def walk_data(world) -> dict:
    upload = lambda: {"files": (io.BytesIO("ไฟล์ใหม่".encode()), "ไฟล์ใหม่.txt")}  # noqa: E731
    return {
        "evidence.upload": upload,
        "evidence.add_link": lambda: {"url": "https://example.go.th/new", "title": "ลิงก์ใหม่"},
        "evidence.attach": lambda: {"evidence_id": str(world["link"])},
        "evidence.update_note": lambda: {"note": "หมายเหตุใหม่", "version": "1"},
        "evidence.update": lambda: {"title": "ชื่อใหม่", "version": "1"},
        "evidence.replace": lambda: {"file": (io.BytesIO("ฉบับแทน".encode()), "ฉบับแทน.txt"), "version": "1"},
        "results.create": lambda: {"group_id": str(world["group"]), "name": "ตัววัดใหม่", "direction": "higher"},
        "results.update": lambda: {"name": "ชื่อตัววัดใหม่", "version": "1"},
        "answers.save": lambda: {"part": ["คำตอบใหม่"], "version": "1"},
        "answers.cite": lambda: {"evidence_id": str(world["link"])},
        "answers.save_statement": lambda: {"text": "ข้อความใหม่", "version": "1"},
        "answers.save_claim": lambda: {"level": "significance", "note": "", "version": "1"},
        "reviews.resubmit": lambda: {"version": "1"},
    }


WRITES = {"evidence.upload", "evidence.attach_many", "evidence.resolve_duplicate", "evidence.add_link", "evidence.attach", "evidence.detach", "evidence.update_note",
          "evidence.update", "evidence.delete", "evidence.restore", "evidence.replace", "evidence.retry",
          "results.create", "results.update", "results.delete", "answers.save", "answers.cite", "answers.uncite",
          "answers.save_statement", "answers.save_claim", "reviews.resubmit",
          "carryover.carry_over", "carryover.confirm_all", "carryover.confirm_item"}


def test_after_submission_every_write_of_the_agency_is_refused_and_nothing_changes(app, world):
    assert submit(signed_in(app, "sub-signer"), world).status_code == 302
    submission = only_submission(app)
    ids = {"agency_id": world["agency"], "item_id": world["item"], "evidence_id": world["document"],
           "metric_id": world["metric"], "question_id": world["question"], "citation_id": world["citation"],
           "sub_item_id": world["sub_item"]}
    with app.app_context():
        before = work_fingerprint(world, submission.id)
    uploads = stored_files(app)
    editor = signed_in(app, "sub-editor")
    data = walk_data(world)
    walked = set()
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or not {"agency_id", "evidence_id"} & set(rule.arguments):
            continue
        # Review work is the reviewers' conversation, not the submitted report (but the agency's
        # resubmission of an item says its work changed); submitting and reopening have their
        # own tests; admin routes are closed to editors anyway; the assessment is the
        # assessors' work on what was sent, and the feedback area (plans, good practice) the
        # work that follows a submission, not part of it.
        area = rule.endpoint.split(".")[0]
        if area in ("submissions", "admin", "assessment", "feedback") or (area == "reviews" and rule.endpoint != "reviews.resubmit"):
            continue
        for evidence_id in ((world["document"], world["trashed"]) if rule.endpoint == "evidence.restore"
                            else (world["document"],)):
            url = url_for_rule(rule, {**ids, "evidence_id": evidence_id})
            fields = data.get(rule.endpoint, dict)()
            multipart = any(isinstance(v, tuple) for v in fields.values())
            response = post(editor, url, fields, content_type="multipart/form-data" if multipart else None)
            assert response.status_code == 403, f"{rule.endpoint} {url}: {response.status_code}"
            assert LOCKED in response.get_data(as_text=True), rule.endpoint
            htmx = post(editor, url, data.get(rule.endpoint, dict)(), headers={"HX-Request": "true"},
                        content_type="multipart/form-data" if multipart else None)
            assert htmx.status_code == 403 and LOCKED in htmx.get_data(as_text=True), rule.endpoint
        walked.add(rule.endpoint)
    assert walked == WRITES
    with app.app_context():
        assert work_fingerprint(world, submission.id) == before
        refusals = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
        assert any(event.details.get("reason") == LOCKED for event in refusals)
    assert stored_files(app) == uploads  # the refused uploads' bytes were removed again
    # The reviewers' work goes on: a comment on the submitted agency is still taken.
    reviewer = signed_in(app, "sub-reviewer")
    thread = post(reviewer, f"/agencies/{world['agency']}/items/{world['item']}/threads",
                  {"visibility": "shared", "body": "ขอเอกสารเพิ่มเติม"})
    assert thread.status_code in (200, 302)
    page = editor.get(f"/agencies/{world['agency']}").get_data(as_text=True)
    assert 'id="submitted-state"' in page and "แก้ไขไม่ได้จนกว่า" in page
    for path in (f"/agencies/{world['agency']}/criteria/1/1.1", f"/agencies/{world['agency']}/results",
                 f"/evidence/{world['document']}"):
        assert 'id="submitted-lock"' in editor.get(path).get_data(as_text=True), path


def write_urls(app, world) -> dict[str, str]:
    """endpoint → the URL each write of the agency's work posts to, for the world's rows."""
    ids = {"agency_id": world["agency"], "item_id": world["item"], "evidence_id": world["document"],
           "metric_id": world["metric"], "question_id": world["question"], "citation_id": world["citation"],
           "sub_item_id": world["sub_item"]}
    return {rule.endpoint: url_for_rule(rule, ids) for rule in app.url_map.iter_rules()
            if rule.endpoint in WRITES and "POST" in rule.methods}


def work_controls(html: str, urls: dict[str, str]) -> set[str]:
    """The writes of the agency's work a page or fragment offers: a form's action or an
    htmx post to its URL (a GET of the same path, e.g. a question's card, is no control)."""
    return {endpoint for endpoint, url in urls.items()
            if any(f'{attribute}="{url}{end}' in html for attribute in ("action", "hx-post") for end in ('"', "#"))}


def agency_pages(editor, world) -> dict[str, str]:
    """Every page and panel where the agency's editors work, as HTML."""
    a, item, doc, q = world["agency"], world["item"], world["document"], world["question"]
    htmx = {"HX-Request": "true"}
    return {"workspace": editor.get(f"/agencies/{a}/criteria/1/1.1").get_data(as_text=True),
            "card": editor.get(f"/agencies/{a}/questions/{q}").get_data(as_text=True),
            "card_fragment": editor.get(f"/agencies/{a}/questions/{q}", headers=htmx).get_data(as_text=True),
            "panel": editor.get(f"/agencies/{a}/items/{item}", headers=htmx).get_data(as_text=True),
            "evidence": editor.get(f"/evidence/{doc}").get_data(as_text=True),
            "trash": editor.get(f"/agencies/{a}/trash").get_data(as_text=True),
            "results": editor.get(f"/agencies/{a}/results").get_data(as_text=True),
            "metric_row": editor.get(f"/agencies/{a}/results/{world['metric']}", headers=htmx).get_data(as_text=True),
            "dashboard": editor.get(f"/agencies/{a}").get_data(as_text=True)}


# What the editor's pages offer while the work is open (carrying over needs a previous cycle,
# a retry a failed extraction; restoring is the trash's).
OPEN_CONTROLS = {"workspace": {"evidence.upload", "evidence.add_link", "evidence.detach", "evidence.update_note",
                               "answers.save", "answers.cite", "answers.uncite", "answers.save_statement",
                               "answers.save_claim", "reviews.resubmit"},
                 "card": {"answers.save", "answers.cite", "answers.uncite"},
                 "panel": {"evidence.upload", "evidence.add_link", "evidence.detach", "evidence.update_note",
                           "answers.save_statement", "reviews.resubmit"},
                 "evidence": {"evidence.update", "evidence.replace", "evidence.delete"},
                 "results": {"results.create", "results.delete"}, "metric_row": {"results.delete"}}

MULTILINE = "คำตอบฉบับแรก\nขั้นที่สอง <ของจริง>"


def test_after_submission_the_pages_show_the_work_read_only_and_after_reopening_editable(app, world):
    with app.app_context():  # an item returned, and text over lines with markup in it
        agency, item = db.session.get(Agency, world["agency"]), checklist_item("1.1", "B1")
        review_ops.set_status(agency, item, "needs_revision", "ขอแผนฉบับลงนาม",
                              db.session.scalar(select(User).where(User.username == "sub-reviewer")))
        db.session.scalar(select(Answer)).parts = [MULTILINE]
        db.session.scalar(select(ItemStatement).where(ItemStatement.checklist_item_id == item.id)).text = MULTILINE
        db.session.commit()
    editor, signer, urls = signed_in(app, "sub-editor"), signed_in(app, "sub-signer"), write_urls(app, world)
    before = {name: work_controls(html, urls) for name, html in agency_pages(editor, world).items()}
    for name, expected in OPEN_CONTROLS.items():
        assert expected <= before[name], (name, expected - before[name])
    assert "ท่านแก้ไขข้อมูลของส่วนราชการนี้ได้" in agency_pages(editor, world)["dashboard"]

    assert submit(signer, world).status_code == 302
    pages = agency_pages(editor, world)
    for name, html in pages.items():
        assert work_controls(html, urls) == set(), (name, work_controls(html, urls))
    escaped = "คำตอบฉบับแรก\nขั้นที่สอง &lt;ของจริง&gt;"
    for name in ("workspace", "card", "card_fragment"):  # the answer as text, lines kept, escaped
        assert 'textarea class="answer-part' not in pages[name] and 'class="answer-form"' not in pages[name], name
        assert re.search(r'class="answer-text prewrap">' + re.escape(escaped) + "<", pages[name]), name
    for name in ("workspace", "panel"):  # the statement as text; no box to tick "not applicable"
        assert 'name="not_applicable"' not in pages[name] and "<textarea" not in pages[name].split('id="reviews-')[0]
        assert f'<strong>ผลการดำเนินการ:</strong> <span class="prewrap">{escaped}</span>' in pages[name], name
        assert "แก้ไขแล้ว ส่งให้พิจารณาอีกครั้ง" not in pages[name] and "ขอแผนฉบับลงนาม" in pages[name]
    assert "ส่วนราชการขอรับการประเมินที่ <strong>ระดับก้าวหน้า" in pages["workspace"]  # the claim as text
    assert 'id="claim-level"' not in pages["workspace"]
    assert "ร้อยละความพึงพอใจ" in pages["results"] and "เพิ่มหลักฐาน" not in pages["workspace"]
    assert "ท่านแก้ไขข้อมูลของส่วนราชการนี้ได้" not in pages["dashboard"]
    # Reviewing is not the agency's work: the reviewer still decides and comments.
    reviewer = signed_in(app, "sub-reviewer").get(f"/agencies/{world['agency']}/criteria/1/1.1").get_data(as_text=True)
    a, item_id = world["agency"], world["item"]
    assert f'action="/agencies/{a}/items/{item_id}/review"' in reviewer
    assert f'action="/agencies/{a}/items/{item_id}/threads"' in reviewer
    # and so does the agency: a shared thread is a conversation, not the report.
    assert f'action="/agencies/{a}/items/{item_id}/threads"' in pages["workspace"]

    assert post(signed_in(app, "sub-admin"), f"/agencies/{world['agency']}/submissions/{only_submission(app).id}/reopen",
                {"reason": "เปิดให้แก้ไข"}).status_code == 302
    assert {name: work_controls(html, urls) for name, html in agency_pages(editor, world).items()} == before


def test_a_page_opened_before_the_submission_gets_no_edit_form_afterwards(app, world):
    """A page left open: its saves answer 403 with the reason alone (portal.actions), and
    the attach picker and a metric's edit row, which only hand out a form, refuse too."""
    editor, urls = signed_in(app, "sub-editor"), write_urls(app, world)
    htmx = {"HX-Request": "true"}
    a, item = world["agency"], world["item"]
    forms = (f"/agencies/{a}/items/{item}/picker", f"/agencies/{a}/results/{world['metric']}/edit")
    assert [editor.get(path, headers=htmx).status_code for path in forms] == [200, 200]
    assert submit(signed_in(app, "sub-signer"), world).status_code == 302
    for path in forms:
        response = editor.get(path, headers=htmx)
        assert response.status_code == 403 and LOCKED in response.get_data(as_text=True), path
        assert work_controls(response.get_data(as_text=True), urls) == set()
    claim = post(editor, urls["answers.save_claim"], {"level": "significance", "note": "", "version": "1"}, headers=htmx)
    assert claim.status_code == 403 and LOCKED in claim.get_data(as_text=True)
    assert work_controls(claim.get_data(as_text=True), urls) == set()


# --- reopening ----------------------------------------------------------------------------

def test_only_assessors_and_admins_reopen_with_a_reason_and_it_is_audited(app, world):
    assert submit(signed_in(app, "sub-signer"), world).status_code == 302
    submission = only_submission(app)
    url = f"/agencies/{world['agency']}/submissions/{submission.id}/reopen"
    for username in ("sub-editor", "sub-signer", "sub-viewer", "sub-reviewer"):
        response = post(signed_in(app, username), url, {"reason": "ขอแก้"})
        assert response.status_code == 403 and ops.FORBIDDEN_REOPEN in response.get_data(as_text=True), username
    assessor = signed_in(app, "sub-assessor")
    receipt = assessor.get(f"/agencies/{world['agency']}/submissions/{submission.id}").get_data(as_text=True)
    assert 'id="reopen-form"' in receipt
    blank = post(assessor, url, {"reason": "   "})
    assert blank.status_code == 422 and "กรุณาพิมพ์เหตุผลที่เปิดให้แก้ไข" in blank.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Submission, submission.id).is_open
    assert post(assessor, url, {"reason": "หลักฐานข้อ 1.1-B1 ไม่ครบ"}).status_code == 302
    with app.app_context():
        reopened = db.session.get(Submission, submission.id)
        assert not reopened.is_open and reopened.reopen_reason == "หลักฐานข้อ 1.1-B1 ไม่ครบ"
        assert reopened.reopened_by.username == "sub-assessor"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "submission_reopened"))
        assert event.details["reason"] == "หลักฐานข้อ 1.1-B1 ไม่ครบ" and event.agency_id == world["agency"]
        assert event.actor.username == "sub-assessor"
    twice = post(assessor, url, {"reason": "อีกครั้ง"})
    assert twice.status_code == 409 and ops.ALREADY_REOPENED in twice.get_data(as_text=True)
    # The agency writes again, and the admin can reopen its next submission.
    editor = signed_in(app, "sub-editor")
    saved = post(editor, f"/agencies/{world['agency']}/items/{world['item']}/statement",
                 {"text": "ดำเนินการครบและเพิ่มเติม", "version": "1"})
    assert saved.status_code == 302
    assert submit(signed_in(app, "sub-signer"), world).status_code == 302
    second = only_submission(app)
    assert second.number == 2
    assert post(signed_in(app, "sub-admin"), f"/agencies/{world['agency']}/submissions/{second.id}/reopen",
                {"reason": "ผู้ดูแลระบบเปิดให้แก้"}).status_code == 302


def test_the_database_holds_one_open_submission_per_agency_and_cycle(app, world):
    with app.app_context():
        signer = db.session.scalar(select(User).where(User.username == "sub-signer"))
        agency = db.session.get(Agency, world["agency"])
        first = ops.submit(agency, signer, confirmed=True)
        db.session.commit()
        db.session.add(Submission(agency_id=agency.id, cycle_id=world["cycle"], number=2, submitted_by_id=signer.id,
                                  manifest_sha256="0" * 64, snapshot={}))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(Submission, first.id).is_open


def test_an_edit_racing_the_submission_waits_for_it_and_is_refused(app, world, monkeypatch):
    """The submission holds the agency's row from before it reads to its commit, so an edit
    sent meanwhile cannot land after the snapshot was read (which would leave live rows
    that differ from the snapshot while the cycle is locked)."""
    original = snapshot.build

    def slow_build(*args):
        frozen = original(*args)
        time.sleep(0.6)  # the rows are read; an edit that is not held back would commit now
        return frozen

    monkeypatch.setattr(snapshot, "build", slow_build)
    signer, editor = signed_in(app, "sub-signer"), signed_in(app, "sub-editor")
    statuses = {}

    def send_submit():
        statuses["submit"] = submit(signer, world).status_code

    def send_edit():
        time.sleep(0.2)  # the submission has taken the agency's row
        statuses["edit"] = post(editor, f"/agencies/{world['agency']}/items/{world['item']}/statement",
                                {"text": "แก้ระหว่างส่ง", "version": "1"}).status_code

    threads = [threading.Thread(target=send_submit), threading.Thread(target=send_edit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == {"submit": 302, "edit": 403}
    submission = only_submission(app)
    with app.app_context():
        assert snapshot.manifest(live_snapshot(world, submission.id)) == submission.manifest_sha256
        assert db.session.scalar(select(ItemStatement.text).where(ItemStatement.checklist_item_id == world["item"])) \
            == "ดำเนินการครบแล้ว"


# --- the snapshot and its manifest --------------------------------------------------------

def test_the_manifest_recomputes_from_the_stored_snapshot_and_from_the_live_rows(app, world):
    signer = signed_in(app, "sub-signer")
    assert submit(signer, world).status_code == 302
    submission = only_submission(app)
    stored = submission.snapshot
    # Recomputed here, without the portal's helper: SHA-256 of the canonical JSON.
    canonical = json.dumps(stored, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert hashlib.sha256(canonical).hexdigest() == submission.manifest_sha256
    with app.app_context():
        live = live_snapshot(world, submission.id)
    assert live == stored and snapshot.manifest(live) == submission.manifest_sha256
    download = signer.get(f"/agencies/{world['agency']}/submissions/{submission.id}/snapshot.json")
    assert download.status_code == 200 and hashlib.sha256(download.data).hexdigest() == submission.manifest_sha256
    # What the snapshot holds: the stored rows, as they were.
    with app.app_context():
        version = db.session.scalar(select(FileVersion).where(FileVersion.evidence_id == world["document"]))
        sha256, size = version.sha256, version.size
    document = next(e for e in stored["evidence"] if e["id"] == world["document"])
    assert document["file"] == {"version": 1, "sha256": sha256, "size": size,
                                "original_name": "แผนยุทธศาสตร์กรม.txt", "file_kind": "txt", "pages": 1}
    assert document["items"] == [{"item": "1.1-B1", "note": "", "awaiting_confirmation": False}]
    assert next(e for e in stored["evidence"] if e["id"] == world["link"])["url"] == "https://example.go.th/plan"
    assert world["trashed"] not in {e["id"] for e in stored["evidence"]}
    first_question = next(iter(stored["answers"]))
    assert stored["answers"][first_question] == {"parts": ["คำตอบฉบับแรก"],
                                                 "citations": [{"evidence_id": world["document"], "page": 1}]}
    assert stored["statements"] == {"1.1-B1": {"text": "ดำเนินการครบแล้ว", "not_applicable": False},
                                    "1.1-B3": {"text": "ไม่มีหน่วยงานในกำกับ", "not_applicable": True}}
    assert stored["claims"] == {"1.1": {"level": "advance", "note": "ขอรับการประเมินระดับก้าวหน้า"}}
    assert stored["results"][0]["values"] == [70.0, 75.5, 85.25]
    assert stored["results"][0]["evidence_ids"] == [world["document"]]
    assert [c["code"] for c in stored["categories"]] == ["1", "2", "3", "4", "5", "6"]
    levels = stored["categories"][0]["sub_items"][0]["levels"]
    assert levels["covered"]["done"] == 3  # B1 and B2 have evidence, B3 does not apply: decided
    assert levels["accepted"]["done"] == 0  # nothing accepted by a reviewer yet
    assert stored["agency"]["code"] == "SUB-A" and stored["cycle"]["fiscal_year"] == 2569
    assert stored["submission"]["submitted_by"]["username"] == "sub-signer"
    # Key order does not matter; any changed value does.
    assert snapshot.manifest(dict(reversed(list(stored.items())))) == submission.manifest_sha256
    assert snapshot.manifest({**stored, "claims": {}}) != submission.manifest_sha256


def replace_document(app, world, editor, content: str, version: str | None = None):
    """`version`: sent as given while submitted, when the page shows no replace form."""
    page = f"/evidence/{world['document']}"
    return editor.post(f"{page}/replace", data={"csrf_token": editor.token,
                                                "file": (io.BytesIO(content.encode()), "แผนฉบับใหม่.txt"),
                                                "version": version or form_version(editor, page, f"{page}/replace")},
                       content_type="multipart/form-data")


def test_a_file_replaced_after_reopening_leaves_the_first_snapshot_unchanged_and_the_two_compare(app, world):
    signer, assessor, editor = (signed_in(app, name) for name in ("sub-signer", "sub-assessor", "sub-editor"))
    assert submit(signer, world).status_code == 302
    first = only_submission(app)
    old_sha = next(e for e in first.snapshot["evidence"] if e["id"] == world["document"])["file"]["sha256"]
    assert f"/evidence/{world['document']}/replace" not in editor.get(f"/evidence/{world['document']}").get_data(as_text=True)
    refused = replace_document(app, world, editor, "ฉบับแก้ระหว่างส่ง", version="1")
    assert refused.status_code == 403 and LOCKED in refused.get_data(as_text=True)
    assert post(assessor, f"/agencies/{world['agency']}/submissions/{first.id}/reopen",
                {"reason": "ขอให้แนบแผนฉบับปรับปรุง"}).status_code == 302
    assert replace_document(app, world, editor, "แผนฉบับปรับปรุง").status_code == 302
    assert post(editor, f"/agencies/{world['agency']}/items/{world['item']}/statement",
                {"text": "ดำเนินการครบ และปรับปรุงแผนแล้ว", "version": "1"}).status_code == 302
    assert post(editor, f"/agencies/{world['agency']}/items/{world['item']}/links",
                {"url": "https://example.go.th/report", "title": "รายงานผลเพิ่มเติม"}).status_code == 302
    assert post(editor, f"/agencies/{world['agency']}/sub-items/{world['sub_item']}/claim",
                {"level": "basic", "note": "", "version": "1"}).status_code == 302
    new_sha = hashlib.sha256("แผนฉบับปรับปรุง".encode()).hexdigest()
    with app.app_context():
        stored = db.session.get(Submission, first.id)
        assert stored.snapshot == first.snapshot  # the row itself did not change
        assert snapshot.manifest(stored.snapshot) == first.manifest_sha256
        live = live_snapshot(world, first.id)
        assert snapshot.manifest(live) != first.manifest_sha256  # the live rows moved on
        live_file = next(e for e in live["evidence"] if e["id"] == world["document"])["file"]
        assert (live_file["version"], live_file["sha256"]) == (2, new_sha)
    # The first receipt still shows, and downloads, the file as it was submitted.
    receipt = assessor.get(f"/agencies/{world['agency']}/submissions/{first.id}").get_data(as_text=True)
    assert old_sha in receipt and new_sha not in receipt and "รายงานผลเพิ่มเติม" not in receipt
    assert assessor.get(f"/evidence/{world['document']}/download?version=1").data == "ฉบับแรกของแผน".encode()
    assert submit(signer, world).status_code == 302
    second = only_submission(app)
    assert second.number == 2 and second.manifest_sha256 != first.manifest_sha256
    second_file = next(e for e in second.snapshot["evidence"] if e["id"] == world["document"])["file"]
    assert (second_file["version"], second_file["sha256"]) == (2, new_sha)
    changes = differences(first.snapshot, second.snapshot)
    assert [(a["file"]["sha256"], b["file"]["sha256"]) for a, b in changes.evidence_replaced] == [(old_sha, new_sha)]
    assert [e["title"] for e in changes.evidence_added] == ["รายงานผลเพิ่มเติม"]
    assert [code for code, _, _ in changes.statements_changed] == ["1.1-B1"]
    assert [(code, a["level"], b["level"]) for code, a, b in changes.claims_changed] == [("1.1", "advance", "basic")]
    assert not changes.answers_changed and not changes.evidence_removed and not changes.metrics_changed
    page = assessor.get(f"/agencies/{world['agency']}/submissions/{second.id}/compare").get_data(as_text=True)
    assert "แทนที่ไฟล์" in page and old_sha[:12] in page and new_sha[:12] in page
    assert "รายงานผลเพิ่มเติม" in page and "ปรับปรุงแผนแล้ว" in page
    same = assessor.get(f"/agencies/{world['agency']}/submissions/{second.id}/compare?with={second.id}")
    assert "เหมือนกันทุกรายการ" in same.get_data(as_text=True)
    assert differences(first.snapshot, first.snapshot).none


def test_a_snapshot_frozen_before_metric_definitions_reads_and_compares_without_them():
    """Stored snapshots are never rewritten: their metrics have no "definition" key, which
    reads as an empty definition, so comparing with a newer snapshot shows no change."""
    from portal.reports.content import MetricEntry, _definition

    metric = {"id": 1, "group": "7.2.1", "name": "ความพึงพอใจ", "unit": "ร้อยละ", "direction": "higher",
              "target": 85.0, "mandatory_indicator": "", "values": [80.0, 82.0, 90.0], "evidence_ids": []}
    empty = {"formula": "", "data_source": "", "baseline": None, "responsible_unit": "", "process_sub_item": ""}
    old = {"answers": {}, "statements": {}, "claims": {}, "evidence": [], "results": [metric]}
    new = {**old, "results": [{**metric, "definition": empty}]}
    assert differences(old, new).none
    edited = {**old, "results": [{**metric, "definition": {**empty, "formula": "ก ÷ ข"}}]}
    assert len(differences(old, edited).metrics_changed) == 1
    entry = MetricEntry("7.2.1", "ความพึงพอใจ", "ร้อยละ", 85.0, (80.0, 82.0, 90.0), **_definition({}))
    assert not entry.has_definition and entry.baseline is None


# --- the report as sent ---------------------------------------------------------------------

def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def test_the_report_of_a_submission_prints_its_snapshot_not_the_live_rows(app, world):
    """Assessors read what was sent: after a reopening the agency's new texts and files are in
    the draft only; the submitted report, its page and its links keep the first answer, the
    statement and the file version as submitted."""
    signer, assessor, editor = (signed_in(app, name) for name in ("sub-signer", "sub-assessor", "sub-editor"))
    assert submit(signer, world).status_code == 302
    first = only_submission(app)
    agency = world["agency"]
    assert post(assessor, f"/agencies/{agency}/submissions/{first.id}/reopen",
                {"reason": "ขอให้ปรับคำตอบ"}).status_code == 302
    assert replace_document(app, world, editor, "แผนฉบับปรับปรุง").status_code == 302
    assert post(editor, f"/agencies/{agency}/items/{world['item']}/statement",
                {"text": "ข้อความหลังเปิดให้แก้ไข", "version": "1"}).status_code == 302

    sent = assessor.get(f"/agencies/{agency}/submissions/{first.id}/report.docx")
    assert sent.status_code == 200 and "submission-1.docx" in sent.headers["Content-Disposition"]
    text = docx_text(sent.data)
    assert "คำตอบฉบับแรก" in text and "ดำเนินการครบแล้ว" in text and first.manifest_sha256 in text
    assert "ข้อความหลังเปิดให้แก้ไข" not in text and "ฉบับร่าง" not in text
    assert "แผนยุทธศาสตร์กรม.txt" in text and "แผนฉบับใหม่.txt" not in text
    assert "ไม่เกี่ยวข้อง — เหตุผล: ไม่มีหน่วยงานในกำกับ" in text and "ระดับก้าวหน้า (Advance)" in text
    draft = docx_text(signed_in(app, "sub-editor").get(f"/agencies/{agency}/self-assessment.docx").data)
    assert "ข้อความหลังเปิดให้แก้ไข" in draft and "ฉบับร่าง" in draft and "แผนฉบับใหม่.txt" in draft

    page = assessor.get(f"/agencies/{agency}/submissions/{first.id}/report")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "คำตอบฉบับแรก" in html and "ข้อความหลังเปิดให้แก้ไข" not in html
    # The citation and the item's evidence open the file as sent (version 1), not the new one.
    assert f"/evidence/{world['document']}/preview?version=1#page=1" in html
    assert assessor.get(f"/evidence/{world['document']}/preview?version=1").data == "ฉบับแรกของแผน".encode()
    # Live pages say they are live and lead to the report as sent.
    dashboard = editor.get(f"/agencies/{agency}").get_data(as_text=True)
    assert 'id="reopened-note"' in dashboard and f"/submissions/{first.id}/report" in dashboard


def test_answer_markup_in_the_submitted_report_page_is_text(app, world):
    editor, signer = signed_in(app, "sub-editor"), signed_in(app, "sub-signer")
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.question_id == world["question"]))
        answer.parts = ['<script>alert("x")</script><img src=x onerror=alert(1)>']
        db.session.commit()
    assert submit(signer, world).status_code == 302
    html = editor.get(f"/agencies/{world['agency']}/submissions/{only_submission(app).id}/report").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_a_submitted_pdf_is_rendered_once_and_a_cache_that_cannot_be_written_costs_only_time(app, world, monkeypatch):
    from portal.reports import views as report_views

    renders = []

    def counting(content):
        renders.append(content.number)
        return b"%PDF-1.7 report " + content.manifest.encode()

    monkeypatch.setitem(report_views.FORMATS, "pdf", (counting, "application/pdf"))
    signer = signed_in(app, "sub-signer")
    assert submit(signer, world).status_code == 302
    submission = only_submission(app)
    url = f"/agencies/{world['agency']}/submissions/{submission.id}/report.pdf"
    first, second = signer.get(url), signer.get(url)
    assert first.status_code == second.status_code == 200 and first.data == second.data
    assert submission.manifest_sha256.encode() in first.data and renders == [1]
    # A cache folder that cannot be written (here a file stands where the folder goes).
    cache = Path(app.config["REPORT_CACHE_DIR"])
    for cached in cache.iterdir():
        cached.unlink()
    cache.rmdir()
    cache.write_bytes(b"")
    try:
        third = signer.get(url)
        assert third.status_code == 200 and third.data == first.data and renders == [1, 1]
    finally:
        cache.unlink()
    # Another agency's signer cannot read it.
    assert signed_in(app, "sub-outsider").get(url).status_code == 404


# --- the deadline ---------------------------------------------------------------------------

def test_admins_set_the_deadline_and_a_later_submission_is_marked_late(app, world):
    admin = signed_in(app, "sub-admin")
    url = f"/admin/cycles/{world['cycle']}/deadline"
    bad = post(admin, url, {"deadline": "31/2/2569"})
    assert bad.status_code == 422 and "วันกำหนดส่ง" in bad.get_data(as_text=True)
    assert post(admin, url, {"deadline": "30/9/2569"}).status_code == 302
    with app.app_context():
        assert db.session.get(AssessmentCycle, world["cycle"]).deadline == date(2026, 9, 30)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cycle_deadline_set"))
        assert event.details["deadline"] == {"from": None, "to": "2026-09-30"}
    assert "30 ก.ย. 2569" in admin.get("/admin/cycles").get_data(as_text=True)
    editor = signed_in(app, "sub-editor")
    assert "กำหนดส่งรายงาน 30 กันยายน 2569" in editor.get(f"/agencies/{world['agency']}").get_data(as_text=True)
    # Yesterday in Bangkok: submitting is still allowed, marked late.
    yesterday = utcnow().astimezone(BANGKOK).date() - timedelta(days=1)
    assert post(admin, url, {"deadline": yesterday.isoformat()}).status_code == 302
    signer = signed_in(app, "sub-signer")
    assert "ส่งหลังกำหนด" in signer.get(f"/agencies/{world['agency']}/submission").get_data(as_text=True)
    response = submit(signer, world)
    assert response.status_code == 302
    late = only_submission(app)
    assert late.late and late.snapshot["submission"]["late"] is True
    assert late.snapshot["cycle"]["deadline"] == yesterday.isoformat()
    assert "ส่งหลังกำหนด" in signer.get(response.headers["Location"]).get_data(as_text=True)


def test_a_submission_on_the_deadline_day_is_on_time(app, world):
    with app.app_context():
        cycle = db.session.get(AssessmentCycle, world["cycle"])
        now = utcnow()
        admin_ops.set_deadline(cycle, now.astimezone(BANGKOK).date())
        db.session.commit()
        assert not snapshot.is_late(cycle, now)
        assert snapshot.is_late(cycle, now + timedelta(days=1))
        admin_ops.set_deadline(cycle, None)
        assert not snapshot.is_late(cycle, now + timedelta(days=365))
    assert submit(signed_in(app, "sub-signer"), world).status_code == 302
    assert not only_submission(app).late
