"""The report as DOCX (agencies finish documents in Word): the same content as the PDF,
headings Word's navigation pane lists, Thai set as complex script so Word uses the font
and size given (TH Sarabun New when installed, Sarabun otherwise), page numbers in the
footer, agency and cycle in the header."""
import io
from datetime import datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from portal.reports.content import ReportContent
from portal.thai.dates import format_thai_datetime

FONT = "TH Sarabun New"
BODY_PT, SMALL_PT = 15, 13  # Thai fonts run small: 15 pt TH Sarabun reads as 11 pt Latin
GREY, RED = RGBColor(0x44, 0x44, 0x44), RGBColor(0xB9, 0x1C, 0x1C)


def _font(style_or_run, size: float, bold: bool | None = None) -> None:
    font = style_or_run.font
    font.name, font.size = FONT, Pt(size)
    if bold is not None:
        font.bold = bold
    element = style_or_run.element
    properties = element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    size_cs = properties.find(qn("w:szCs"))
    if size_cs is None:
        size_cs = OxmlElement("w:szCs")
        properties.append(size_cs)
    size_cs.set(qn("w:val"), str(int(size * 2)))


def _page_number(paragraph) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
        else:
            field = OxmlElement("w:instrText")
            field.set(qn("xml:space"), "preserve")
            field.text = text
        run._r.append(field)


def _para(document, text: str, size: float = BODY_PT, bold: bool = False, color=None, indent: float = 0):
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.left_indent = Pt(indent)
    paragraph.paragraph_format.space_after = Pt(2)
    run = paragraph.add_run(text)
    _font(run, size, bold)
    if color is not None:
        run.font.color.rgb = color
    return paragraph


def _document(running: str):
    """A document with the portal's fonts, the running header and page numbers."""
    document = Document()
    for name, size in (("Normal", BODY_PT), ("Title", 26), ("Heading 1", 22), ("Heading 2", 18), ("Heading 3", 16)):
        _font(document.styles[name], size)
    section = document.sections[0]
    header = section.header.paragraphs[0]
    _font(header.add_run(running), SMALL_PT)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(footer.add_run("หน้า "), SMALL_PT)
    _page_number(footer)
    return document


def _saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_docx(content: ReportContent) -> bytes:
    document = _document(f"{content.agency_name} · ปีงบประมาณ พ.ศ. {content.fiscal_year}" + (
        " · ฉบับร่าง" if content.draft else ""))
    document.add_heading("รายงานการประเมินตนเอง", level=0)
    _para(document, "ตามเกณฑ์คุณภาพการบริหารจัดการภาครัฐ 4.0 (PMQA 4.0)")
    _para(document, content.agency_name, 20, bold=True)
    _para(document, f"ปีงบประมาณ พ.ศ. {content.fiscal_year}")
    if content.draft:
        _para(document, "ฉบับร่าง (ข้อมูลปัจจุบัน ยังไม่ได้ส่ง)", bold=True, color=RED)
    if content.submitted_at:
        by = f" โดย {content.submitted_by}" if content.submitted_by else ""
        _para(document, f"ส่งครั้งที่ {content.number} เมื่อ {format_thai_datetime(content.submitted_at)} น.{by}")
        _para(document, f"รหัสตรวจสอบ (SHA-256) {content.manifest}", SMALL_PT, color=GREY)
    _para(document, f"จัดทำเมื่อ {format_thai_datetime(content.generated_at)} น. · "
                    f"ตอบคำถามครบ {content.answered} จาก {content.questions} ข้อ", SMALL_PT, color=GREY)
    for category in content.categories:
        document.add_page_break()
        document.add_heading(f"หมวด {category.code} {category.title}", level=1)
        _para(document, f"ระดับที่ระบบคำนวณ: {category.level}", SMALL_PT, color=GREY)
        for sub in category.sub_items:
            document.add_heading(f"{sub.code} {sub.title}", level=2)
            claim = f" · ระดับที่ขอรับการประเมิน: {sub.claim}" if sub.claim else ""
            _para(document, f"ระดับที่ระบบคำนวณ: {sub.level}{claim}", SMALL_PT, color=GREY)
            document.add_heading("คำถามและคำตอบ", level=3)
            for q in sub.questions:
                _para(document, f"{q.code} {q.text}", bold=True)
                for label, text in q.parts:
                    prefix = f"{label} " if len(q.parts) > 1 else ""
                    _para(document, prefix + (text or "(ยังไม่ได้ตอบ)"), indent=14,
                          color=None if text else RED)
                for cite in q.citations:
                    _para(document, f"อ้างอิง {cite.label}", SMALL_PT, indent=14, color=GREY)
            for title, items in sub.levels:
                if not items:
                    continue
                document.add_heading(title, level=3)
                for item in items:
                    _para(document, f"{item.code} {item.text}")
                    if item.not_applicable:
                        _para(document, f"ไม่เกี่ยวข้อง — เหตุผล: {item.statement}", SMALL_PT, indent=18)
                    elif item.statement:
                        _para(document, f"ผลการดำเนินการ: {item.statement}", SMALL_PT, indent=18)
                    for evidence in item.evidence:
                        _para(document, f"หลักฐาน: {evidence.title} ({evidence.detail})", SMALL_PT, indent=18, color=GREY)
                    if not item.evidence and not item.not_applicable:
                        _para(document, "ยังไม่มีหลักฐาน", SMALL_PT, indent=18, color=RED)
    document.add_page_break()
    document.add_heading("หมวด 7 ผลลัพธ์การดำเนินการ", level=1)
    if content.metrics:
        table = document.add_table(rows=1, cols=7)
        table.style = "Table Grid"
        heads = ["กลุ่ม", "ตัวชี้วัด", "หน่วย", "ค่าเป้าหมาย", *(f"พ.ศ. {y}" for y in content.years)]
        for cell, text in zip(table.rows[0].cells, heads):
            _font(cell.paragraphs[0].add_run(text), SMALL_PT, bold=True)
        for metric in content.metrics:
            cells = table.add_row().cells
            values = [metric.group, metric.name, metric.unit, _number(metric.target), *map(_number, metric.values)]
            for cell, text in zip(cells, values):
                _font(cell.paragraphs[0].add_run(text), SMALL_PT)
    else:
        _para(document, "ยังไม่ได้รายงานตัวชี้วัด", color=RED)
    if content.submitted_at:
        _para(document, f"รับรองความถูกต้องและส่งทางระบบโดย {content.submitted_by} "
                        f"เมื่อ {format_thai_datetime(content.submitted_at)} น.")
    for line in ("", "ลงชื่อ ........................................................ ผู้มีอำนาจลงนาม",
                 "( ........................................................ )",
                 f"ตำแหน่ง หัวหน้าส่วนราชการ {content.agency_name}", "วันที่ ........ / ........ / ........"):
        _para(document, line)
    return _saved(document)


def _findings(document, title: str, findings: list[dict]) -> None:
    _para(document, title, bold=True)
    if not findings:
        _para(document, "—", indent=14, color=GREY)
    for finding in findings:
        _para(document, f"• {finding['text']}", indent=14)
        if finding["refs"]:
            _para(document, "อ้างอิง " + ", ".join(finding["refs"]), SMALL_PT, indent=28, color=GREY)


def _judged(document, entry: dict) -> None:
    points = f" · คะแนน {entry['points']}" if entry["points"] is not None else ""
    _para(document, f"ระดับตามฉันทามติ: {entry['level_label']}{points}", bold=True)
    _findings(document, "จุดแข็ง", entry["strengths"])
    _findings(document, "โอกาสในการปรับปรุง", entry["ofis"])


def render_feedback_docx(feedback: dict) -> bytes:
    """The published feedback (portal/assessment/publication.py), as the PDF says it."""
    agency, year = feedback["agency"]["name"], feedback["fiscal_year"]
    document = _document(f"{agency} · ปีงบประมาณ พ.ศ. {year} · ผลการประเมิน")
    document.add_heading("ผลการประเมินและข้อเสนอแนะ", level=0)
    _para(document, "ตามเกณฑ์คุณภาพการบริหารจัดการภาครัฐ 4.0 (PMQA 4.0)")
    _para(document, agency, 20, bold=True)
    _para(document, f"ปีงบประมาณ พ.ศ. {year}")
    if submission := feedback.get("submission"):
        _para(document, f"ประเมินจากรายงานที่ส่งครั้งที่ {submission['number']}", SMALL_PT, color=GREY)
    if feedback.get("published_at"):
        _para(document, f"เผยแพร่เมื่อ {format_thai_datetime(datetime.fromisoformat(feedback['published_at']))} น. "
                        f"โดย {feedback['published_by']}", SMALL_PT, color=GREY)
    for category in feedback["categories"]:
        document.add_page_break()
        document.add_heading(f"หมวด {category['code']} {category['title']}", level=1)
        _judged(document, category)
        for sub in category["sub_items"]:
            document.add_heading(f"{sub['code']} {sub['title']}", level=2)
            _judged(document, sub)
    return _saved(document)


def _number(value) -> str:
    return "—" if value is None else f"{value:,.4f}".rstrip("0").rstrip(".")
