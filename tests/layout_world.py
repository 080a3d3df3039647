"""Realistic data for the layout test: the demo (three agencies, one account per role,
category 7 metrics, review threads, assessment teams) plus what makes pages wide in real
use — long Thai titles, file names and URLs without spaces, several file versions, a failed
extraction, notes, long comments, evidence in the trash and extracted text the search finds —
and an assessment run: the department answered, submitted, was judged by both assessors,
agreed on, and its feedback published with an improvement plan entry and an agreed good
practice; its submission then reopened so its workspace is editable again. The province is
still being judged (its consensus open), so the assessors' forms are editable there."""
import io
from datetime import date

from flask import current_app
from sqlalchemy import select

from portal import cycles
from portal.demo import DEMO_USERS, load_demo
from portal.evidence import operations as evidence_ops
from portal.evidence.storage import BlobStore
from portal.extensions import db
from portal.models import (
    Agency, Answer, AnswerCitation, AssessmentAssignment, ChecklistItem, Evidence, EvidenceAttachment,
    EvidencePage, Finding, FileVersion, Judgement, SubItem, User,
)
from portal.reviews import operations as review_ops
from portal.search.backend import rebuild

PASSWORDS = {username: password for username, _, password, _ in DEMO_USERS}
LONG_FILE_NAME = ("รายงานผลการดำเนินงานตามแผนยุทธศาสตร์กรมส่งเสริมการบริการดิจิทัล_ประจำปีงบประมาณ"
                  "2569_ฉบับปรับปรุงครั้งที่3_final_final_v12.pdf")
LONG_TITLE = ("รายงานผลการดำเนินงานตามแผนยุทธศาสตร์และแผนปฏิบัติราชการของกรมส่งเสริมการบริการดิจิทัล"
              "ประจำปีงบประมาณ พ.ศ. 2569 ฉบับปรับปรุงหลังการประชุมคณะกรรมการบริหาร")
LONG_URL = ("https://intranet.example.go.th/pmqa/documents/2569/strategy-and-action-plan/"
            "department-of-digital-service-promotion/final-approved-version-after-board-meeting"
            "?download=1&token=8c1f3a9e5b7d2c4f6a8e0b1d3f5a7c9e")
LONG_COMMENT = ("กรุณาแนบรายงานการประชุมคณะกรรมการบริหารที่แสดงการทบทวนวิสัยทัศน์และค่านิยมองค์การ"
                "พร้อมหลักฐานการสื่อสารไปยังบุคลากรทุกระดับ ดูตัวอย่างที่ " + LONG_URL)
SEARCH_WORD = "ยุทธศาสตร์"
STRENGTH = "มีการทบทวนวิสัยทัศน์และค่านิยมโดยผู้บริหารระดับสูงร่วมกับบุคลากรทุกระดับอย่างเป็นระบบ"
OFI = "ควรทบทวนตัวชี้วัดตามแผนยุทธศาสตร์ให้สอดคล้องกับความต้องการของผู้รับบริการกลุ่มหลัก"
ANSWER = ("ส่วนราชการจัดทำแผนยุทธศาสตร์ระยะห้าปีอย่างมีส่วนร่วมกับผู้มีส่วนได้ส่วนเสีย ทบทวนวิสัยทัศน์ทุกปี"
          "และสื่อสารผ่านการประชุมผู้บริหาร อินทราเน็ต และหนังสือเวียน ดูรายละเอียดที่ " + LONG_URL)
PLAN_ACTION = "ทบทวนตัวชี้วัดร่วมกับทุกกองทุกไตรมาสและรายงานผลต่อคณะกรรมการบริหาร"


def _item(sub_item: str, code: str) -> ChecklistItem:
    return db.session.scalar(select(ChecklistItem).join(SubItem).where(
        SubItem.code == sub_item, ChecklistItem.code == code))


def _file(agency, items, user, title, name, text, versions=1, status="done") -> Evidence:
    store = BlobStore(current_app.config["UPLOAD_DIR"])
    evidence = Evidence(agency=agency, cycle=cycles.current_cycle(), kind="file", title=title,
                        created_by=user, extraction_status=status, pages_total=2,
                        document_date=date(2026, 3, 15), description="สรุปผลการดำเนินงานรายไตรมาส\n" * 2)
    for number in range(1, versions + 1):
        blob = store.save(io.BytesIO(f"{text} ฉบับที่ {number}".encode()))
        evidence.versions.append(FileVersion(number=number, sha256=blob.sha256, size=blob.size,
                                             mime="application/pdf", file_kind="pdf",
                                             original_name=name, uploaded_by_id=user.id))
    if status == "done":
        for number in (1, 2):
            evidence.pages.append(EvidencePage(number=number, label=f"หน้า {number}", text=f"{text} หน้า {number}"))
    else:
        evidence.extraction_error = ("ไฟล์ PDF นี้มีรหัสผ่านป้องกันการเปิด ระบบจึงดึงข้อความไม่ได้ "
                                     "กรุณาอัปโหลดไฟล์ที่ไม่มีรหัสผ่าน")
    for item, note in items:
        evidence.attachments.append(EvidenceAttachment(checklist_item=item, note=note))
    db.session.add(evidence)
    db.session.flush()
    return evidence


def _judgement(agency, cycle, code, level, assessor, strengths, ofis, scope="sub_item", note="") -> Judgement:
    judgement = Judgement(cycle_id=cycle.id, agency_id=agency.id, scope=scope, code=code, level=level,
                          assessor_id=assessor.id if assessor else None, private_note=note)
    for kind, texts in (("strength", strengths), ("ofi", ofis)):
        for n, text in enumerate(texts):
            judgement.findings.append(Finding(kind=kind, text=text, position=n, refs=[]))
    db.session.add(judgement)
    return judgement


def _team_judgements(agency, cycle, users) -> None:
    """Both assessors on 1.1, disagreeing, so the consensus page has differences to show."""
    _judgement(agency, cycle, "1.1", "advance", users["assessor"], [STRENGTH], [OFI],
               note="ตรวจสอบรายงานการประชุมฉบับเต็มอีกครั้งก่อนประชุมทีม")
    _judgement(agency, cycle, "1.1", "basic", users["assessor2"], [STRENGTH, "ผู้บริหารสื่อสารทิศทางองค์การผ่านหลายช่องทาง"],
               ["ควรแสดงหลักฐานการติดตามผลการสื่อสารไปยังบุคลากรทุกระดับอย่างเป็นระบบ"])


def _assess(dept, prov, users, question, cited) -> dict:
    """The department through the whole assessment, the province half way (see the docstring)."""
    from portal.assessment import publication
    from portal.feedback import plans, practices
    from portal.models.assessment import AssessmentState
    from portal.models.user import utcnow
    from portal.submissions import operations as submission_ops

    cycle = cycles.current_cycle()
    answer = Answer(agency_id=dept.id, cycle_id=cycle.id, question_id=question.id, parts=[ANSWER],
                    updated_by_id=users["editor"].id)
    answer.citations.append(AnswerCitation(evidence_id=cited.id, page=1))
    db.session.add(answer)
    db.session.flush()
    submission = submission_ops.submit(dept, users["signer"], confirmed=True)
    _team_judgements(dept, cycle, users)
    _judgement(dept, cycle, "1.1", "advance", None, [STRENGTH], [OFI, "ควรกำหนดตัวชี้วัดการสื่อสารวิสัยทัศน์ที่วัดผลได้"])
    _judgement(dept, cycle, "7", "basic", None, ["ผลลัพธ์ด้านผู้รับบริการดีขึ้นต่อเนื่องสามปี"],
               ["ควรเพิ่มตัวชี้วัดด้านบุคลากร"], scope="category")
    state = db.session.scalar(select(AssessmentState).where(AssessmentState.agency_id == dept.id,
                                                             AssessmentState.cycle_id == cycle.id))
    if state is None:
        state = AssessmentState(agency_id=dept.id, cycle_id=cycle.id)
        db.session.add(state)
    state.consensus_done_at, state.consensus_done_by_id = utcnow(), users["assessor"].id
    db.session.flush()
    publication.publish(dept, cycle, users["assessor"])
    plans.create(dept, cycle, {"code": "1.1", "ofi": "0", "action": PLAN_ACTION, "owner": "กองยุทธศาสตร์และแผนงาน",
                               "due_date": "30 ก.ย. 2570", "status": "in_progress"}, users["editor"])
    practice = practices.mark(dept, cycle, "1.1", "แผนยุทธศาสตร์จัดทำอย่างมีส่วนร่วมและสื่อสารทั่วถึง",
                              users["assessor"])
    practices.answer(practice, True, users["editor"])
    submission_ops.reopen(submission, users["admin"], "ขอแก้ไขหลักฐานหัวข้อ 1.1 หลังรับผลการประเมิน")

    db.session.add_all([AssessmentAssignment(cycle_id=cycle.id, agency_id=prov.id, assessor_id=users["assessor"].id,
                                             is_lead=True),
                        AssessmentAssignment(cycle_id=cycle.id, agency_id=prov.id, assessor_id=users["assessor2"].id)])
    _team_judgements(prov, cycle, users)
    db.session.flush()
    return {"submission": submission.id, "practice": practice.id, "question": question.id, "prov": prov.id}


def make_layout_world(app) -> dict:
    """Build once per test run; returns the ids the page list needs."""
    with app.app_context():
        load_demo(today=date(2026, 3, 20))
        dept = db.session.scalar(select(Agency).where(Agency.code == "DEMO-DEPT"))
        users = {u.username: u for u in db.session.scalars(select(User))}
        editor, reviewer = users["editor"], users["reviewer"]
        editor.display_name = "สมชาย ใจดีมีสุขเสมอ (เจ้าหน้าที่กรมส่งเสริมการบริการดิจิทัล)"
        long_agency = Agency(code="LONG-NAME-AGENCY-2569",
                             name="สำนักงานคณะกรรมการส่งเสริมวิทยาศาสตร์ วิจัยและนวัตกรรมแห่งชาติ (ตัวอย่างชื่อยาว)",
                             kind="public_org", unit_type="policy")
        db.session.add(long_agency)

        b1, b2, b3 = _item("1.1", "B1"), _item("1.1", "B2"), _item("1.1", "B3")
        plan = _file(dept, [(b1, "หน้า 12–18 การทบทวนวิสัยทัศน์โดยผู้บริหารระดับสูงและการสื่อสารไปยังบุคลากร"),
                            (_item("2.1", "B1"), "")], editor, LONG_TITLE, LONG_FILE_NAME,
                     f"แผน{SEARCH_WORD}ของกรมที่ตอบสนองพันธกิจและความต้องการของผู้รับบริการ KPI ร้อยละ 95",
                     versions=3)
        _file(dept, [(b2, "")], editor, "ผลสำรวจความพึงพอใจผู้รับบริการ",
              "survey_result_2569_all_regions_merged_without_spaces_in_the_name.pdf",
              "ผลสำรวจ", status="failed")
        link = evidence_ops.add_link(dept, b3, LONG_URL, "ระบบติดตามตัวชี้วัดตามแผน" + SEARCH_WORD, editor)
        trashed = _file(dept, [], editor, "ร่างแผนปฏิบัติราชการ (ฉบับเก่า)", "draft_action_plan_2568_old.pdf", "ร่าง")
        evidence_ops.delete(trashed, editor)

        thread = review_ops.start_thread(dept, b1, "shared", LONG_COMMENT, reviewer)
        first = thread.comments[0].id
        answer = review_ops.reply(thread, first, "แนบรายงานการประชุมครั้งที่ 2/2569 และหนังสือเวียนแล้วค่ะ "
                                  "(ไฟล์ " + LONG_FILE_NAME + ")", editor)
        review_ops.reply(thread, answer.id, "ได้รับแล้ว ขอบคุณครับ จะพิจารณาในการประชุมครั้งถัดไป", reviewer)
        review_ops.set_status(dept, b3, "needs_revision", "ลิงก์ต้องเปิดได้จากภายนอก " + LONG_URL, reviewer)
        prov = db.session.scalar(select(Agency).where(Agency.code == "DEMO-PROV"))
        assessed = _assess(dept, prov, users, b1.sub_item.questions[0], plan)
        db.session.commit()
        ids = {"dept": dept.id, "long_agency": long_agency.id, "plan": plan.id, "link": link.id,
               "item": b1.id, "thread": thread.id, "editor": editor.id, **assessed}
        rebuild()
        return ids
