"""Role × route matrix: every route, every role, exactly the expected answer.

A route added without an entry here fails `test_every_route_is_in_the_matrix`, so new
areas join the matrix as they are built. Expectations:
  200/403/404 exact status · "login" redirect to sign-in · "ok" allowed (2xx, 3xx, a 422
  form error, or a 409 for a form sent without the record version it showed: the request
  reached the view)
"""
import re

import pytest
from sqlalchemy import select

from portal.admin import operations as ops
from portal.assessment import publication
from portal.errors import Refused
from portal.extensions import db
from portal.models import Answer, AnswerCitation, AssessmentCycle, ChecklistItem, MetricGroup, ResultMetric, RoleGrant, SubItem, User
from portal.models import AssessmentAssignment, AssessmentState, GoodPractice, ImprovementPlanEntry
from portal.models.user import utcnow
from portal.reviews import operations as review_ops
from portal.submissions import operations as submission_ops
from tests.helpers import csrf_token, login, make_agency, make_user, stored_text_evidence

ROLES = ("anonymous", "editor", "viewer", "signer", "reviewer", "assessor", "admin", "outsider")
EVERYONE_SIGNED_IN = {r: "ok" for r in ROLES if r != "anonymous"}
ADMIN_ONLY = {"anonymous": "login", "editor": 403, "viewer": 403, "signer": 403, "reviewer": 403,
              "assessor": 403, "admin": "ok", "outsider": 403}
# Agency A's pages: its staff, its reviewer, assessors and admins; agency B's staff get 404.
AGENCY_A = {"anonymous": "login", "editor": 200, "viewer": 200, "signer": 200, "reviewer": 200,
            "assessor": 200, "admin": 200, "outsider": 404}

# Views across every agency: assessors and admins only.
ALL_AGENCIES = {"anonymous": "login", "editor": 403, "viewer": 403, "signer": 403, "reviewer": 403,
                "assessor": 200, "admin": 200, "outsider": 403}

# Changing agency A's evidence: only its editors; others who can see A get 403 (its signer
# reads like a viewer: signing edits nothing).
EDIT_A = {"anonymous": "login", "editor": "ok", "viewer": 403, "signer": 403, "reviewer": 403,
          "assessor": 403, "admin": 403, "outsider": 404}
# Reading agency A's reviews (a plain GET of a fragment URL may redirect to the page).
READ_A = {**AGENCY_A, **{r: "ok" for r in ("editor", "viewer", "signer", "reviewer", "assessor", "admin")}}
# Writing in agency A's shared threads: its editors, its reviewer, assessors.
COMMENT_A = {**EDIT_A, "reviewer": "ok", "assessor": "ok"}
# Review work on agency A (resolve, status): its reviewer and assessors only.
REVIEW_A = {**EDIT_A, "editor": 403, "reviewer": "ok", "assessor": "ok"}
# Changing a comment: only its author (agency A's reviewer wrote it).
AUTHOR_A = {**EDIT_A, "editor": 403, "reviewer": "ok"}
# Agency A's assessment: its team only (the matrix's assessor leads it); everyone else
# 404, as if no assessment existed; the list of one's own teams: assessors only.
TEAM_A = {"anonymous": "login", "editor": 404, "viewer": 404, "signer": 404, "reviewer": 404,
          "assessor": 200, "admin": 404, "outsider": 404}
TEAM_A_WRITE = {**TEAM_A, "assessor": "ok"}
ASSESSORS = {**ALL_AGENCIES, "admin": 403}
REVIEWERS = {"anonymous": "login", "editor": 403, "viewer": 403, "signer": 403, "reviewer": 200,
             "assessor": 200, "admin": 200, "outsider": 403}


def signed_in(expected) -> dict:
    return {"anonymous": "login", **{r: expected for r in ROLES if r != "anonymous"}}


# endpoint → (method, expectations by role)
MATRIX = {
    "main.home": ("GET", signed_in(200)),
    "main.health": ("GET", {r: 200 for r in ROLES}),
    # Open from the server itself (the test client is 127.0.0.1) whoever is signed in; from
    # elsewhere only with METRICS_TOKEN (tests/test_operations.py).
    "main.metrics": ("GET", {r: 200 for r in ROLES}),
    "auth.login": ("GET", {"anonymous": 200, **EVERYONE_SIGNED_IN}),
    "auth.logout": ("POST", {"anonymous": "login", **EVERYONE_SIGNED_IN}),
    "criteria.index": ("GET", signed_in(200)),
    "criteria.category": ("GET", signed_in(200)),
    "criteria.sub_item": ("GET", signed_in(200)),
    "agencies.index": ("GET", signed_in(200)),
    "search.page": ("GET", signed_in(200)),
    "agencies.show": ("GET", AGENCY_A),
    "admin.index": ("GET", ADMIN_ONLY),
    "admin.users": ("GET", ADMIN_ONLY),
    "admin.create_user": ("POST", ADMIN_ONLY),
    "admin.user": ("GET", ADMIN_ONLY),
    "admin.update_user": ("POST", ADMIN_ONLY),
    "admin.grant_role": ("POST", ADMIN_ONLY),
    "admin.revoke_role": ("POST", ADMIN_ONLY),
    "admin.set_active": ("POST", ADMIN_ONLY),
    "admin.reset_password": ("POST", ADMIN_ONLY),
    "admin.agencies": ("GET", ADMIN_ONLY),
    "admin.create_agency": ("POST", ADMIN_ONLY),
    "admin.edit_agency": ("GET", ADMIN_ONLY),
    "admin.agency_row": ("GET", ADMIN_ONLY),
    "admin.update_agency": ("POST", ADMIN_ONLY),
    "admin.cycles": ("GET", ADMIN_ONLY),
    "admin.create_cycle": ("POST", ADMIN_ONLY),
    "admin.make_current": ("POST", ADMIN_ONLY),
    "admin.set_deadline": ("POST", ADMIN_ONLY),
    "admin.audit": ("GET", ADMIN_ONLY),
    "admin.imports_page": ("GET", ADMIN_ONLY),
    "admin.import_template": ("GET", ADMIN_ONLY),
    "admin.import_preview": ("POST", ADMIN_ONLY),
    "admin.import_confirm": ("POST", ADMIN_ONLY),
    "admin.assessment_teams": ("GET", ADMIN_ONLY),
    "admin.add_assessor": ("POST", ADMIN_ONLY),
    "admin.set_team_lead": ("POST", ADMIN_ONLY),
    "admin.remove_assessor": ("POST", ADMIN_ONLY),
    "assessment.overview": ("GET", ALL_AGENCIES),
    "evidence.workspace": ("GET", AGENCY_A),
    "evidence.item_panel": ("GET", AGENCY_A),
    "evidence.upload": ("POST", EDIT_A),
    "evidence.resolve_duplicate": ("POST", EDIT_A),
    "evidence.add_link": ("POST", EDIT_A),
    "evidence.picker": ("GET", EDIT_A),
    "evidence.attach": ("POST", EDIT_A),
    "evidence.detach": ("POST", EDIT_A),
    "evidence.update_note": ("POST", EDIT_A),
    "evidence.show": ("GET", AGENCY_A),
    "evidence.update": ("POST", EDIT_A),
    "evidence.delete": ("POST", EDIT_A),
    "evidence.restore": ("POST", EDIT_A),
    "evidence.replace": ("POST", EDIT_A),
    "evidence.retry": ("POST", EDIT_A),
    "evidence.status": ("GET", AGENCY_A),
    "evidence.download": ("GET", AGENCY_A),
    "evidence.preview": ("GET", AGENCY_A),
    # The matrix's evidence is a text file: no page images (tests/test_evidence_preview.py has a PDF's).
    "evidence.page_image": ("GET", signed_in(404)),
    "evidence.attachable": ("GET", {**EDIT_A, "editor": 200}),
    "evidence.attach_many": ("POST", EDIT_A),
    "evidence.trash": ("GET", AGENCY_A),
    "coverage.sub_item_summary": ("GET", AGENCY_A),
    "coverage.report": ("GET", AGENCY_A),
    "coverage.export_workbook": ("GET", AGENCY_A),
    "coverage.overview": ("GET", ALL_AGENCIES),
    "coverage.item_across_agencies": ("GET", ALL_AGENCIES),
    "results.page": ("GET", AGENCY_A),
    "results.row": ("GET", AGENCY_A),
    "results.create": ("POST", EDIT_A),
    "results.edit_form": ("GET", EDIT_A),
    "results.update": ("POST", EDIT_A),
    "results.delete": ("POST", EDIT_A),
    "reviews.threads": ("GET", READ_A),
    "reviews.start_thread": ("POST", COMMENT_A),
    "reviews.reply": ("POST", COMMENT_A),
    "reviews.edit_comment": ("POST", AUTHOR_A),
    "reviews.delete_comment": ("POST", AUTHOR_A),
    "reviews.resolve": ("POST", REVIEW_A),
    "reviews.reopen": ("POST", REVIEW_A),
    "reviews.thread": ("GET", AGENCY_A),
    "reviews.set_status": ("POST", REVIEW_A),
    "reviews.inbox": ("GET", REVIEWERS),
    "reviews.agency_inbox": ("GET", AGENCY_A),
    "reviews.next_item": ("GET", {**REVIEW_A, "assessor": "ok", "admin": "ok"}),
    "answers.card": ("GET", AGENCY_A),
    "answers.save": ("POST", EDIT_A),
    "answers.history": ("GET", AGENCY_A),
    "answers.cite": ("POST", EDIT_A),
    "answers.uncite": ("POST", EDIT_A),
    "answers.save_statement": ("POST", EDIT_A),
    "answers.save_claim": ("POST", EDIT_A),
    "reports.download": ("GET", AGENCY_A),
    "reviews.resubmit": ("POST", EDIT_A),
    "carryover.carry_over": ("POST", EDIT_A),
    "carryover.confirm_all": ("POST", EDIT_A),
    "carryover.confirm_item": ("POST", EDIT_A),
    "submissions.summary": ("GET", AGENCY_A),
    "submissions.submit": ("POST", {**EDIT_A, "editor": 403, "signer": "ok"}),
    "submissions.receipt": ("GET", AGENCY_A),
    "submissions.snapshot_json": ("GET", AGENCY_A),
    "submissions.compare": ("GET", AGENCY_A),
    "reports.submitted_page": ("GET", AGENCY_A),
    "reports.submitted_download": ("GET", AGENCY_A),
    "submissions.reopen": ("POST", {**EDIT_A, "editor": 403, "assessor": "ok", "admin": "ok"}),
    "assessment.index": ("GET", ASSESSORS),
    "assessment.workspace": ("GET", TEAM_A),
    "assessment.judge": ("GET", TEAM_A),
    "assessment.save_judgement": ("POST", TEAM_A_WRITE),
    "assessment.consensus": ("GET", TEAM_A),
    "assessment.consensus_code": ("GET", TEAM_A),
    "assessment.save_consensus": ("POST", TEAM_A_WRITE),
    "assessment.take_findings": ("POST", TEAM_A_WRITE),
    "assessment.consensus_done": ("POST", TEAM_A_WRITE),
    "assessment.consensus_reopen": ("POST", TEAM_A_WRITE),
    # Published feedback, improvement plans, good practice (the matrix's assessor leads A's team).
    "feedback.page": ("GET", AGENCY_A),
    "feedback.download": ("GET", AGENCY_A),
    "feedback.publish": ("POST", {**signed_in(404), "assessor": "ok"}),  # already published: 409
    "feedback.create_plan": ("POST", EDIT_A),
    "feedback.plan": ("GET", AGENCY_A),
    "feedback.plan_row": ("GET", AGENCY_A),
    "feedback.edit_plan": ("GET", EDIT_A),
    "feedback.update_plan": ("POST", EDIT_A),
    "feedback.mark_practice": ("POST", {**signed_in(404), "assessor": "ok"}),
    "feedback.answer_practice": ("POST", {**EDIT_A, "signer": "ok"}),  # already agreed: 409
    "feedback.library": ("GET", signed_in(200)),
    "feedback.practice": ("GET", signed_in(200)),
    # The practice is on 1.2; A's evidence is attached to 1.1 only: nobody reads it through it.
    "feedback.practice_evidence": ("GET", signed_in(404)),
}
# Routes that remove what later routes of the same run still need.
RUN_LAST = ("evidence.detach", "results.delete", "answers.uncite")
NOT_ROUTES = {"static"}


@pytest.fixture
def world(app):
    """Two agencies; one account per role on agency A, and an editor of agency B."""
    with app.app_context():
        a, b = make_agency("MATRIX-A"), make_agency("MATRIX-B", kind="province")
        users = {
            "editor": make_user("m-editor", ("agency_editor", a)),
            "viewer": make_user("m-viewer", ("agency_viewer", a)),
            "signer": make_user("m-signer", ("agency_signer", a)),
            "reviewer": make_user("m-reviewer", ("reviewer", a)),
            "assessor": make_user("m-assessor", ("assessor", None)),
            "admin": make_user("m-admin", ("admin", None)),
            "outsider": make_user("m-outsider", ("agency_editor", b)),
        }
        cycle = ops.create_cycle(2569, "pmqa-4.0")
        ops.make_current(cycle)
        db.session.commit()
        # The matrix's assessor leads agency A's assessment team (the assessment routes).
        db.session.add(AssessmentAssignment(cycle_id=cycle.id, agency_id=a.id, assessor_id=users["assessor"].id,
                                            is_lead=True))
        db.session.commit()
        item = db.session.scalar(select(ChecklistItem).join(SubItem).where(SubItem.code == "1.1"))
        evidence = stored_text_evidence(a, item, users["editor"], "หลักฐานลับของ MATRIX-A")
        group = db.session.scalar(select(MetricGroup).where(MetricGroup.code == "7.2.1"))
        metric = ResultMetric(agency_id=a.id, cycle_id=cycle.id, metric_group_id=group.id,
                              name="ตัววัดลับของ MATRIX-A", direction="higher", target=1.0)
        db.session.add(metric)
        thread = review_ops.start_thread(a, item, "shared", "ความเห็นลับของ MATRIX-A", users["reviewer"])
        question = item.sub_item.questions[0]
        answer = Answer(agency_id=a.id, cycle_id=cycle.id, question_id=question.id,
                        parts=["คำตอบลับของ MATRIX-A"], updated_by_id=users["editor"].id)
        answer.citations.append(AnswerCitation(evidence_id=evidence.id))
        db.session.add(answer)
        db.session.commit()
        # A submission reopened at once: its pages exist, and agency A stays writable.
        submission = submission_ops.submit(a, users["signer"], confirmed=True)
        submission_ops.reopen(submission, users["admin"], "เปิดให้แก้ไขเพื่อทดสอบ")
        db.session.commit()
        entry_id, practice_id = _assessed(a, cycle, users["assessor"], users["signer"])
        target = users["viewer"]
        grant = target.grants[0]
        ids = {"agency_id": a.id, "user_id": target.id, "grant_id": grant.id,
               "cycle_id": cycle.id, "category_code": "1", "sub_item_code": "1.1",
               "item_id": item.id, "evidence_id": evidence.id, "thread_id": thread.id,
               "comment_id": thread.comments[0].id, "metric_id": metric.id,
               "question_id": question.id, "citation_id": answer.citations[0].id,
               "sub_item_id": item.sub_item_id, "file_format": "docx", "submission_id": submission.id,
               "code": "1.1", "number": 1, "entry_id": entry_id, "practice_id": practice_id, "decision": "agree",
               "kind": "users"}
        usernames = {role: user.username for role, user in users.items()}
        other_agency_id = b.id
    return {"ids": ids, "usernames": usernames, "other_agency_id": other_agency_id}


def _assessed(agency, cycle, lead, signer) -> tuple[int, int]:
    """A's feedback published by its lead (assigned above), a plan entry, and 1.2 agreed as good practice."""
    db.session.add(AssessmentState(cycle_id=cycle.id, agency_id=agency.id, consensus_done_at=utcnow()))
    db.session.flush()
    state = publication.publish(agency, cycle, lead)
    entry = ImprovementPlanEntry(agency_id=agency.id, cycle_id=cycle.id, code="1.1", ofi_text="ข้อเสนอลับของ MATRIX-A",
                                 action="ทบทวนแผน", owner="กองยุทธศาสตร์")
    practice = GoodPractice(cycle_id=cycle.id, agency_id=agency.id, submission_id=state.submission_id, code="1.2",
                            marked_by_id=lead.id, agreed_at=utcnow(), agreed_by_id=signer.id)
    db.session.add_all([entry, practice])
    db.session.commit()
    return entry.id, practice.id


def url_for_rule(rule, ids) -> str:
    url = rule.rule
    for name in rule.arguments:  # <name>, <int:name>, <any(pdf, docx):name>
        url = re.sub(rf"<(?:[^<>]*:)?{name}>", str(ids[name]), url)
    return url


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - NOT_ROUTES
    missing = endpoints - set(MATRIX)
    assert not missing, f"routes missing from the access matrix: {sorted(missing)}"
    stale = set(MATRIX) - endpoints
    assert not stale, f"matrix lists routes that no longer exist: {sorted(stale)}"


def check(response, expected, where):
    status = response.status_code
    if expected == "login":
        ok = status in (302, 401) and "/auth/login" in (
            response.headers.get("Location", "") + response.headers.get("HX-Redirect", ""))
    elif expected == "ok":
        ok = status < 400 or status in (409, 422)
    else:
        ok = status == expected
    assert ok, f"{where}: expected {expected}, got {status}"


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_exactly_what_it_should_on_every_route(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        assert login(client, world["usernames"][role]).status_code == 302
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/")
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    # Detach and delete near the end (later routes need what they remove); sign-out last: it ends
    # the session the other requests use.
    for endpoint in sorted(MATRIX, key=lambda e: (e == "auth.logout", e in RUN_LAST)):
        method, expectations = MATRIX[endpoint]
        url = url_for_rule(rules[endpoint], world["ids"])
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token}, headers={"X-CSRFToken": token})
        check(response, expectations[role], f"{role} {method} {url} ({endpoint})")


def test_another_agencys_ids_answer_404_on_every_route_that_takes_one(app, world):
    """IDOR: agency B's editor tries agency A's ids everywhere an agency id is accepted."""
    client = app.test_client()
    login(client, world["usernames"]["outsider"])
    token = csrf_token(client, "/")
    for rule in app.url_map.iter_rules():
        if "agency_id" not in rule.arguments or rule.endpoint.startswith("admin."):
            continue  # admin routes are closed to agency users altogether (403, above)
        url = url_for_rule(rule, world["ids"])
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 404, f"{method} {url}"
        assert "MATRIX-A" not in response.get_data(as_text=True)
    for rule in app.url_map.iter_rules():
        if not {"evidence_id", "thread_id", "comment_id"} & set(rule.arguments):
            continue
        url = url_for_rule(rule, world["ids"])
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 404, f"{method} {url}"
        assert "หลักฐานลับ" not in response.get_data(as_text=True)
        assert "ความเห็นลับ" not in response.get_data(as_text=True)
    own = client.get(f"/agencies/{world['other_agency_id']}")
    assert own.status_code == 200


def test_agency_lists_show_only_permitted_agencies(app, world):
    for role, visible in [("editor", {"MATRIX-A"}), ("signer", {"MATRIX-A"}), ("outsider", {"MATRIX-B"}),
                          ("reviewer", {"MATRIX-A"}), ("assessor", {"MATRIX-A", "MATRIX-B"})]:
        client = app.test_client()
        login(client, world["usernames"][role])
        page = client.get("/agencies/").get_data(as_text=True)
        shown = {code for code in ("MATRIX-A", "MATRIX-B") if code in page}
        assert shown == visible, role


def test_revoking_a_role_takes_effect_at_once(app, world):
    client = app.test_client()
    login(client, world["usernames"]["editor"])
    assert client.get(f"/agencies/{world['ids']['agency_id']}").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == world["usernames"]["editor"]))
        ops.revoke_role(user, user.grants[0])
        db.session.commit()
    assert client.get(f"/agencies/{world['ids']['agency_id']}").status_code == 302


def test_only_one_cycle_can_be_current(app_ctx):
    first = ops.create_cycle(2569, "pmqa-4.0")
    second = ops.create_cycle(2570, "pmqa-4.0")
    ops.make_current(first)
    ops.make_current(second)
    db.session.commit()
    current = list(db.session.scalars(select(AssessmentCycle).where(AssessmentCycle.is_current)))
    assert [c.fiscal_year for c in current] == [2570]


def test_role_grants_need_an_agency_exactly_when_scoped(app_ctx):
    agency = make_agency("GRANT-A")
    user = make_user("granted")
    with pytest.raises(Refused):
        ops.grant_role(user, "agency_editor", None)
    ops.grant_role(user, "assessor", agency)  # the agency is ignored for all-agency roles
    db.session.commit()
    assert [(g.role, g.agency_id) for g in db.session.scalars(select(RoleGrant))] == [("assessor", None)]
