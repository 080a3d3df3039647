"""An assessed agency without the judging pages: the team, consensus judgements with
findings and a private note, the consensus marked done, straight through the models."""
from portal.extensions import db
from portal.models import AssessmentAssignment, AssessmentCycle, Finding, Judgement
from portal.models.assessment import AssessmentState
from portal.models.user import utcnow

SECRET = "บันทึกส่วนตัวของผู้ประเมินห้ามเผยแพร่"
STRENGTH = "มีการวางแผนยุทธศาสตร์อย่างเป็นระบบ"
OFI = "ควรทบทวนตัวชี้วัดให้สอดคล้องกับเป้าหมาย"


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
