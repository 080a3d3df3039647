"""Assessment teams (issue 16): admins put assessors on an agency's team for a cycle, one
of them the lead; the admin tab and `flask assessment …` change teams alike, audited."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.admin import operations as admin_ops
from portal.assessment import teams
from portal.extensions import db
from portal.models import AuditEvent, User
from portal.models.assessment import AssessmentAssignment, Finding, Judgement
from tests.helpers import make_agency, make_user, signed_in


@pytest.fixture
def world(app):
    with app.app_context():
        a, b = make_agency("TEAM-A", "กรมทีมเอ"), make_agency("TEAM-B", "กรมทีมบี", kind="province")
        for username in ("t-one", "t-two", "t-three"):
            make_user(username, ("assessor", None))
        make_user("t-admin", ("admin", None))
        make_user("t-editor", ("agency_editor", a))
        make_user("t-reviewer", ("reviewer", a))
        blocked = make_user("t-blocked", ("assessor", None))
        admin_ops.set_active(blocked, False)
        cycle = admin_ops.create_cycle(2569, "pmqa-4.0")
        admin_ops.make_current(cycle)
        db.session.commit()
        ids = {u.username: u.id for u in db.session.scalars(select(User))}
        return {"a": a.id, "b": b.id, "cycle": cycle.id, "users": ids}


def team_of(agency_id):
    return {(m.assessor.username, m.is_lead) for m in db.session.scalars(
        select(AssessmentAssignment).where(AssessmentAssignment.agency_id == agency_id))}


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.token, **data}, headers={"HX-Request": "true"})


def test_admin_assigns_makes_lead_and_removes(app, world):
    admin = signed_in(app, "t-admin")
    url = f"/admin/assessment-teams/{world['a']}"
    page = admin.get("/admin/assessment-teams").get_data(as_text=True)
    assert "ทีมผู้ประเมิน" in page and "TEAM-A" in page and "ยังไม่มีทีม" in page

    added = post(admin, f"{url}/assessors", cycle_id=world["cycle"], assessor_id=world["users"]["t-one"], lead="1")
    assert added.status_code == 200 and "หัวหน้าทีม" in added.get_data(as_text=True)
    assert post(admin, f"{url}/assessors", cycle_id=world["cycle"],
                assessor_id=world["users"]["t-two"]).status_code == 200
    with app.app_context():
        assert team_of(world["a"]) == {("t-one", True), ("t-two", False)}

    # A new lead: the previous one stops being lead in the same change.
    assert post(admin, f"{url}/lead", cycle_id=world["cycle"], assessor_id=world["users"]["t-two"]).status_code == 200
    with app.app_context():
        assert team_of(world["a"]) == {("t-one", False), ("t-two", True)}

    removed = post(admin, f"{url}/remove", cycle_id=world["cycle"], assessor_id=world["users"]["t-one"])
    assert removed.status_code == 200 and "นำ" in removed.get_data(as_text=True)
    with app.app_context():
        assert team_of(world["a"]) == {("t-two", True)}
        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(teams_actions())).order_by(AuditEvent.id))]
        assert actions == ["assessor_assigned", "assessment_lead_set", "assessor_assigned",
                           "assessment_lead_set", "assessor_removed"]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessor_removed"))
        assert event.actor_name == "t-admin" and event.details["assessor"] == "t-one"
        assert event.agency_id == world["a"]
    audit_page = admin.get("/admin/audit").get_data(as_text=True)
    assert "นำผู้ประเมินออกจากทีม" in audit_page and "ตั้งหัวหน้าทีมผู้ประเมิน" in audit_page


def teams_actions():
    return ("assessor_assigned", "assessment_lead_set", "assessor_removed")


@pytest.mark.parametrize("who", ["t-blocked", "t-editor", "missing", ""])
def test_only_active_assessors_join_with_a_thai_message_at_the_field(app, world, who):
    admin = signed_in(app, "t-admin")
    chosen = str(world["users"].get(who, 999999)) if who else ""
    response = post(admin, f"/admin/assessment-teams/{world['a']}/assessors", cycle_id=world["cycle"],
                    assessor_id=chosen, lead="1")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert ("ไม่ใช่ผู้ประเมินที่ใช้งานอยู่" if who else "กรุณาเลือกผู้ประเมิน") in page
    assert 'aria-invalid="true"' in page and 'name="lead" value="1" checked' in page
    if who:
        assert f'value="{chosen}" selected' in page  # the choice is kept
    with app.app_context():
        assert team_of(world["a"]) == set()


def test_plain_form_posts_work_without_htmx(app, world):
    admin = signed_in(app, "t-admin")
    done = admin.post(f"/admin/assessment-teams/{world['a']}/assessors",
                      data={"csrf_token": admin.token, "cycle_id": world["cycle"],
                            "assessor_id": world["users"]["t-one"]})
    assert done.status_code == 302
    refused = admin.post(f"/admin/assessment-teams/{world['a']}/assessors",
                         data={"csrf_token": admin.token, "cycle_id": world["cycle"],
                               "assessor_id": world["users"]["t-blocked"]})
    assert refused.status_code == 422 and "ไม่ใช่ผู้ประเมินที่ใช้งานอยู่" in refused.get_data(as_text=True)
    assert "<h1>ผู้ดูแลระบบ</h1>" in refused.get_data(as_text=True)  # the whole page, error at its row


def test_removing_an_assessor_with_judgements_needs_confirmation(app, world):
    with app.app_context():
        from portal.models import Agency, AssessmentCycle
        agency, cycle = db.session.get(Agency, world["a"]), db.session.get(AssessmentCycle, world["cycle"])
        one = db.session.get(User, world["users"]["t-one"])
        teams.assign(agency, cycle, one, lead=True)
        judgement = Judgement(cycle_id=cycle.id, agency_id=agency.id, scope="sub_item", code="1.1",
                              assessor_id=one.id, level="basic")
        judgement.findings.append(Finding(kind="strength", text="มีแผนชัดเจน"))
        consensus = Judgement(cycle_id=cycle.id, agency_id=agency.id, scope="sub_item", code="1.1", level="basic")
        db.session.add_all([judgement, consensus])
        db.session.commit()
    admin = signed_in(app, "t-admin")
    url = f"/admin/assessment-teams/{world['a']}/remove"
    asked = post(admin, url, cycle_id=world["cycle"], assessor_id=world["users"]["t-one"])
    assert asked.status_code == 409
    assert "บันทึกผลการประเมินของส่วนราชการนี้ไว้แล้ว 1 รายการ" in asked.get_data(as_text=True)
    assert 'name="confirm" value="1"' in asked.get_data(as_text=True)
    with app.app_context():
        assert team_of(world["a"]) == {("t-one", True)}
    done = post(admin, url, cycle_id=world["cycle"], assessor_id=world["users"]["t-one"], confirm="1")
    assert done.status_code == 200 and "ลบผลการประเมินของผู้นี้ 1 รายการ" in done.get_data(as_text=True)
    with app.app_context():
        assert team_of(world["a"]) == set()
        left = list(db.session.scalars(select(Judgement)))
        assert [j.assessor_id for j in left] == [None]  # the consensus stays
        assert db.session.scalar(select(db.func.count(Finding.id))) == 0
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessor_removed"))
        assert event.details["judgements_deleted"] == 1 and event.details["was_lead"] is True


def test_the_database_refuses_two_leads(app, world):
    with app.app_context():
        for username in ("t-one", "t-two"):
            db.session.add(AssessmentAssignment(cycle_id=world["cycle"], agency_id=world["a"],
                                                assessor_id=world["users"][username], is_lead=True))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("who", ["t-one", "t-editor", "t-reviewer"])
def test_only_admins_reach_the_teams_tab(app, world, who):
    client = signed_in(app, who)
    assert client.get("/admin/assessment-teams").status_code == 403
    assert post(client, f"/admin/assessment-teams/{world['a']}/assessors", cycle_id=world["cycle"],
                assessor_id=world["users"]["t-one"]).status_code == 403
    with app.app_context():
        assert team_of(world["a"]) == set()


def test_filters_and_cycle_choice(app, world):
    admin = signed_in(app, "t-admin")
    post(admin, f"/admin/assessment-teams/{world['a']}/assessors", cycle_id=world["cycle"],
         assessor_id=world["users"]["t-one"])
    no_team = admin.get("/admin/assessment-teams?no_team=1").get_data(as_text=True)
    assert "TEAM-B" in no_team and "TEAM-A" not in no_team
    by_name = admin.get("/admin/assessment-teams?q=ทีมเอ").get_data(as_text=True)
    assert "TEAM-A" in by_name and "TEAM-B" not in by_name
    with app.app_context():
        older = admin_ops.create_cycle(2568, "pmqa-4.0")
        db.session.commit()
        older_id = older.id
    other = admin.get(f"/admin/assessment-teams?cycle={older_id}&no_team=1").get_data(as_text=True)
    assert "TEAM-A" in other  # teams belong to one cycle
    assert admin.get("/admin/assessment-teams?cycle=999999").status_code == 404


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_assigns_and_lists_on_a_fresh_database(app):
    assert run(app, "cycles", "create", "2569", "--current").exit_code == 0
    assert run(app, "agencies", "create", "CLI-T", "กรมคำสั่ง", "--kind", "department",
               "--unit-type", "service").exit_code == 0
    for name in ("cli-one", "cli-two"):
        assert run(app, "users", "create", name, "--name", f"ผู้ประเมิน {name}", "--role", "assessor").exit_code == 0
    assert run(app, "users", "create", "cli-staff", "--name", "เจ้าหน้าที่", "--role", "agency_editor",
               "--agency", "CLI-T").exit_code == 0

    listed = run(app, "assessment", "teams")
    assert listed.exit_code == 0 and "CLI-T" in listed.output and "ยังไม่มีทีม" in listed.output
    first = run(app, "assessment", "assign", "cli-t", "cli-one", "--lead")
    assert first.exit_code == 0, first.output
    assert "หัวหน้าทีม" in first.output
    assert run(app, "assessment", "assign", "CLI-T", "cli-two", "--lead", "--cycle", "2569").exit_code == 0
    listed = run(app, "assessment", "teams", "--cycle", "2569").output
    assert "cli-two (หัวหน้าทีม)" in listed and "cli-one" in listed and "cli-one (หัวหน้าทีม)" not in listed

    for args, message in [(("assign", "NOPE", "cli-one"), "ไม่พบส่วนราชการรหัส NOPE"),
                          (("assign", "CLI-T", "nobody"), "ไม่พบผู้ใช้ nobody"),
                          (("assign", "CLI-T", "cli-staff"), "ไม่ใช่ผู้ประเมินที่ใช้งานอยู่"),
                          (("assign", "CLI-T", "cli-one"), "อยู่ในทีมของ CLI-T แล้ว"),
                          (("assign", "CLI-T", "cli-one", "--cycle", "2500"), "ไม่พบรอบการประเมินปีงบประมาณ 2500"),
                          (("teams", "--cycle", "2500"), "ไม่พบรอบการประเมินปีงบประมาณ 2500")]:
        failed = run(app, "assessment", *args)
        assert failed.exit_code == 2 and message in failed.output, (args, failed.output)
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(teams_actions())).order_by(AuditEvent.id)))
        assert [e.action for e in events] == ["assessor_assigned", "assessment_lead_set",
                                              "assessor_assigned", "assessment_lead_set"]
        assert all(e.actor_id is None and e.details["via"] == "cli" for e in events)
        assert events[-1].details["previous_lead"] == "cli-one"
