"""Every form of the portal, refused by the server (issue 17 item 2): 422, the Thai message
beside the input it is about (the input says aria-invalid and points at a `.field-error`
with its own id + "-error"), everything typed or chosen shown again — text, text areas,
selects, radio and check boxes, Buddhist-era dates as written — and nothing stored. One
row per form; htmx-driven forms are posted both as htmx (the partial carries the same) and
as plain posts when those answer with a page: their own, or the workspace around an item
panel, a review box or an answer card."""
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import (Agency, AnswerCitation, AssessmentAssignment, AssessmentCycle, Evidence, ImprovementPlanEntry,
                           ItemReview, ItemStatement, Judgement, MetricGroup, ResultMetric, RoleGrant, SubItem,
                           SubItemClaim, Submission, User)
from portal.models.assessment import GoodPractice
from portal.models.review import Comment, CommentThread
from portal.reviews import operations as review_ops
from tests.feedback_helpers import assessed_world, publish_now
from tests.helpers import checklist_item, make_agency, make_user, signed_in, stored_text_evidence

LONG = "ก" * 10_001  # one past the 10,000 characters a comment or reason may have


class Page(HTMLParser):
    """What a browser would show in the form: every element with an id (its attributes,
    text, selected options), and the radio and check boxes ticked."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict] = {}
        self.checked: set[tuple[str, str]] = set()
        self.alerts: list[dict] = []  # the error alerts above forms
        self._open: list[dict] = []  # elements with an id whose text is being read
        self._select: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        element = {"tag": tag, "attrs": attrs, "text": "", "selected": []}
        if tag == "input" and attrs.get("type") in ("radio", "checkbox") and "checked" in attrs:
            self.checked.add((attrs.get("name"), attrs.get("value")))
        if tag == "select":
            self._select = element
        if tag == "option" and self._select is not None and "selected" in attrs:
            self._select["selected"].append(attrs.get("value"))
        if "alert-error" in (attrs.get("class") or "").split():
            self.alerts.append(element)
        if "id" in attrs:
            self.by_id.setdefault(attrs["id"], element)
        if ("id" in attrs or element in self.alerts) and tag not in ("input", "br", "img", "meta", "link", "hr"):
            self._open.append(element)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        for n in range(len(self._open) - 1, -1, -1):
            if self._open[n]["tag"] == tag:
                del self._open[n]
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def value(self, element_id: str):
        element = self.by_id[element_id]
        if element["tag"] == "input":
            return element["attrs"].get("value", "")
        if element["tag"] == "select":
            return element["selected"][0] if element["selected"] else None
        return element["text"].removeprefix("\n")  # a textarea's first newline is not its text


@dataclass
class Row:
    name: str
    user: str
    url: str  # formatted with the world's ids
    data: dict  # values formatted with the world's ids, unless not strings
    at: str  # the id of the input the message is beside
    message: str
    kept: dict = field(default_factory=dict)  # input id → the value shown again
    ticked: tuple = ()  # (name, value) of radio/check boxes shown ticked again
    state: str = ""  # the stored state that must not change (STATES)
    modes: tuple = ("htmx",)  # "htmx" partial, "page" plain post answered with the page
    world: str = "open"


def _evidence(w):
    e = db.session.get(Evidence, w["evidence"])
    return e.title, e.description, e.document_date, e.version


STATES = {
    "evidence": _evidence,
    "review": lambda w: db.session.scalar(select(func.count(ItemReview.id))),
    "threads": lambda w: (db.session.scalar(select(func.count(CommentThread.id))),
                          [(c.body, c.version) for c in db.session.scalars(select(Comment).order_by(Comment.id))]),
    "statement": lambda w: db.session.scalar(select(func.count(ItemStatement.id))),
    "claim": lambda w: db.session.scalar(select(func.count(SubItemClaim.id))),
    "citations": lambda w: db.session.scalar(select(func.count(AnswerCitation.id))),
    "agencies": lambda w: [(a.code, a.name, a.storage_quota_bytes, a.version)
                           for a in db.session.scalars(select(Agency).order_by(Agency.id))],
    "users": lambda w: [(u.username, u.display_name, u.email, u.version)
                        for u in db.session.scalars(select(User).order_by(User.id))],
    "grants": lambda w: db.session.scalar(select(func.count(RoleGrant.id))),
    "cycles": lambda w: [(c.fiscal_year, c.deadline) for c in db.session.scalars(select(AssessmentCycle))],
    "teams": lambda w: db.session.scalar(select(func.count(AssessmentAssignment.id))),
    "metrics": lambda w: db.session.scalar(select(func.count(ResultMetric.id))),
    "judgements": lambda w: db.session.scalar(select(func.count(Judgement.id))),
    "plans": lambda w: db.session.scalar(select(func.count(ImprovementPlanEntry.id))),
    "practices": lambda w: db.session.scalar(select(func.count(GoodPractice.id))),
    "submissions": lambda w: [(s.number, s.reopened_at, s.reopen_reason) for s in db.session.scalars(select(Submission))],
}

TITLE, DESCRIPTION = "แผนยุทธศาสตร์ ฉบับทบทวน <ครั้งที่ 2>", "ฉบับที่ผ่านที่ประชุมผู้บริหาร\nเมื่อ 15 มี.ค. 2569"
FINDING, NOTE = "มีแผนยุทธศาสตร์ที่ผู้บริหารทุกระดับมีส่วนร่วม", "ถามเรื่องตัวชี้วัดในวันตรวจเยี่ยม"
METRIC = {"group_id": "{group}", "name": "ร้อยละความพึงพอใจของผู้รับบริการ", "unit": "ร้อยละ",
          "direction": "lower", "target": "แปดสิบห้า", "value_two_years_ago": "80", "value_last_year": "82",
          "value_this_year": "๙๒.๕"}
JUDGEMENT = {"level": "excellent", "f-1-kind": "strength", "f-1-id": "", "f-1-text": FINDING,
             "f-2-kind": "ofi", "f-2-id": "", "f-2-text": ""}

ROWS = [
    Row("evidence details, a date not in the calendar", "fk-editor", "/evidence/{evidence}",
        {"title": TITLE, "document_date": "31/02/2569", "description": DESCRIPTION, "version": "{evidence_version}"},
        "document_date", "วันที่ของเอกสาร",
        {"title": TITLE, "document_date": "31/02/2569", "description": DESCRIPTION}, state="evidence",
        modes=("htmx", "page")),
    Row("evidence details, no title", "fk-editor", "/evidence/{evidence}",
        {"title": "  ", "document_date": "15 มี.ค. 2569", "description": DESCRIPTION, "version": "{evidence_version}"},
        "title", "กรุณากรอกชื่อหลักฐาน", {"document_date": "15 มี.ค. 2569", "description": DESCRIPTION},
        state="evidence", modes=("htmx", "page")),
    Row("review status, needs revision without a reason", "fk-reviewer", "/agencies/{agency}/items/{item}/review",
        {"status": "needs_revision", "reason": " ", "version": "0"}, "reason-{item}", "กรุณาระบุเหตุผลที่ต้องแก้ไข",
        ticked=(("status", "needs_revision"),), state="review", modes=("htmx", "page")),
    Row("review status, a reason too long", "fk-reviewer", "/agencies/{agency}/items/{item}/review",
        {"status": "accepted", "reason": LONG, "version": "0"}, "reason-{item}", "ยาวเกิน 10,000 ตัวอักษร",
        {"reason-{item}": LONG}, (("status", "accepted"),), state="review", modes=("htmx", "page")),
    Row("review status, none chosen, the comment kept", "fk-reviewer", "/agencies/{agency}/items/{item}/review",
        {"reason": "กรุณาแนบรายงานการประชุมฉบับลงนาม", "version": "0"}, "status-{item}", "กรุณาเลือกสถานะการพิจารณา",
        {"reason-{item}": "กรุณาแนบรายงานการประชุมฉบับลงนาม"}, state="review", modes=("htmx", "page")),
    Row("new thread, a visibility not offered", "fk-reviewer", "/agencies/{agency}/items/{item}/threads",
        {"body": "โปรดแนบคำสั่งแต่งตั้งคณะทำงาน", "visibility": "public"}, "visibility-{item}",
        "กรุณาเลือกว่าจะแสดงกระทู้", {"body-start-{item}": "โปรดแนบคำสั่งแต่งตั้งคณะทำงาน"},
        state="threads", modes=("htmx", "page")),
    Row("new internal thread, too long", "fk-reviewer", "/agencies/{agency}/items/{item}/threads",
        {"body": LONG, "visibility": "internal"}, "body-start-{item}", "ยาวเกิน 10,000 ตัวอักษร",
        {"body-start-{item}": LONG}, (("visibility", "internal"),), state="threads", modes=("htmx", "page")),
    Row("reply in a thread, too long", "fk-editor", "/threads/{thread}/replies",
        {"body": LONG, "parent_id": "{comment}"}, "body-reply-{comment}", "ยาวเกิน 10,000 ตัวอักษร",
        {"body-reply-{comment}": LONG}, state="threads", modes=("htmx", "page")),
    Row("comment edit, emptied", "fk-reviewer", "/comments/{comment}/edit",
        {"body": "   ", "version": "{comment_version}"}, "body-edit-{comment}", "กรุณาพิมพ์ความเห็น",
        state="threads", modes=("htmx", "page")),
    Row("statement, not applicable without a reason", "fk-editor", "/agencies/{agency}/items/{item}/statement",
        {"text": "  ", "not_applicable": "1", "version": "0"}, "statement-text-{item}",
        "กรุณาพิมพ์เหตุผลที่รายการนี้ไม่เกี่ยวข้อง", ticked=(("not_applicable", "1"),),
        state="statement", modes=("htmx", "page")),
    Row("level claim, no level, the note kept", "fk-editor", "/agencies/{agency}/sub-items/{sub_item}/claim",
        {"level": "", "note": "ขอประเมินระดับก้าวหน้าตามหลักฐานที่แนบ", "version": "0"}, "claim-level",
        "กรุณาเลือกระดับที่ขอรับการประเมิน", {"claim-note": "ขอประเมินระดับก้าวหน้าตามหลักฐานที่แนบ"},
        state="claim", modes=("htmx", "page")),
    Row("answer citation, a page in words", "fk-editor", "/agencies/{agency}/questions/{question}/citations",
        {"evidence_id": "{evidence}", "page": "สาม"}, "cite-page-{question}", "เลขหน้าต้องเป็นตัวเลข",
        {"cite-page-{question}": "สาม", "cite-{question}": "{evidence}"}, state="citations", modes=("htmx", "page")),
    Row("admin: new agency, a bad code", "fk-admin", "/admin/agencies",
        {"code": "ab cd", "name": "จังหวัดทดสอบแบบฟอร์ม", "kind": "province", "unit_type": "policy"}, "code",
        "รหัสส่วนราชการต้องเป็น", {"code": "ab cd", "name": "จังหวัดทดสอบแบบฟอร์ม", "kind": "province",
                                   "unit_type": "policy"}, state="agencies", modes=("page",)),
    Row("admin: agency row, a quota in words", "fk-admin", "/admin/agencies/{agency}",
        {"code": "FK-A", "name": "กรมทดสอบ ชื่อใหม่", "kind": "public_org", "unit_type": "policy",
         "storage_quota_mb": "ห้าร้อย", "version": "{agency_version}"}, "storage_quota_mb", "ไม่ใช่ตัวเลข",
        {"name": "กรมทดสอบ ชื่อใหม่", "kind": "public_org", "unit_type": "policy", "storage_quota_mb": "ห้าร้อย"},
        state="agencies"),
    Row("admin: new user, a bad username", "fk-admin", "/admin/users",
        {"username": "Bad Name", "display_name": "นางสาวทดสอบ แบบฟอร์ม", "password": "", "role": "agency_editor",
         "agency_id": "{agency}"}, "username", "ชื่อผู้ใช้ต้องเป็น",
        {"username": "Bad Name", "display_name": "นางสาวทดสอบ แบบฟอร์ม", "role": "agency_editor",
         "agency_id": "{agency}"}, state="users", modes=("htmx", "page")),
    Row("admin: account, a bad email", "fk-admin", "/admin/users/{target}",
        {"display_name": "นายทดสอบ ชื่อใหม่", "email": "somchai-at-agency", "version": "{target_version}"}, "email",
        "อีเมล “somchai-at-agency” ไม่ถูกต้อง", {"display_name": "นายทดสอบ ชื่อใหม่", "email": "somchai-at-agency"},
        state="users", modes=("htmx", "page")),
    Row("admin: a role without its agency", "fk-admin", "/admin/users/{target}/roles",
        {"role": "reviewer", "agency_id": ""}, "agency_id", "ต้องระบุส่วนราชการ", {"role": "reviewer"},
        state="grants", modes=("htmx", "page")),
    Row("admin: new cycle, criteria not loaded", "fk-admin", "/admin/cycles",
        {"fiscal_year": "2570", "criteria_version": "pmqa-9.9"}, "criteria_version", "ยังไม่ได้โหลดเกณฑ์รุ่น",
        {"fiscal_year": "2570", "criteria_version": "pmqa-9.9"}, state="cycles", modes=("page",)),
    Row("admin: new cycle, a year in words", "fk-admin", "/admin/cycles",
        {"fiscal_year": "สองห้าเจ็ดศูนย์", "criteria_version": "pmqa-4.0"}, "fiscal_year", "ปีงบประมาณต้องเป็นตัวเลข",
        {"fiscal_year": "สองห้าเจ็ดศูนย์", "criteria_version": "pmqa-4.0"}, state="cycles", modes=("page",)),
    Row("admin: deadline not in the calendar", "fk-admin", "/admin/cycles/{cycle}/deadline",
        {"deadline": "31/02/2569"}, "deadline-{cycle}", "วันกำหนดส่ง", {"deadline-{cycle}": "31/02/2569"},
        state="cycles", modes=("page",)),
    Row("admin: team, someone not an assessor", "fk-admin", "/admin/assessment-teams/{agency}/assessors",
        {"cycle_id": "{cycle}", "assessor_id": "{editor}", "lead": "1"}, "assessor-{agency}",
        "ไม่ใช่ผู้ประเมินที่ใช้งานอยู่", {"assessor-{agency}": "{editor}"}, (("lead", "1"),), state="teams"),
    Row("category 7 metric, a target in words", "fk-editor", "/agencies/{agency}/results", METRIC,
        "g{group}-target", "ไม่ใช่ตัวเลข", {"g{group}-name": METRIC["name"], "g{group}-direction": "lower",
                                            "g{group}-target": "แปดสิบห้า", "g{group}-value_this_year": "๙๒.๕"},
        state="metrics"),
    Row("judgement, a level not offered", "fk-member", "/assessment/agencies/{agency}/judge/1.1",
        {**JUDGEMENT, "note": NOTE, "version": "0"}, "judged-level", "กรุณาเลือกระดับจากรายการ",
        {"f-1-text": FINDING, "private-note": NOTE}, state="judgements", modes=("page",)),
    Row("judgement, a finding added while the level is wrong", "fk-member", "/assessment/agencies/{agency}/judge/1.1",
        {**JUDGEMENT, "note": NOTE, "version": "0", "add": "strength"}, "judged-level", "กรุณาเลือกระดับจากรายการ",
        {"f-1-text": FINDING, "private-note": NOTE}, state="judgements"),
    Row("consensus, a level not offered", "fk-lead", "/assessment/agencies/{agency}/consensus/1.1",
        {**JUDGEMENT, "version": "0"}, "judged-level", "กรุณาเลือกระดับจากรายการ", {"f-1-text": FINDING},
        state="judgements", modes=("page",)),
    Row("improvement plan, no owner and a date not in the calendar", "fp-editor",
        "/agencies/{agency}/improvement-plan",
        {"code": "1.1", "ofi": "0", "action": "ทบทวนตัวชี้วัดร่วมกับกองยุทธศาสตร์", "owner": "",
         "due_date": "31/2/2570", "status": "in_progress"}, "plan-1-1-0-owner", "กรุณากรอกผู้รับผิดชอบ",
        {"plan-1-1-0-action": "ทบทวนตัวชี้วัดร่วมกับกองยุทธศาสตร์", "plan-1-1-0-due_date": "31/2/2570",
         "plan-1-1-0-status": "in_progress"}, state="plans", modes=("page",), world="published"),
    Row("good practice, a reason too long", "fp-lead", "/agencies/{agency}/good-practices",
        {"code": "1.1", "reason": "ข" * 2001}, "reason-1-1", "เหตุผลยาวเกิน 2000 ตัวอักษร", {"reason-1-1": "ข" * 2001},
        state="practices", modes=("page",), world="published"),
    Row("submission, the confirmation not ticked", "fk-signer", "/agencies/{agency}/submission", {},
        "confirm", "กรุณาทำเครื่องหมายรับรอง", state="submissions", modes=("page",)),
    Row("reopening a submission, a reason too long", "fp-admin", "/agencies/{agency}/submissions/{submission}/reopen",
        {"reason": "ค" * 2001}, "reopen-reason", "ยาวเกิน 2,000 ตัวอักษร", {"reopen-reason": "ค" * 2001},
        state="submissions", modes=("page",), world="published"),
]


@pytest.fixture
def open_world(app):
    """An agency still at work (nothing submitted), its staff, an admin, a two-member team."""
    with app.app_context():
        agency = make_agency("FK-A", "กรมทดสอบแบบฟอร์ม")
        editor = make_user("fk-editor", ("agency_editor", agency))
        reviewer = make_user("fk-reviewer", ("reviewer", agency))
        make_user("fk-admin", ("admin", None))
        make_user("fk-signer", ("agency_signer", agency))
        target = make_user("fk-target")
        lead, member = make_user("fk-lead", ("assessor", None)), make_user("fk-member", ("assessor", None))
        cycle = admin_ops.create_cycle(2569, "pmqa-4.0")
        admin_ops.make_current(cycle)
        db.session.commit()
        for user, is_lead in ((lead, True), (member, False)):
            db.session.add(AssessmentAssignment(cycle_id=cycle.id, agency_id=agency.id, assessor_id=user.id,
                                                is_lead=is_lead))
        item = checklist_item("1.1", "B1")
        evidence = stored_text_evidence(agency, item, editor, "แผนยุทธศาสตร์ 5 ปี")
        thread = review_ops.start_thread(agency, item, "shared", "กรุณาแนบรายงานการประชุม", reviewer)
        db.session.commit()
        sub_item = db.session.scalar(select(SubItem).where(SubItem.code == "1.1"))
        group = db.session.scalar(select(MetricGroup).where(MetricGroup.code == "7.2.1"))
        return {"agency": agency.id, "agency_version": agency.version, "item": item.id, "editor": editor.id,
                "evidence": evidence.id, "evidence_version": evidence.version, "cycle": cycle.id,
                "thread": thread.id, "comment": thread.comments[0].id, "comment_version": thread.comments[0].version,
                "sub_item": sub_item.id, "question": sub_item.questions[0].id, "group": group.id,
                "target": target.id, "target_version": target.version}


@pytest.fixture
def published_world(app):
    with app.app_context():
        world = assessed_world("fp")
        publish_now(world)
        return {**world, "submission": db.session.scalar(select(Submission.id))}


def _format(value, world):
    return value.format(**world) if isinstance(value, str) else value


CASES = [pytest.param(row, mode, id=f"{row.name} [{mode}]") for row in ROWS for mode in row.modes]


@pytest.mark.parametrize("row,mode", CASES)
def test_a_refused_form_keeps_what_was_typed_with_the_reason_at_the_field(app, request, row, mode):
    world = request.getfixturevalue(f"{row.world}_world")
    client = signed_in(app, row.user)
    data = {key: _format(value, world) for key, value in row.data.items()}
    headers = {"HX-Request": "true"} if mode == "htmx" else {}
    with app.app_context():
        before = STATES[row.state](world)
    response = client.post(_format(row.url, world), data={"csrf_token": client.token, **data}, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:2000]
    assert ("<html" in html) == (mode == "page")  # htmx gets the partial, a plain post the page
    page = Page(html)
    at = _format(row.at, world)
    assert at in page.by_id, f"no input {at} in the answer"
    field_attrs = page.by_id[at]["attrs"]
    assert field_attrs.get("aria-invalid") == "true" and field_attrs.get("aria-describedby") == f"{at}-error"
    error = page.by_id.get(f"{at}-error")
    assert error is not None and "field-error" in error["attrs"].get("class", ""), f"no message beside {at}"
    assert row.message in error["text"]
    assert not [a for a in page.alerts if row.message in a["text"]], "the message is (also) in an alert at the top"
    for element_id, value in row.kept.items():
        element_id, value = _format(element_id, world), _format(value, world)
        assert element_id in page.by_id, f"no input {element_id} in the answer"
        assert page.value(element_id) == value, element_id
    for name, value in row.ticked:
        assert (name, value) in page.checked, f"{name}={value} not ticked again"
    with app.app_context():
        assert STATES[row.state](world) == before, "a refused form stored something"


def test_no_form_field_asks_the_browser_to_validate(app, open_world):
    """No required, pattern or type=email/number/url: the browser would refuse in its own
    words (English in an English browser) before the server could answer in Thai."""
    pages = {"fk-editor": [f"/evidence/{open_world['evidence']}", f"/agencies/{open_world['agency']}/criteria/1/1.1",
                           f"/agencies/{open_world['agency']}/results"],
             "fk-admin": ["/admin/agencies", "/admin/users", f"/admin/users/{open_world['target']}", "/admin/cycles",
                          "/admin/assessment-teams"],
             "fk-member": [f"/assessment/agencies/{open_world['agency']}/judge/1.1"]}
    for user, urls in pages.items():
        client = signed_in(app, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            for element in Page(response.get_data(as_text=True)).by_id.values():
                if element["tag"] in ("input", "textarea", "select"):
                    attrs = element["attrs"]
                    assert "required" not in attrs and "pattern" not in attrs, (url, attrs)
                    assert attrs.get("type") not in ("email", "number", "url"), (url, attrs)
