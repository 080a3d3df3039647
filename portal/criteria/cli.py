"""`flask criteria load|dump|check`: keep the database in step with criteria/."""
import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal import cycles
from portal.criteria.loader import CriteriaError, load_criteria
from portal.criteria.store import sync_criteria
from portal.criteria.textcheck import find_damage
from portal.extensions import db
from portal.models import Category

criteria_cli = AppGroup("criteria", help="เกณฑ์ PMQA 4.0: ตรวจ โหลด และส่งออก")


def _read_files():
    try:
        return load_criteria(current_app.config["CRITERIA_DIR"], cycles.configured_edition())
    except CriteriaError as error:
        click.echo(f"ไฟล์เกณฑ์ไม่ถูกต้อง:\n{error}", err=True)
        sys.exit(1)


@criteria_cli.command("check")
def check_command():
    """Validate the criteria files and look for extraction damage in every text, without
    touching the database."""
    criteria = _read_files()
    damaged = [(where, finding) for where, text in criteria.texts() for finding in find_damage(text)]
    for where, finding in damaged:
        click.echo(f"{where}: {finding.describe()}", err=True)
    if damaged:
        click.echo(f"พบข้อความที่เพี้ยนจากการแปลงข้อความ {len(damaged)} จุด", err=True)
        sys.exit(1)
    items = sum(len(s.items) for c in criteria.process for s in c.sub_items)
    click.echo(f"{criteria.version}: หมวด 1–7 ถูกต้อง, {items} รายการตรวจสอบ, ไม่พบข้อความเพี้ยน")


@criteria_cli.command("load")
def load_command():
    """Load or update the criteria in the database (idempotent)."""
    report = sync_criteria(_read_files())
    for line in report.details:
        click.echo(line)
    click.echo(
        f"เพิ่ม {report.created}, แก้ไข {report.updated}, ลบ {report.removed}, "
        f"คงเดิม {report.unchanged}"
    )


def dump_criteria(version: str) -> dict:
    """The criteria as stored, in the same shape as the YAML files."""
    categories = db.session.scalars(
        select(Category).where(Category.version == version).order_by(Category.position)
    )
    out = {"version": version, "categories": []}
    for c in categories:
        entry = {"code": c.code, "title": c.title, "notes": c.notes}
        if c.dimensions:
            entry |= {
                "reporting_rules": c.reporting_rules, "scoring_rule": c.scoring_rule or "",
                "mandatory_legend": c.mandatory_legend or "",
                "dimensions": [
                    {"code": d.code, "title": d.title, "description": d.description,
                     "notes": d.notes,
                     "groups": [
                         {"code": g.code, "title": g.title, "description": g.description,
                          "examples": g.examples, "mandatory": g.mandatory,
                          "applies_to": g.applies_to, "min_metrics": g.min_metrics,
                          "max_metrics": g.max_metrics,
                          "mandatory_indicators": g.mandatory_indicators, "notes": g.notes}
                         for g in d.groups]}
                    for d in c.dimensions],
            }
        else:
            entry["intent"] = c.intent
            entry["sub_items"] = [
                {"code": s.code, "title": s.title, "intent": s.intent,
                 "questions": [{"code": q.code, "text": q.text, "bullets": q.bullets}
                               for q in s.questions],
                 "guidance": s.guidance, "glossary": s.glossary, "meaning": s.meaning,
                 "items": [{"code": i.code, "level": i.level, "kind": i.kind, "text": i.text,
                            "applies_to": i.applies_to}
                           for i in s.items],
                 "notes": s.notes}
                for s in c.sub_items]
        out["categories"].append(entry)
    return out


@criteria_cli.command("dump")
@click.option("--version", default=None, help="รุ่นของเกณฑ์ (ค่าเริ่มต้น: รุ่นที่ใช้อยู่)")
def dump_command(version):
    """Print the criteria stored in the database as JSON."""
    version = version or cycles.criteria_edition()
    data = dump_criteria(version)
    if not data["categories"]:
        click.echo(f"ยังไม่ได้โหลดเกณฑ์รุ่น {version}: รัน flask criteria load ก่อน", err=True)
        sys.exit(1)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
