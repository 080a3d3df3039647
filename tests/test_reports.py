"""The self-assessment report as PDF and DOCX: opened with pypdf and python-docx, they hold
the questions, the answers, the cited evidence, item statements, category 7, page numbers
and the draft mark; a fully answered report stays a readable length."""
import io
import re

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select

from portal.admin import operations as admin_ops
from portal.answers import structure
from portal.extensions import db
from portal.thai.repair import repair_page
from portal.models import Answer, AnswerCitation, AssessmentCycle, ItemStatement, MetricGroup, Question, ResultMetric
from tests.helpers import checklist_item, extracted_text_evidence, make_agency, make_user, signed_in

ANSWER = "ส่งเสริมวิสาหกิจชุมชน 12 กลุ่ม รายได้เพิ่มร้อยละ 8"


@pytest.fixture
def world(app):
    with app.app_context():
        agency = make_agency("RPT-A", "กรมทดสอบรายงาน")
        editor = make_user("rpt-editor", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        cycle = db.session.scalar(select(AssessmentCycle))
        evidence = extracted_text_evidence(agency, checklist_item("1.1", "B1"), editor, "รายงานการประชุมผู้บริหาร",
                                        "การประชุมผู้บริหาร ครั้งที่ 1/2569")
        question = checklist_item("1.1", "B1").sub_item.questions[1]  # 1.1.2
        answer = Answer(agency_id=agency.id, cycle_id=cycle.id, question_id=question.id,
                        parts=[ANSWER + "\n<b>ตัวหนา</b>"], updated_by_id=editor.id)
        answer.citations.append(AnswerCitation(evidence_id=evidence.id, page=1))
        db.session.add(answer)
        db.session.add(ItemStatement(agency_id=agency.id, cycle_id=cycle.id,
                                     checklist_item_id=checklist_item("1.1", "RB3").id,
                                     text="ไม่มีภารกิจนี้ตามกฎหมายจัดตั้ง", not_applicable=True))
        group = db.session.scalar(select(MetricGroup).where(MetricGroup.code == "7.2.1"))
        db.session.add(ResultMetric(agency_id=agency.id, cycle_id=cycle.id, metric_group_id=group.id,
                                    name="ร้อยละความพึงพอใจของผู้รับบริการ", unit="ร้อยละ", direction="higher",
                                    target=85.0, value_two_years_ago=80.0, value_last_year=83.5,
                                    value_this_year=87.4))
        db.session.commit()
        return {"agency": agency.id, "question": question.code}


def download(app, world, file_format):
    response = signed_in(app, "rpt-editor").get(f"/agencies/{world['agency']}/self-assessment.{file_format}")
    assert response.status_code == 200
    return response


def test_the_docx_holds_questions_answers_citations_and_results(app, world):
    response = download(app, world, "docx")
    assert "attachment" in response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "รายงานการประเมินตนเอง" in text and "กรมทดสอบรายงาน" in text and "ฉบับร่าง" in text
    assert "1.1.2 ผู้บริหารกำหนดทิศทางองค์การ" in text
    assert ANSWER in text and "<b>ตัวหนา</b>" in text  # typed markup stays text
    assert "อ้างอิง หลักฐาน 1.1-B1 หน้า 1: รายงานการประชุมผู้บริหาร" in text
    assert "หลักฐาน: รายงานการประชุมผู้บริหาร (ไฟล์ TXT 1 หน้า" in text
    assert "ไม่เกี่ยวข้อง — เหตุผล: ไม่มีภารกิจนี้ตามกฎหมายจัดตั้ง" in text
    assert text.count("(ยังไม่ได้ตอบ)") > 90  # the other questions say so
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][4:] == ["พ.ศ. 2567", "พ.ศ. 2568", "พ.ศ. 2569"]
    assert [c.text for c in table.rows[1].cells][3:] == ["85", "80", "83.5", "87.4"]
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer  # a page number field
    assert "กรมทดสอบรายงาน" in document.sections[0].header.paragraphs[0].text


def test_the_pdf_holds_the_same_with_page_numbers(app, world):
    from PIL import ImageFile

    response = download(app, world, "pdf")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # WeasyPrint's import sets it; uploads need it off
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert "กรมทดสอบรายงาน" in text and "1.1.2" in text
    assert "วิสาหกิจชุมชน 12 กลุ่ม" in text and "<b>ตัวหนา</b>" in text
    assert "หลักฐาน 1.1-B1 หน้า 1" in text
    assert "87.4" in text and "83.5" in text
    assert re.search(rf"หน้า 2 / {len(pages)}", pages[1])  # numbered from the page after the cover
    assert "ฉบับร่าง" in pages[1]  # the running header


def test_the_pdf_text_layer_reads_every_sara_aa_as_sara_aa_after_a_sara_am(app, world):
    """WeasyPrint maps a glyph to the text of the first cluster that drew it: once "น้ำ" was
    drawn, every later า read "้ำ" ("บริหาร" became "บริห้ำร"). Copying, searching and the
    portal's own extraction must read the report's words as written."""
    with app.app_context():
        answer = db.session.scalar(select(Answer))
        answer.parts = ["น้ำประปา ค่ำคืน ทำงาน ผู้บริหารกำหนดทิศทาง"]
        db.session.commit()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(download(app, world, "pdf").data)).pages)
    assert "้ำ" not in text and "ห้ำ" not in text
    assert "ประปา" in text and "ผู้บริหาร" in text and "ทิศทาง" in text
    # ำ is written as its decomposition, nikhahit + า, which the portal's repair composes.
    assert "นํ้าประปา คํ่าคืน ทํางาน ผู้บริหารกําหนดทิศทาง" in text
    assert "น้ำประปา ค่ำคืน ทำงาน ผู้บริหารกำหนดทิศทาง" in repair_page(text)


def test_a_fully_answered_report_stays_readable(app, world, artifacts_dir):
    with app.app_context():
        cycle = db.session.scalar(select(AssessmentCycle))
        answered = {a.question_id for a in db.session.scalars(select(Answer))}
        for question in db.session.scalars(select(Question)):
            if question.id in answered:
                continue
            slots = structure.slots(question.text, question.bullets)
            db.session.add(Answer(agency_id=world["agency"], cycle_id=cycle.id, question_id=question.id,
                                  parts=[(ANSWER + " ") * 6] * len(slots)))
        db.session.commit()
    payload = download(app, world, "pdf").data
    (artifacts_dir / "self-assessment-full.pdf").write_bytes(payload)  # looked at, page by page
    reader = PdfReader(io.BytesIO(payload))
    assert len(reader.pages) < 120, len(reader.pages)  # ~300 words an answer, 94 questions, 319 items
    assert "(ยังไม่ได้ตอบ)" not in "".join(p.extract_text() for p in reader.pages[1:40])
