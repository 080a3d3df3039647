"""The agency's checklist for submission: every item with its evidence, review status and
shared comments, the computed levels in both views, as rows for the workbook and the
printable report. Internal reviewer threads never appear here."""
from dataclasses import dataclass, field
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from portal import cycles
from portal.coverage.levels import VIEWS, Item
from portal.coverage.queries import done_item_ids, process_categories
from portal.coverage.report import CategoryReport, agency_report
from portal.coverage.scoring import scoring_rules
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, Comment, CommentThread, ItemReview, ResultMetric
from portal.models.review import STATUS_LABELS
from portal.models.evidence import Evidence, EvidenceAttachment
from portal.results.queries import dimensions, metrics_of, report_for
from portal.results.rules import agency_tags, fiscal_years
from portal.templating import REACHED_LABELS
from portal.thai.dates import format_thai_datetime


@dataclass
class ItemRow:
    category_code: str
    sub_item_code: str
    item: Item
    evidence: list[Evidence] = field(default_factory=list)
    review: ItemReview | None = None
    comments: list[Comment] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.evidence)


@dataclass
class Submission:
    agency: Agency
    cycle: AssessmentCycle
    reports: dict[str, tuple[CategoryReport, ...]]
    rows: list[ItemRow]
    results: list["MetricRow"]
    result_problems: list


def build_submission(agency: Agency, cycle: AssessmentCycle) -> Submission:
    categories = process_categories(cycles.criteria_edition(cycle))
    points = scoring_rules().process_points
    tags = agency_tags(agency.kind, agency.unit_type)
    reports = {view: agency_report(categories, done_item_ids(agency.id, cycle.id, view), points, tags)
               for view in VIEWS}
    evidence_by_item: dict[int, list[Evidence]] = {}
    for item_id, evidence in db.session.execute(
        select(EvidenceAttachment.checklist_item_id, Evidence)
        .join(Evidence, EvidenceAttachment.evidence_id == Evidence.id)
        .where(Evidence.agency_id == agency.id, Evidence.cycle_id == cycle.id, Evidence.deleted_at.is_(None))
        .order_by(EvidenceAttachment.created_at, EvidenceAttachment.id)
    ).all():
        evidence_by_item.setdefault(item_id, []).append(evidence)
    reviews = {r.checklist_item_id: r for r in db.session.scalars(
        select(ItemReview).where(ItemReview.agency_id == agency.id, ItemReview.cycle_id == cycle.id))}
    comments_by_item: dict[int, list[Comment]] = {}
    for item_id, comment in db.session.execute(
        select(CommentThread.checklist_item_id, Comment)
        .join(Comment, Comment.thread_id == CommentThread.id)
        .where(CommentThread.agency_id == agency.id, CommentThread.cycle_id == cycle.id,
               CommentThread.visibility == "shared", Comment.deleted_at.is_(None))
        .order_by(Comment.id)
    ).all():
        comments_by_item.setdefault(item_id, []).append(comment)
    # Items for other agency types are not the agency's to submit.
    rows = [ItemRow(category.code, sub.code, item, evidence_by_item.get(item.id, []),
                    reviews.get(item.id), comments_by_item.get(item.id, []))
            for category in categories for sub in category.sub_items for item in sub.items_for(tags)]
    results, problems = results_rows(agency, cycle)
    return Submission(agency, cycle, reports, rows, results, problems)


def evidence_line(evidence: Evidence) -> str:
    if evidence.kind == "link":
        return f"{evidence.title} — {evidence.url}"
    version = evidence.current_version
    return f"{evidence.title} — {version.original_name}" if version else evidence.title


def comment_line(comment: Comment) -> str:
    author = comment.author.display_name if comment.author else "ผู้ใช้ที่ถูกลบ"
    return f"{author} ({format_thai_datetime(comment.created_at)}): {comment.body}"


HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
WRAP = Alignment(wrap_text=True, vertical="top")


def _sheet(workbook: Workbook, title: str, headers: list[str], widths: list[int]):
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        cell = sheet.cell(row=1, column=column)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    sheet.freeze_panes = "A2"
    return sheet


def _summary_sheet(workbook: Workbook, submission: Submission) -> None:
    sheet = _sheet(workbook, "สรุประดับ",
                   ["หมวด/หัวข้อ", "ชื่อ", *[f"{label}: ระดับ" for label in VIEWS.values()],
                    *[f"{label}: คะแนน" for label in VIEWS.values()], "รายการที่มีหลักฐาน", "รายการทั้งหมด",
                    "ร้อยละที่มีหลักฐาน"],
                   [12, 50, 22, 22, 14, 14, 12, 12, 12])
    covered, accepted = submission.reports["covered"], submission.reports["accepted"]
    for by_cov, by_acc in zip(covered, accepted):
        pairs = [(f"หมวด {by_cov.category.code}", by_cov.category.title, by_cov.outcome, by_acc.outcome, True)]
        pairs += [(s.sub_item.code, s.sub_item.title, s.outcome, a.outcome, False)
                  for s, a in zip(by_cov.sub_items, by_acc.sub_items)]
        for code, title, cov, acc, is_category in pairs:
            sheet.append([code, title, REACHED_LABELS[cov.level], REACHED_LABELS[acc.level],
                          cov.points, acc.points, cov.done, cov.total, cov.percent])
            if is_category:
                for cell in sheet[sheet.max_row]:
                    cell.font = Font(bold=True)
    sheet.append([])
    sheet.append(["หมายเหตุ", "ระดับและคะแนนคำนวณโดยระบบ ตามกติกาใน criteria/scoring.yaml"])


def _checklist_sheet(workbook: Workbook, submission: Submission) -> None:
    sheet = _sheet(workbook, "รายการตรวจสอบ",
                   ["หมวด", "หัวข้อ", "รหัส", "ระดับ", "รายการ", "มีหลักฐาน", "จำนวนหลักฐาน",
                    "หลักฐาน (ชื่อ — ไฟล์/ลิงก์)", "สถานะการพิจารณา", "ความเห็นที่แจ้งส่วนราชการ"],
                   [7, 8, 8, 14, 60, 10, 10, 60, 16, 60])
    level_names = {"basic": "Basic", "advance": "Advance", "significance": "Significance"}
    for row in submission.rows:
        sheet.append([
            row.category_code, row.sub_item_code, row.item.code, level_names[row.item.level], row.item.text,
            "มี" if row.covered else "ยังไม่มี", len(row.evidence),
            "\n".join(evidence_line(e) for e in row.evidence),
            STATUS_LABELS[row.review.status] if row.review else "ยังไม่พิจารณา",
            "\n".join(comment_line(c) for c in row.comments),
        ])
        for cell in sheet[sheet.max_row]:
            cell.alignment = WRAP
    sheet.auto_filter.ref = sheet.dimensions


@dataclass
class MetricRow:
    metric: ResultMetric
    achievement: float | None
    level: str | None
    points: int | None
    evidence: list[Evidence]


def results_rows(agency: Agency, cycle: AssessmentCycle) -> tuple[list[MetricRow], list]:
    """Category 7 in reporting order with each metric's score, and the reporting warnings."""
    metrics = metrics_of(agency.id, cycle.id)
    report = report_for(agency, cycle, metrics, dimensions(cycles.criteria_edition(cycle)))
    ordered = sorted(metrics, key=lambda m: (m.group.dimension.position, m.group.position, m.position, m.id))
    rows = []
    for metric in ordered:
        scored = report.scores[metric.id]
        rows.append(MetricRow(metric, round(scored.achievement, 2) if scored.achievement is not None else None,
                              scored.level, scored.points,
                              [link.evidence for link in metric.evidence_links if link.evidence.deleted_at is None]))
    return rows, report.problems


def _results_sheet(workbook: Workbook, submission: Submission) -> None:
    years = fiscal_years(submission.cycle.fiscal_year)
    sheet = _sheet(workbook, "หมวด 7 ผลลัพธ์",
                   ["มิติ", "กลุ่ม", "ตัววัด", "หน่วย", "ทิศทางที่ดี", "ค่าเป้าหมาย", *[f"ผล {y}" for y in years],
                    "ผลเทียบเป้าหมาย (%)", "ระดับ", "คะแนน", "หลักฐาน"],
                   [7, 8, 50, 10, 12, 12, 11, 11, 11, 14, 22, 8, 50])
    for row in submission.results:
        metric = row.metric
        sheet.append([
            metric.group.dimension.code, metric.group.code, metric.name, metric.unit,
            "มากดี" if metric.direction == "higher" else "น้อยดี", metric.target,
            metric.value_two_years_ago, metric.value_last_year, metric.value_this_year, row.achievement,
            REACHED_LABELS[row.level] if row.level else "คำนวณไม่ได้", row.points,
            "\n".join(evidence_line(e) for e in row.evidence),
        ])
        for cell in sheet[sheet.max_row]:
            cell.alignment = WRAP
    if submission.result_problems:
        sheet.append([])
        sheet.append(["ข้อควรแก้ตามเงื่อนไขการรายงาน"])
        for problem in submission.result_problems:
            sheet.append([problem.dimension_code or "", problem.group_code or "", problem.message])


def build_workbook(submission: Submission) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _summary_sheet(workbook, submission)
    _checklist_sheet(workbook, submission)
    _results_sheet(workbook, submission)
    workbook.properties.title = f"PMQA 4.0 {submission.agency.name} ปีงบประมาณ {submission.cycle.fiscal_year}"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
