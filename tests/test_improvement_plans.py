"""Improvement plans (issue 16): the agency's editors answer each published OFI with an
action, who is responsible and a Buddhist-era due date; viewers and signers read; 422 keeps
what was typed at the field, 409 refuses a stale edit, another agency's entry is 404; an
entry not done carries into the next cycle."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import AuditEvent
from portal.models.assessment import ImprovementPlanEntry
from tests.feedback_helpers import OFI, assessed_world, publish_now
from tests.helpers import signed_in


def post(client, url, data=None, **kwargs):
    return client.post(url, data={"csrf_token": client.token, **(data or {})}, **kwargs)


@pytest.fixture
def world(app):
    with app.app_context():
        world = assessed_world("ip")
        publish_now(world)
        return world


def _plan(world, **fields):
    return {"code": "1.1", "ofi": "0", "action": "ทบทวนตัวชี้วัดร่วมกับกองยุทธศาสตร์", "owner": "กองยุทธศาสตร์และแผนงาน",
            "due_date": "30/9/2570", "status": "planned", **fields}


def _entry(app) -> ImprovementPlanEntry:
    with app.app_context():
        entry = db.session.scalar(select(ImprovementPlanEntry).order_by(ImprovementPlanEntry.id.desc()))
        db.session.expunge(entry)
        return entry


def test_an_editor_adds_a_plan_beside_an_ofi(app, world):
    editor = signed_in(app, "ip-editor")
    page = editor.get(f"/agencies/{world['agency']}/feedback").get_data(as_text=True)
    assert "เพิ่มแผนปรับปรุงสำหรับข้อนี้" in page
    done = post(editor, f"/agencies/{world['agency']}/improvement-plan", _plan(world, due_date="30 ก.ย. 2570"))
    assert done.status_code == 302 and done.headers["Location"].endswith("#sub-item-1.1")
    entry = _entry(app)
    assert (entry.code, entry.ofi_text, entry.due_date, entry.status) == ("1.1", OFI, date(2027, 9, 30), "planned")
    shown = editor.get(f"/agencies/{world['agency']}/feedback").get_data(as_text=True)
    assert "ทบทวนตัวชี้วัดร่วมกับกองยุทธศาสตร์" in shown and "30 ก.ย. 2570" in shown
    listed = signed_in(app, "ip-viewer").get(f"/agencies/{world['agency']}/improvement-plan").get_data(as_text=True)
    assert OFI in listed and "กองยุทธศาสตร์และแผนงาน" in listed and "แก้ไข / เปลี่ยนสถานะ" not in listed
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "improvement_plan_created"))


def test_only_editors_write_plans(app, world):
    for username in ("ip-viewer", "ip-signer", "ip-reviewer", "ip-lead", "ip-admin"):
        assert post(signed_in(app, username), f"/agencies/{world['agency']}/improvement-plan",
                    _plan(world)).status_code == 403, username
    assert post(signed_in(app, "ip-outsider"), f"/agencies/{world['agency']}/improvement-plan",
                _plan(world)).status_code == 404
    page = signed_in(app, "ip-viewer").get(f"/agencies/{world['agency']}/feedback").get_data(as_text=True)
    assert "เพิ่มแผนปรับปรุงสำหรับข้อนี้" not in page


def test_bad_input_is_422_at_the_field_keeping_what_was_typed(app, world):
    editor = signed_in(app, "ip-editor")
    refused = post(editor, f"/agencies/{world['agency']}/improvement-plan",
                   _plan(world, due_date="31/2/2570", owner=""))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "ไม่มีวันที่นี้ในปฏิทิน" in page and "กรุณากรอกผู้รับผิดชอบ" in page
    assert 'value="31/2/2570"' in page and "ทบทวนตัวชี้วัดร่วมกับกองยุทธศาสตร์</textarea>" in page
    assert 'aria-invalid="true"' in page
    unknown = post(editor, f"/agencies/{world['agency']}/improvement-plan", _plan(world, ofi="9"))
    assert unknown.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(ImprovementPlanEntry)) is None


def test_edit_with_version_and_a_stale_edit_is_409(app, world):
    editor = signed_in(app, "ip-editor")
    post(editor, f"/agencies/{world['agency']}/improvement-plan", _plan(world))
    entry = _entry(app)
    url = f"/agencies/{world['agency']}/improvement-plan/{entry.id}"
    form = editor.get(url + "/edit", headers={"HX-Request": "true"}).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    saved = post(editor, url, _plan(world, status="in_progress", version=version), headers={"HX-Request": "true"})
    assert saved.status_code == 200 and "กำลังดำเนินการ" in saved.get_data(as_text=True)
    stale = post(editor, url, _plan(world, action="ข้อความที่พิมพ์ทีหลัง", version=version), headers={"HX-Request": "true"})
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "ข้อความที่พิมพ์ทีหลัง" in text and "กำลังดำเนินการ" in text
    bad = post(editor, url, _plan(world, due_date="ไม่ทราบ", version=str(int(version) + 1)), headers={"HX-Request": "true"})
    assert bad.status_code == 422 and 'value="ไม่ทราบ"' in bad.get_data(as_text=True)
    assert _entry(app).status == "in_progress"
    assert editor.get(url + "/edit").status_code == 200
    assert signed_in(app, "ip-viewer").get(url + "/edit").status_code == 403
    assert post(signed_in(app, "ip-signer"), url, _plan(world, version=version)).status_code == 403


def test_another_agencys_entry_is_404(app, world):
    post(signed_in(app, "ip-editor"), f"/agencies/{world['agency']}/improvement-plan", _plan(world))
    entry = _entry(app)
    outsider = signed_in(app, "ip-outsider")
    own = f"/agencies/{world['other']}/improvement-plan/{entry.id}"  # B's address, A's entry
    assert outsider.get(own).status_code == 404
    assert outsider.get(own + "/edit").status_code == 404
    assert post(outsider, own, _plan(world, version="1")).status_code == 404
    assert outsider.get(f"/agencies/{world['agency']}/improvement-plan/{entry.id}").status_code == 404


def test_entries_not_done_carry_into_the_next_cycle(app, world):
    editor = signed_in(app, "ip-editor")
    post(editor, f"/agencies/{world['agency']}/improvement-plan", _plan(world))
    post(editor, f"/agencies/{world['agency']}/improvement-plan", _plan(world, action="งานที่เสร็จแล้ว", status="done"))
    with app.app_context():
        first = {e.action: e.id for e in db.session.scalars(select(ImprovementPlanEntry))}
        next_cycle = admin_ops.create_cycle(2570, "pmqa-4.0")
        admin_ops.make_current(next_cycle)
        db.session.commit()
        next_id = next_cycle.id
    assert post(editor, f"/agencies/{world['agency']}/carry-over").status_code == 302
    assert post(editor, f"/agencies/{world['agency']}/carry-over").status_code == 302  # once per entry
    with app.app_context():
        carried = list(db.session.scalars(select(ImprovementPlanEntry).where(ImprovementPlanEntry.cycle_id == next_id)))
        assert [(e.action, e.carried_from_id, e.status) for e in carried] == [
            ("ทบทวนตัวชี้วัดร่วมกับกองยุทธศาสตร์", first["ทบทวนตัวชี้วัดร่วมกับกองยุทธศาสตร์"], "planned")]
    page = editor.get(f"/agencies/{world['agency']}/improvement-plan").get_data(as_text=True)
    assert "ยกมาจากปีงบประมาณ 2569" in page and "งานที่เสร็จแล้ว" not in page
