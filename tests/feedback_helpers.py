"""An assessed agency without the judging pages: the team, consensus judgements with
findings and a private note, the consensus marked done, straight through the models."""
from portal.extensions import db
from portal.models import Answer, AnswerCitation, AssessmentAssignment, AssessmentCycle, Finding, Judgement
from portal.models.assessment import AssessmentState
from portal.models.user import utcnow

SECRET = "บันทึกส่วนตัวของผู้ประเมินห้ามเผยแพร่"
STRENGTH = "มีการวางแผนยุทธศาสตร์อย่างเป็นระบบ"
OFI = "ควรทบทวนตัวชี้วัดให้สอดคล้องกับเป้าหมาย"
ANSWER = "ส่วนราชการจัดทำแผนยุทธศาสตร์ระยะห้าปีอย่างมีส่วนร่วมกับผู้มีส่วนได้ส่วนเสีย"


def assign(agency, cycle: AssessmentCycle, assessor, lead: bool = False) -> AssessmentAssignment:
    assignment = AssessmentAssignment(cycle_id=cycle.id, agency_id=agency.id, assessor_id=assessor.id, is_lead=lead)
    db.session.add(assignment)
    db.session.commit()
    return assignment


def consensus(agency, cycle: AssessmentCycle, code: str = "1.1", level: str = "advance", scope: str = "sub_item",
              strengths=(STRENGTH,), ofis=(OFI,), refs=None, note: str = SECRET) -> Judgement:
    judgement = Judgement(cycle_id=cycle.id, agency_id=agency.id, scope=scope, code=code, level=level,
                          private_note=note)
    for n, text in enumerate(strengths):
        judgement.findings.append(Finding(kind="strength", text=text, position=n, refs=refs or []))
    for n, text in enumerate(ofis):
        judgement.findings.append(Finding(kind="ofi", text=text, position=n, refs=refs or []))
    db.session.add(judgement)
    db.session.commit()
    return judgement


def consensus_done(agency, cycle: AssessmentCycle, lead) -> AssessmentState:
    state = db.session.query(AssessmentState).filter_by(agency_id=agency.id, cycle_id=cycle.id).one_or_none()
    if state is None:
        state = AssessmentState(agency_id=agency.id, cycle_id=cycle.id)
        db.session.add(state)
    state.consensus_done_at, state.consensus_done_by_id = utcnow(), lead.id
    db.session.commit()
    return state


def assessed_world(prefix: str) -> dict:
    """Agency {P}-A with its staff ({p}-editor, -viewer, -signer, -reviewer), {p}-admin, an
    editor of {P}-B ({p}-outsider), a team of two ({p}-lead leads, {p}-member), an assessor
    off the team ({p}-stranger), a submission, and the consensus on 1.1 (citing 1.1-B1 and
    its evidence) and on category 7, marked done. Call inside an app context."""
    from portal.admin import operations as admin_ops
    from portal.submissions import operations as submission_ops
    from tests.helpers import checklist_item, make_agency, make_user, stored_text_evidence

    code = prefix.upper()
    agency, other = make_agency(f"{code}-A"), make_agency(f"{code}-B")
    cycle = admin_ops.create_cycle(2569, "pmqa-4.0")
    admin_ops.make_current(cycle)
    db.session.commit()
    editor = make_user(f"{prefix}-editor", ("agency_editor", agency))
    make_user(f"{prefix}-viewer", ("agency_viewer", agency))
    signer = make_user(f"{prefix}-signer", ("agency_signer", agency))
    make_user(f"{prefix}-reviewer", ("reviewer", agency))
    make_user(f"{prefix}-admin", ("admin", None))
    make_user(f"{prefix}-outsider", ("agency_editor", other))
    lead, member = make_user(f"{prefix}-lead", ("assessor", None)), make_user(f"{prefix}-member", ("assessor", None))
    make_user(f"{prefix}-stranger", ("assessor", None))
    assign(agency, cycle, lead, lead=True)
    assign(agency, cycle, member)
    item = checklist_item("1.1", "B1")
    evidence = stored_text_evidence(agency, item, editor, "แผนยุทธศาสตร์ 5 ปี", "ไฟล์แผนยุทธศาสตร์ที่ส่ง")
    elsewhere = stored_text_evidence(agency, checklist_item("2.1", "B1"), editor, "หลักฐานหมวดสอง", "ไฟล์หมวดสอง")
    answer = Answer(agency_id=agency.id, cycle_id=cycle.id, question_id=item.sub_item.questions[0].id,
                    parts=[ANSWER], updated_by_id=editor.id)
    answer.citations.append(AnswerCitation(evidence_id=elsewhere.id))  # cites another sub-item's evidence
    db.session.add(answer)
    consensus(agency, cycle, "1.1", "advance", refs=[{"type": "item", "ref": "1.1-B1"},
                                                     {"type": "evidence", "ref": evidence.id}])
    consensus(agency, cycle, "7", "basic", scope="category", strengths=("ผลลัพธ์ด้านลูกค้าดีขึ้นต่อเนื่อง",),
              ofis=("ควรเพิ่มตัวชี้วัดด้านบุคลากร",))
    submission_ops.submit(agency, signer, confirmed=True)
    db.session.commit()
    consensus_done(agency, cycle, lead)
    return {"agency": agency.id, "other": other.id, "cycle": cycle.id, "evidence": evidence.id,
            "elsewhere": elsewhere.id, "prefix": prefix}


def publish_now(world: dict) -> None:
    """Publish as the lead, through the operation (inside an app context)."""
    from sqlalchemy import select

    from portal.assessment import publication
    from portal.models import Agency, User

    lead = db.session.scalar(select(User).where(User.username == f"{world['prefix']}-lead"))
    publication.publish(db.session.get(Agency, world["agency"]), db.session.get(AssessmentCycle, world["cycle"]), lead)
    db.session.commit()
