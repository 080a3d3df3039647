"""The lead's consensus: where the team differs (the pure rule), the consensus level and
findings saved and audited (old → new), findings taken and merged from members', the
lead alone (403 for other members), done refused while a code has no consensus level,
members read-only while done, reopening refused once published."""
from sqlalchemy import select

from portal.assessment.consensus import LoneFinding, Opinion, differences
from portal.extensions import db
from portal.models import AssessmentState, AuditEvent, Judgement
from portal.models.user import utcnow
from tests.helpers import signed_in
from tests.test_assessment_judging import HX, save, world  # noqa: F401 (the fixture)


# --- the pure rule -------------------------------------------------------------------

def test_levels_that_differ_and_members_not_judged():
    found = differences([1, 2, 3], {1: Opinion("basic"), 2: Opinion("advance"), 3: Opinion(None)})
    assert found.levels_differ and found.not_judged == [3] and found.any
    assert found.levels == {1: "basic", 2: "advance", 3: None}
    same = differences([1, 2], {1: Opinion("basic"), 2: Opinion("basic")})
    assert not same.levels_differ and not same.not_judged and not same.any
    absent = differences([1, 2], {1: Opinion("basic")})
    assert absent.not_judged == [2] and not absent.levels_differ  # one level given is no disagreement


def test_findings_only_some_wrote_ignoring_spacing_and_case():
    found = differences([1, 2], {
        1: Opinion("basic", (("strength", "มีแผน  ชัดเจน"), ("ofi", "ควรวัดผล"), ("strength", "Clear KPI"))),
        2: Opinion("basic", (("strength", "มีแผน ชัดเจน"), ("strength", "clear kpi"))),
    })
    assert found.lone_findings == [LoneFinding(1, "ofi", "ควรวัดผล")]
    # the same text as another kind is a different finding
    kinds = differences([1, 2], {1: Opinion("basic", (("strength", "x"),)), 2: Opinion("basic", (("ofi", "x"),))})
    assert {(f.assessor_id, f.kind) for f in kinds.lone_findings} == {(1, "strength"), (2, "ofi")}
    # a member with no judgement at all: everything the others wrote is lone
    none = differences([1, 2], {1: Opinion("basic", (("ofi", "y"),))})
    assert none.lone_findings == [LoneFinding(1, "ofi", "y")]


def test_a_team_of_one_has_nothing_to_differ_from():
    found = differences([1], {1: Opinion("basic", (("ofi", "y"),))})
    assert not found.any
    assert differences([1], {}).not_judged == [1]


# --- through the pages ---------------------------------------------------------------

def consensus_url(w, code=None):
    return f"/assessment/agencies/{w['agency']}/consensus" + (f"/{code}" if code else "")


def consensus_version(client, w, code):
    import re

    page = client.get(consensus_url(w, code)).get_data(as_text=True)
    return re.search(r'name="version" id="judgement-version" value="(\d+)"', page).group(1)


def save_consensus(client, w, code="1.1", **fields):
    data = {"csrf_token": client.token, "version": consensus_version(client, w, code), **fields}
    return client.post(consensus_url(w, code), data=data, headers=HX)


def test_only_the_lead_agrees_the_consensus(app, world):  # noqa: F811
    member = signed_in(app, "jud-member")
    for url in (consensus_url(world), consensus_url(world, "1.1")):
        response = member.get(url)
        assert response.status_code == 403 and "หัวหน้าทีม" in response.get_data(as_text=True)
    for url in (consensus_url(world, "1.1"), consensus_url(world, "1.1") + "/take", consensus_url(world, "done"),
                consensus_url(world, "reopen")):
        assert member.post(url, data={"csrf_token": member.token, "level": "basic"}).status_code == 403, url
    lead = signed_in(app, "jud-lead")
    assert lead.get(consensus_url(world)).status_code == 200
    assert lead.get(consensus_url(world, "9.9")).status_code == 404
    assert lead.get(f"/assessment/agencies/{world['other']}/consensus").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Judgement)) is None


def test_differences_are_shown_and_a_taken_finding_keeps_its_source(app, world):  # noqa: F811
    member, lead = signed_in(app, "jud-member"), signed_in(app, "jud-lead")
    save(member, world, level="basic", **{"f-1-kind": "strength", "f-1-text": "มีแผนชัดเจน",
                                         "f-1-refs": ["item:1.1-B1"]})
    save(lead, world, level="advance", **{"f-1-kind": "strength", "f-1-text": "มีการสื่อสารแผน",
                                         "f-2-kind": "ofi", "f-2-text": "ควรติดตามผล", "f-2-refs": ["item:1.1-B2"]})
    overview = lead.get(consensus_url(world)).get_data(as_text=True)
    assert "levels-differ" in overview and "⚠ ระดับต่างกัน" in overview
    page = lead.get(consensus_url(world, "1.1")).get_data(as_text=True)
    assert 'id="levels-differ"' in page and "(เขียนเฉพาะบางคน)" in page
    with app.app_context():
        findings = {f.text: f.id for j in db.session.scalars(select(Judgement)) for f in j.findings}
    response = lead.post(consensus_url(world, "1.1") + "/take",
                         data={"csrf_token": lead.token, "take": findings["มีแผนชัดเจน"]})
    assert response.status_code == 302
    merged = lead.post(consensus_url(world, "1.1") + "/take", data={
        "csrf_token": lead.token, "finding_id": [findings["มีแผนชัดเจน"], findings["มีการสื่อสารแผน"]]})
    assert merged.status_code == 302
    mixed = lead.post(consensus_url(world, "1.1") + "/take", data={
        "csrf_token": lead.token, "finding_id": [findings["มีแผนชัดเจน"], findings["ควรติดตามผล"]]})
    assert mixed.status_code == 422 and "ประเภทเดียวกัน" in mixed.get_data(as_text=True)
    with app.app_context():
        agreed = db.session.scalar(select(Judgement).where(Judgement.assessor_id.is_(None)))
        assert [(f.text, f.source_finding_id) for f in agreed.findings] == [
            ("มีแผนชัดเจน", findings["มีแผนชัดเจน"]),
            ("มีแผนชัดเจน\nมีการสื่อสารแผน", findings["มีแผนชัดเจน"])]
        assert agreed.findings[0].refs == [{"type": "item", "ref": "1.1-B1"}]
        assert db.session.query(AuditEvent).filter_by(action="consensus_finding_taken").count() == 2
        taken_ids = [f.id for f in agreed.findings]
    # the lead sets the level and edits the merged text; audited old → new
    response = save_consensus(lead, world, level="basic", **{
        "f-1-kind": "strength", "f-1-id": str(taken_ids[0]), "f-1-text": "มีแผนชัดเจน",
        "f-2-kind": "strength", "f-2-id": str(taken_ids[1]), "f-2-text": "มีแผนชัดเจนและสื่อสารทั่วองค์กร",
        "f-3-kind": "ofi", "f-3-text": "ข้อใหม่ของหัวหน้าทีม"})
    assert response.status_code == 200, response.get_data(as_text=True)
    save_consensus(lead, world, level="advance", **{
        "f-1-kind": "strength", "f-1-id": str(taken_ids[1]), "f-1-text": "มีแผนชัดเจนและสื่อสารทั่วองค์กร"})
    with app.app_context():
        agreed = db.session.scalar(select(Judgement).where(Judgement.assessor_id.is_(None)))
        assert agreed.level == "advance" and [f.text for f in agreed.findings] == ["มีแผนชัดเจนและสื่อสารทั่วองค์กร"]
        assert agreed.findings[0].source_finding_id == findings["มีแผนชัดเจน"]
        events = [e.details for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "consensus_saved").order_by(AuditEvent.id))]
        assert [(e["before"], e["after"]) for e in events] == [(None, "basic"), ("basic", "advance")]
        # members' own judgements are untouched by the consensus
        assert {j.level for j in db.session.scalars(select(Judgement).where(Judgement.assessor_id.is_not(None)))} \
            == {"basic", "advance"}


def _agree_everything(app, w):
    from portal import cycles
    from portal.assessment import judging

    with app.app_context():
        cycle = cycles.current_cycle()
        codes = [s for s in judging.scopes(cycles.criteria_edition(cycle))]
        for scope in codes[1:]:
            db.session.add(Judgement(cycle_id=cycle.id, agency_id=w["agency"], scope=scope.kind, code=scope.code,
                                     assessor_id=None, level="basic", private_note=""))
        db.session.commit()
        return codes[0].code


def test_done_is_refused_while_a_code_has_no_consensus_level_then_locks_the_team(app, world):  # noqa: F811
    lead, member = signed_in(app, "jud-lead"), signed_in(app, "jud-member")
    first = _agree_everything(app, world)
    refused = lead.post(consensus_url(world, "done"), data={"csrf_token": lead.token})
    assert refused.status_code == 422
    assert f"ยังไม่ได้กำหนดระดับฉันทามติของ {first}" in refused.get_data(as_text=True)
    save_consensus(lead, world, code=first, level="significance")
    done = lead.post(consensus_url(world, "done"), data={"csrf_token": lead.token})
    assert done.status_code == 302
    with app.app_context():
        state = db.session.scalar(select(AssessmentState))
        assert state.consensus_done_at is not None and state.consensus_done_by_id is not None
        assert db.session.query(AuditEvent).filter_by(action="consensus_done").count() == 1
    # while done: members' judgements and the consensus are read-only (409, Thai)
    response = save(member, world, level="basic", **{"f-1-kind": "ofi", "f-1-text": "พิมพ์หลังยืนยัน"})
    assert response.status_code == 409 and "ยืนยันฉันทามติแล้ว" in response.get_data(as_text=True)
    assert "disabled" in member.get(f"/assessment/agencies/{world['agency']}/judge/1.1").get_data(as_text=True)
    assert save_consensus(lead, world, code=first, level="basic").status_code == 409
    assert lead.post(consensus_url(world, "done"), data={"csrf_token": lead.token}).status_code == 409
    # reopen (audited); then the team may change its judgements again
    assert lead.post(consensus_url(world, "reopen"), data={"csrf_token": lead.token}).status_code == 302
    assert save(member, world, level="basic").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(AssessmentState)).consensus_done_at is None
        assert db.session.query(AuditEvent).filter_by(action="consensus_reopened").count() == 1


def test_reopening_is_refused_once_the_feedback_is_published(app, world):  # noqa: F811
    lead = signed_in(app, "jud-lead")
    assert lead.post(consensus_url(world, "reopen"), data={"csrf_token": lead.token}).status_code == 409
    with app.app_context():
        from portal.models import User

        lead_id = db.session.scalar(select(User.id).where(User.username == "jud-lead"))
        from portal import cycles

        db.session.add(AssessmentState(cycle_id=cycles.current_cycle().id, agency_id=world["agency"],
                                       consensus_done_at=utcnow(), consensus_done_by_id=lead_id,
                                       published_at=utcnow(), published_by_id=lead_id))
        db.session.commit()
    response = lead.post(consensus_url(world, "reopen"), data={"csrf_token": lead.token})
    assert response.status_code == 409 and "เผยแพร่ผลการประเมิน" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AssessmentState)).consensus_done_at is not None
