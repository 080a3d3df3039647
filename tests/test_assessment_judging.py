"""Each assessor's judgement: only the agency's assigned assessors see and score it (404 for
anyone else, another agency's ids included); the level is the assessor's, the computed one
only a suggestion; findings cite what the snapshot holds (anything else 422); the private
note reaches nobody but its author; an autosave on a stale version answers 409 and keeps
what was typed; the workspace counts what is still unscored."""
import re

import pytest
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import AssessmentAssignment, AuditEvent, Judgement
from portal.models.assessment import Finding
from portal.submissions import operations as submission_ops
from tests.helpers import checklist_item, make_agency, make_user, signed_in, stored_text_evidence

HX = {"HX-Request": "true"}
NOTE = "บันทึกลับของผู้ประเมินหนึ่ง"


@pytest.fixture
def world(app):
    with app.app_context():
        own, other = make_agency("JUD-A"), make_agency("JUD-B")
        editor = make_user("jud-editor", ("agency_editor", own))
        make_user("jud-signer", ("agency_signer", own))
        make_user("jud-viewer", ("agency_viewer", own))
        make_user("jud-reviewer", ("reviewer", own))
        lead = make_user("jud-lead", ("assessor", None))
        member = make_user("jud-member", ("assessor", None))
        make_user("jud-stranger", ("assessor", None))  # an assessor on no team of agency A
        make_user("jud-admin", ("admin", None))
        cycle = admin_ops.create_cycle(2569, "pmqa-4.0")
        admin_ops.make_current(cycle)
        db.session.commit()
        evidence = stored_text_evidence(own, checklist_item("1.1", "B1"), editor, "แผนยุทธศาสตร์ของ JUD-A")
        stored_text_evidence(other, checklist_item("1.1", "B1"), editor, "หลักฐานของ JUD-B")
        for user, is_lead in ((lead, True), (member, False)):
            db.session.add(AssessmentAssignment(cycle_id=cycle.id, agency_id=own.id, assessor_id=user.id,
                                                is_lead=is_lead))
        db.session.commit()
        return {"agency": own.id, "other": other.id, "evidence": evidence.id}


def judge_url(w, code="1.1", agency=None):
    return f"/assessment/agencies/{agency or w['agency']}/judge/{code}"


def version_of(client, url) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="version" id="judgement-version" value="(-?\d+)"', page).group(1)


def save(client, w, code="1.1", headers=HX, **fields):
    data = {"csrf_token": client.token, "version": version_of(client, judge_url(w, code)), **fields}
    return client.post(judge_url(w, code), data=data, headers=headers)


def test_only_the_team_sees_and_scores_the_agency(app, world):
    for name in ("jud-editor", "jud-signer", "jud-viewer", "jud-reviewer", "jud-stranger", "jud-admin"):
        client = signed_in(app, name)
        for url in (f"/assessment/agencies/{world['agency']}", judge_url(world),
                    f"/assessment/agencies/{world['agency']}/consensus",
                    f"/assessment/agencies/{world['agency']}/consensus/1.1"):
            response = client.get(url)
            assert response.status_code == 404, (name, url)
            assert "JUD-A" not in response.get_data(as_text=True)
        response = client.post(judge_url(world), data={"csrf_token": client.token, "level": "basic"})
        assert response.status_code == 404, name
    with app.app_context():
        assert db.session.scalar(select(Judgement)) is None
    member = signed_in(app, "jud-member")
    assert member.get(f"/assessment/agencies/{world['agency']}").status_code == 200
    assert member.get(judge_url(world)).status_code == 200
    # Agency B has no team this member is on; an unknown code is no scope.
    assert member.get(judge_url(world, agency=world["other"])).status_code == 404
    assert member.get(f"/assessment/agencies/{world['other']}").status_code == 404
    assert member.get(judge_url(world, code="9.9")).status_code == 404
    assert member.get("/assessment/agencies/999999").status_code == 404


def test_the_index_lists_the_assigned_agencies_and_the_menu_shows_for_assessors(app, world):
    member = signed_in(app, "jud-member")
    page = member.get("/assessment/").get_data(as_text=True)
    assert "JUD-A" in page and "JUD-B" not in page
    assert "ผู้ประเมิน" in page and "ยังไม่ส่ง" in page and "0 / " in page
    assert 'href="/assessment/"' in page
    assert signed_in(app, "jud-lead").get("/assessment/").get_data(as_text=True).count("หัวหน้าทีม") >= 1
    editor = signed_in(app, "jud-editor")
    assert editor.get("/assessment/").status_code == 403
    assert 'href="/assessment/"' not in editor.get("/").get_data(as_text=True)


def test_the_suggestion_is_shown_but_never_preselected(app, world):
    member = signed_in(app, "jud-member")
    page = member.get(judge_url(world)).get_data(as_text=True)
    assert "ระดับที่ระบบคำนวณ (ข้อเสนอแนะ)" in page
    select_html = page[page.index('id="judged-level"'):page.index("</select>", page.index('id="judged-level"'))]
    assert "selected" not in select_html
    assert "ยังไม่ได้ส่งรายงาน — กำลังดูข้อมูลปัจจุบัน" in page  # nothing submitted: live data
    assert "แผนยุทธศาสตร์ของ JUD-A" in page and "หลักฐานของ JUD-B" not in page


def test_autosave_saves_level_findings_and_note_and_audits(app, world):
    member = signed_in(app, "jud-member")
    response = save(member, world, level="basic", **{
        "f-1-kind": "strength", "f-1-id": "", "f-1-text": "มีแผนยุทธศาสตร์ชัดเจน",
        "f-1-refs": ["item:1.1-B1", f"evidence:{world['evidence']}"],
        "f-2-kind": "ofi", "f-2-id": "", "f-2-text": "", "note": NOTE})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    assert "บันทึกแล้ว" in body and 'hx-swap-oob="true"' in body
    with app.app_context():
        judgement = db.session.scalar(select(Judgement))
        assert (judgement.level, judgement.private_note, judgement.code) == ("basic", NOTE, "1.1")
        finding = judgement.findings[0]
        assert finding.refs == [{"type": "item", "ref": "1.1-B1"}, {"type": "evidence", "ref": world["evidence"]}]
        # the page learns the new finding's id out of band, so the next save updates it
        assert f'id="f-1-id" value="{finding.id}"' in body
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "judgement_saved"))
        assert event.details["after"] == "basic" and NOTE not in str(event.details)
        finding_id = finding.id
    # the same save again changes nothing and is not audited again
    again = save(member, world, level="basic", **{"f-1-kind": "strength", "f-1-id": str(finding_id),
                 "f-1-text": "มีแผนยุทธศาสตร์ชัดเจน", "f-1-refs": ["item:1.1-B1", f"evidence:{world['evidence']}"],
                 "note": NOTE})
    assert again.status_code == 200
    # edit in place keeps the finding's id
    save(member, world, level="advance", **{"f-1-kind": "strength", "f-1-id": str(finding_id),
         "f-1-text": "มีแผนยุทธศาสตร์ชัดเจนและสื่อสารทั่วองค์กร", "note": NOTE})
    with app.app_context():
        judgement = db.session.scalar(select(Judgement))
        assert [f.id for f in judgement.findings] == [finding_id] and judgement.level == "advance"
        assert db.session.query(AuditEvent).filter_by(action="judgement_saved").count() == 2
    page = member.get(f"/assessment/agencies/{world['agency']}").get_data(as_text=True)
    assert "ก้าวหน้า (Advance)" in page


def test_delete_and_add_answer_with_the_whole_form(app, world):
    member = signed_in(app, "jud-member")
    save(member, world, level="basic", **{"f-1-kind": "strength", "f-1-text": "ข้อหนึ่ง",
                                         "f-2-kind": "ofi", "f-2-text": "ข้อสอง"})
    with app.app_context():
        ids = [f.id for f in db.session.scalar(select(Judgement)).findings]
    response = save(member, world, level="basic", delete="1", **{
        "f-1-kind": "strength", "f-1-id": str(ids[0]), "f-1-text": "ข้อหนึ่ง",
        "f-2-kind": "ofi", "f-2-id": str(ids[1]), "f-2-text": "ข้อสอง"})
    assert response.status_code == 200 and 'id="judgement-form"' in response.get_data(as_text=True)
    with app.app_context():
        assert [f.text for f in db.session.scalar(select(Judgement)).findings] == ["ข้อสอง"]
        assert db.session.get(Finding, ids[0]) is None


def test_a_ref_not_in_the_snapshot_is_refused_in_thai(app, world):
    member = signed_in(app, "jud-member")
    for ref in ("item:2.1-B1", "evidence:999999", "question:9.9.9", "nonsense"):
        response = save(member, world, level="basic", **{"f-1-kind": "strength", "f-1-text": "ข้อความที่พิมพ์",
                                                         "f-1-refs": [ref]})
        assert response.status_code == 422, ref
        assert "ไม่อยู่ในรายงานที่ส่ง" in response.get_data(as_text=True)
    # another agency's evidence is not in this agency's snapshot either
    with app.app_context():
        from portal.models import Evidence

        theirs = db.session.scalar(select(Evidence).where(Evidence.agency_id == world["other"])).id
    response = save(member, world, **{"f-1-kind": "ofi", "f-1-text": "x", "f-1-refs": [f"evidence:{theirs}"]})
    assert response.status_code == 422
    # a plain post shows the page again with what was typed
    page = save(member, world, headers={}, level="basic",
                **{"f-1-kind": "strength", "f-1-text": "ข้อความที่ต้องไม่หาย", "f-1-refs": ["item:2.1-B1"]})
    assert page.status_code == 422 and "ข้อความที่ต้องไม่หาย" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Judgement)) is None
    assert save(member, world, level="excellent").status_code == 422


def test_a_stale_version_answers_409_and_keeps_the_typed_text(app, world):
    member = signed_in(app, "jud-member")
    save(member, world, level="basic")
    stale = version_of(member, judge_url(world))
    save(member, world, level="advance")
    response = member.post(judge_url(world), headers={}, data={
        "csrf_token": member.token, "version": stale, "level": "significance",
        "f-1-kind": "strength", "f-1-text": "ข้อความจากหน้าต่างเก่า"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "ข้อความจากหน้าต่างเก่า" in body and "กรุณาตรวจสอบแล้วบันทึกอีกครั้ง" in body
    hx = member.post(judge_url(world), headers=HX, data={"csrf_token": member.token, "version": stale,
                                                         "level": "significance"})
    assert hx.status_code == 409 and "judgement-status" in hx.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Judgement)).level == "advance"


def test_the_private_note_reaches_only_its_author(app, world):
    member = signed_in(app, "jud-member")
    save(member, world, level="basic", note=NOTE, **{"f-1-kind": "strength", "f-1-text": "จุดแข็งที่ทุกคนเห็น"})
    assert NOTE in member.get(judge_url(world)).get_data(as_text=True)
    lead = signed_in(app, "jud-lead")
    for url in (judge_url(world), f"/assessment/agencies/{world['agency']}",
                f"/assessment/agencies/{world['agency']}/consensus",
                f"/assessment/agencies/{world['agency']}/consensus/1.1"):
        page = lead.get(url).get_data(as_text=True)
        assert NOTE not in page, url
    assert "จุดแข็งที่ทุกคนเห็น" in lead.get(f"/assessment/agencies/{world['agency']}/consensus/1.1").get_data(as_text=True)
    for name in ("jud-editor", "jud-viewer", "jud-admin"):
        client = signed_in(app, name)
        for url in (f"/agencies/{world['agency']}", "/admin/audit", judge_url(world)):
            assert NOTE not in client.get(url).get_data(as_text=True), (name, url)


def test_the_workspace_counts_what_is_still_unscored(app, world):
    member = signed_in(app, "jud-member")
    url = f"/assessment/agencies/{world['agency']}"
    first = member.get(url).get_data(as_text=True)
    total = int(re.search(r"ยังไม่ได้ให้ระดับ (\d+) จาก (\d+) รายการ", first).group(2))
    assert re.search(r"ยังไม่ได้ให้ระดับ (\d+) จาก", first).group(1) == str(total)
    save(member, world, level="basic")
    save(member, world, code="7", level="advance")
    save(member, world, code="1", **{"f-1-kind": "ofi", "f-1-text": "ยังไม่ให้ระดับ มีแต่ OFI"})
    page = member.get(url).get_data(as_text=True)
    assert f"ยังไม่ได้ให้ระดับ {total - 2} จาก {total} รายการ" in page
    assert judge_url(world, "1.1") not in page[page.index("unscored-title"):page.index("judge-table")]
    assert judge_url(world, "1") in page[page.index("unscored-title"):page.index("judge-table")]
    index = member.get("/assessment/").get_data(as_text=True)
    assert f"2 / {total}" in index
    # another member's levels do not count for this one
    assert f"ยังไม่ได้ให้ระดับ {total} จาก" in signed_in(app, "jud-lead").get(url).get_data(as_text=True)


def test_a_submitted_report_is_judged_from_its_snapshot(app, world):
    with app.app_context():
        from portal.models import Agency, User

        agency = db.session.get(Agency, world["agency"])
        signer = db.session.scalar(select(User).where(User.username == "jud-signer"))
        submission_ops.submit(agency, signer, confirmed=True)
        db.session.commit()
    page = signed_in(app, "jud-member").get(judge_url(world)).get_data(as_text=True)
    assert "ยังไม่ได้ส่งรายงาน" not in page and "รายงานที่ส่ง ครั้งที่ 1" in page
    category_seven = signed_in(app, "jud-member").get(judge_url(world, "7"))
    assert category_seven.status_code == 200
