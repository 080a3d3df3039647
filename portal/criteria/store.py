"""Copy validated criteria into the database; running it twice changes nothing.

Rows are matched by their codes, so ids (which evidence will point at) stay stable when a
text is corrected in the YAML. Rows whose code disappeared from the files are removed.
"""
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.criteria.loader import CriteriaSet
from portal.extensions import db
from portal.models import (
    Category,
    ChecklistItem,
    MetricGroup,
    Question,
    ResultDimension,
    SubItem,
)


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    details: list[str] = field(default_factory=list)


def _sync_children(report: SyncReport, existing: list, wanted: list[dict], factory, label: str):
    """Make `existing` (a relationship list) match `wanted` rows keyed by their code."""
    by_code = {row.code: row for row in existing}
    result = []
    for position, values in enumerate(wanted):
        values = {**values, "position": position}
        row = by_code.pop(values["code"], None)
        if row is None:
            row = factory(**values)
            report.created += 1
        else:
            changed = [k for k, v in values.items() if getattr(row, k) != v]
            for key in changed:
                setattr(row, key, values[key])
            if changed:
                report.updated += 1
                report.details.append(f"แก้ไข {label} {values['code']}: {', '.join(changed)}")
            else:
                report.unchanged += 1
        result.append(row)
    for code in by_code:
        report.removed += 1
        report.details.append(f"ลบ {label} {code}")
    existing[:] = result  # delete-orphan cascades remove what is gone
    return {row.code: row for row in result}


def sync_criteria(criteria: CriteriaSet) -> SyncReport:
    report = SyncReport()
    existing = list(
        db.session.scalars(select(Category).where(Category.version == criteria.version))
    )
    holder: list[Category] = list(existing)
    wanted = []
    for category in criteria.process:
        wanted.append({"code": category.code, "title": category.title, "intent": category.intent,
                       "notes": category.notes,
                       "reporting_rules": [], "scoring_rule": None, "mandatory_legend": None})
    results = criteria.results
    wanted.append({"code": results.code, "title": results.title, "intent": "", "notes": results.notes,
                   "reporting_rules": results.reporting_rules,
                   "scoring_rule": results.scoring_rule or None,
                   "mandatory_legend": results.mandatory_legend or None})
    categories = _sync_children(
        report, holder, wanted, lambda **v: Category(version=criteria.version, **v), "หมวด"
    )
    for row in categories.values():
        db.session.add(row)
    for gone in set(existing) - set(holder):
        db.session.delete(gone)

    for category in criteria.process:
        sub_items = _sync_children(
            report, categories[category.code].sub_items,
            [{"code": s.code, "title": s.title, "intent": s.intent,
              "guidance": s.guidance.model_dump(), "glossary": [g.model_dump() for g in s.glossary],
              "meaning": s.meaning.model_dump(), "notes": s.notes} for s in category.sub_items],
            SubItem, "หัวข้อ",
        )
        for data in category.sub_items:
            row = sub_items[data.code]
            _sync_children(report, row.questions,
                           [q.model_dump() for q in data.questions], Question, f"คำถาม {data.code}")
            _sync_children(report, row.items,
                           [i.model_dump() for i in data.items], ChecklistItem, f"รายการ {data.code}")

    dimensions = _sync_children(
        report, categories["7"].dimensions,
        [{"code": d.code, "title": d.title, "description": d.description, "notes": d.notes}
         for d in results.dimensions],
        ResultDimension, "มิติ",
    )
    for data in results.dimensions:
        _sync_children(report, dimensions[data.code].groups,
                       [g.model_dump() for g in data.groups], MetricGroup, "กลุ่มตัวชี้วัด")
    db.session.commit()
    return report
