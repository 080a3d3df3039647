"""portal.cycles: the current cycle and the criteria edition a cycle is assessed against —
the cycle's own, for categories 1–6 and 7 alike, whatever the configuration says."""
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal import cycles
from portal.admin import operations as admin_ops
from portal.errors import Refused
from portal.extensions import db
from portal.models import AssessmentCycle, MetricGroup, ResultMetric
from tests.helpers import checklist_item, login, make_agency, make_user, stored_text_evidence

EDITION = "pmqa-4.0"  # the edition the test database holds


def test_no_current_cycle_is_a_thai_409(app_ctx):
    assert cycles.current_cycle_or_none() is None
    with pytest.raises(Refused) as refused:
        cycles.current_cycle()
    assert refused.value.status == 409 and "รอบการประเมินปัจจุบัน" in refused.value.message


def test_the_edition_is_the_cycles_own_then_the_current_ones_then_the_configured(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "CRITERIA_VERSION", "edition-in-config")
    assert cycles.criteria_edition() == "edition-in-config"  # nothing is current yet
    older = admin_ops.create_cycle(2568, EDITION)
    newer = admin_ops.create_cycle(2569, EDITION)
    newer.criteria_version = "pmqa-next"  # as if assessed against a newer edition
    admin_ops.make_current(newer)
    db.session.commit()
    assert cycles.criteria_edition(older) == EDITION
    assert cycles.criteria_edition() == "pmqa-next"
    assert cycles.configured_edition() == "edition-in-config"
    assert [c.fiscal_year for c in cycles.all_cycles()] == [2569, 2568]
    assert db.session.scalars(select(AssessmentCycle.fiscal_year).where(
        cycles.in_current_cycle(AssessmentCycle.id))).all() == [2569]


def test_a_cycle_must_name_a_loaded_edition(app, app_ctx):
    with pytest.raises(Refused) as refused:
        admin_ops.create_cycle(2569, "pmqa-9.9")
    assert refused.value.status == 422 and "pmqa-9.9" in refused.value.message
    assert cycles.all_cycles() == []


def test_dashboard_and_export_read_both_kinds_of_category_from_the_cycles_edition(app, monkeypatch):
    """Once categories 1–6 came from the configuration and 7 from the cycle: with another
    edition configured, the export lost its checklist but kept its metrics."""
    with app.app_context():
        agency = make_agency("CYC-A")
        editor = make_user("cyc-editor", ("agency_editor", agency))
        cycle = admin_ops.create_cycle(2569, EDITION)
        admin_ops.make_current(cycle)
        db.session.commit()
        item = checklist_item()
        stored_text_evidence(agency, item, editor, "แผนยุทธศาสตร์")
        db.session.add(ResultMetric(agency=agency, cycle=cycle, name="ความพึงพอใจ", unit="ร้อยละ",
                                    direction="higher", target=80, value_this_year=90,
                                    group=db.session.scalar(select(MetricGroup).where(MetricGroup.code == "7.2.1"))))
        db.session.commit()
        agency_id = agency.id
    monkeypatch.setitem(app.config, "CRITERIA_VERSION", "an-edition-never-loaded")
    client = app.test_client()
    login(client, "cyc-editor")
    dashboard = client.get(f"/agencies/{agency_id}").get_data(as_text=True)
    assert 'id="sub-item-1.1"' in dashboard and 'id="dimension-7.2"' in dashboard
    workbook = load_workbook(io.BytesIO(client.get(f"/agencies/{agency_id}/export.xlsx").data))
    checklist = list(workbook["รายการตรวจสอบ"].iter_rows(min_row=2, values_only=True))
    metrics = list(workbook["หมวด 7 ผลลัพธ์"].iter_rows(min_row=2, values_only=True))
    assert any(r[1] == "1.1" and r[2] == "B1" and r[5] == "มี" for r in checklist)
    assert any(r[2] == "ความพึงพอใจ" for r in metrics)
    workspace = client.get(f"/agencies/{agency_id}/criteria/1/1.1")
    assert workspace.status_code == 200 and "แผนยุทธศาสตร์" in workspace.get_data(as_text=True)
