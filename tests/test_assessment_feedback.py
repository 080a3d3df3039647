"""Publishing the feedback (issue 16): the lead alone publishes, once the consensus is done
and the agency has submitted; the agency sees nothing before; what is published is frozen;
private notes never reach the page, the PDF or the DOCX."""
import io

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select

from portal.assessment import publication
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, AuditEvent, Judgement, User
from portal.models.assessment import AssessmentState
from tests.feedback_helpers import OFI, SECRET, STRENGTH, assessed_world, assign, consensus_done
from tests.helpers import make_agency, make_user, signed_in


def post(client, url, data=None):
    return client.post(url, data={"csrf_token": client.token, **(data or {})})


@pytest.fixture
def world(app):
    with app.app_context():
        return assessed_world("fb")


def _feedback(agency_id):
    return f"/agencies/{agency_id}/feedback"


def _publish(app, username, world):
    return post(signed_in(app, username), f"/agencies/{world['agency']}/feedback/publish")


def test_only_the_lead_publishes(app, world):
    assert _publish(app, "fb-member", world).status_code == 403
    assert _publish(app, "fb-stranger", world).status_code == 404  # an assessor off the team
    assert _publish(app, "fb-outsider", world).status_code == 404
    for agency_user in ("fb-editor", "fb-signer", "fb-admin"):
        assert _publish(app, agency_user, world).status_code == 404
    assert _publish(app, "fb-lead", world).status_code == 302
    assert _publish(app, "fb-lead", world).status_code == 409  # published once
    with app.app_context():
        state = db.session.scalar(select(AssessmentState).where(AssessmentState.agency_id == world["agency"]))
        assert state.published_at is not None and state.submission_id is not None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "feedback_published"))
        assert event.agency_id == world["agency"]


def test_the_agency_sees_nothing_before_publication(app, world):
    for username in ("fb-editor", "fb-viewer", "fb-signer", "fb-reviewer", "fb-admin"):
        client = signed_in(app, username)
        page = client.get(_feedback(world["agency"]))
        assert page.status_code == 404, username
        assert "ยังไม่มีผลการประเมินที่เผยแพร่" in page.get_data(as_text=True)
        assert OFI not in page.get_data(as_text=True)
        assert client.get(_feedback(world["agency"]) + ".pdf").status_code == 404
        assert "ผลการประเมินและข้อเสนอแนะ" not in client.get(f"/agencies/{world['agency']}").get_data(as_text=True)
    preview = signed_in(app, "fb-member").get(_feedback(world["agency"])).get_data(as_text=True)
    assert "ยังไม่เผยแพร่" in preview and OFI in preview and "publish-feedback" not in preview
    lead_preview = signed_in(app, "fb-lead").get(_feedback(world["agency"])).get_data(as_text=True)
    assert "publish-feedback" in lead_preview and SECRET not in lead_preview
    assert signed_in(app, "fb-stranger").get(_feedback(world["agency"])).status_code == 404
    assert signed_in(app, "fb-outsider").get(_feedback(world["agency"])).status_code == 404


def test_publishing_needs_the_consensus_done(app, world):
    with app.app_context():
        state = db.session.scalar(select(AssessmentState).where(AssessmentState.agency_id == world["agency"]))
        state.consensus_done_at = None
        db.session.commit()
    refused = _publish(app, "fb-lead", world)
    assert refused.status_code == 409
    assert "ฉันทามติ" in refused.get_data(as_text=True)


def test_publishing_live_data_is_refused(app, world):
    with app.app_context():
        agency = make_agency("FB-LIVE")
        cycle = db.session.get(AssessmentCycle, world["cycle"])
        lead = db.session.scalar(select(User).where(User.username == "fb-lead"))
        assign(agency, cycle, lead, lead=True)
        consensus_done(agency, cycle, lead)
        with pytest.raises(Refused) as refused:
            publication.publish(agency, cycle, lead)
        assert refused.value.status == 409 and refused.value.message == "ส่วนราชการยังไม่ได้ส่งรายงาน"
        db.session.rollback()


def test_published_feedback_is_frozen_and_reads_well(app, world):
    assert _publish(app, "fb-lead", world).status_code == 302
    with app.app_context():
        judgement = db.session.scalar(select(Judgement).where(Judgement.code == "1.1", Judgement.assessor_id.is_(None)))
        judgement.level = "basic"
        judgement.findings[0].text = "ข้อความที่แก้ภายหลัง"
        db.session.commit()
        state = db.session.scalar(select(AssessmentState).where(AssessmentState.agency_id == world["agency"]))
        sub = next(s for c in state.feedback["categories"] for s in c["sub_items"] if s["code"] == "1.1")
        assert sub["level"] == "advance" and sub["points"] == 400
        assert sub["strengths"][0]["text"] == STRENGTH
        assert sub["strengths"][0]["refs"] == ["1.1 B1", "หลักฐาน: แผนยุทธศาสตร์ 5 ปี"]
        seven = next(c for c in state.feedback["categories"] if c["code"] == "7")
        assert seven["level"] == "basic" and seven["points"] == 300
        assert SECRET not in str(state.feedback)
    for username in ("fb-editor", "fb-viewer", "fb-signer", "fb-reviewer", "fb-admin", "fb-member"):
        page = signed_in(app, username).get(_feedback(world["agency"]))
        assert page.status_code == 200, username
        text = page.get_data(as_text=True)
        assert STRENGTH in text and OFI in text and "ข้อความที่แก้ภายหลัง" not in text
        assert "ก้าวหน้า (Advance)" in text and SECRET not in text and "ยังไม่เผยแพร่" not in text
    dashboard = signed_in(app, "fb-editor").get(f"/agencies/{world['agency']}").get_data(as_text=True)
    assert "ผลการประเมินและข้อเสนอแนะ" in dashboard and _feedback(world["agency"]) in dashboard
    stranger = signed_in(app, "fb-stranger")  # an assessor on no team of this agency
    assert stranger.get(_feedback(world["agency"])).status_code == 404
    assert "feedback-card" not in stranger.get(f"/agencies/{world['agency']}").get_data(as_text=True)
    assert signed_in(app, "fb-outsider").get(_feedback(world["agency"]) + ".docx").status_code == 404


def _squashed(text: str) -> str:
    # A PDF's text layer may break lines and words anywhere; compare without spaces, and
    # with SARA AM as the PDF draws it (portal/reports/pdf.py).
    return "".join(text.split()).replace("\u0e4d\u0e32", "\u0e33")


def test_pdf_and_docx_hold_levels_strengths_and_ofis(app, world):
    assert _publish(app, "fb-lead", world).status_code == 302
    client = signed_in(app, "fb-viewer")
    pdf = client.get(_feedback(world["agency"]) + ".pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _squashed("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages))
    for expected in ("ผลการประเมินและข้อเสนอแนะ", "ก้าวหน้า(Advance)", STRENGTH, OFI, "ควรเพิ่มตัวชี้วัดด้านบุคลากร",
                     "คะแนน400"):
        assert _squashed(expected) in text, expected
    assert _squashed(SECRET) not in text
    docx = client.get(_feedback(world["agency"]) + ".docx")
    assert docx.status_code == 200
    paragraphs = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    for expected in ("ผลการประเมินและข้อเสนอแนะ", "ระดับตามฉันทามติ: ก้าวหน้า (Advance) · คะแนน 400", STRENGTH, OFI,
                     "อ้างอิง 1.1 B1, หลักฐาน: แผนยุทธศาสตร์ 5 ปี"):
        assert expected in paragraphs, expected
    assert SECRET not in paragraphs
    again = client.get(_feedback(world["agency"]) + ".pdf")
    assert again.data == pdf.data  # rendered once, from the cache


def test_another_agencys_feedback_is_404(app, world):
    assert _publish(app, "fb-lead", world).status_code == 302
    with app.app_context():
        other = db.session.get(Agency, world["other"])
        make_user("fb-other-viewer", ("agency_viewer", other))
    client = signed_in(app, "fb-other-viewer")
    for suffix in ("", ".pdf", ".docx"):
        assert client.get(_feedback(world["agency"]) + suffix).status_code == 404
    assert client.get(f"/agencies/{world['agency']}/improvement-plan").status_code == 404
