"""`flask assessment assign …` and `flask assessment teams`: the admin tab's team changes
from the command line (portal.assessment.teams), audited alike; exit code 2 on bad input."""
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal import cycles
from portal.assessment import teams as ops
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, AssessmentCycle, User

assessment_cli = AppGroup("assessment", help="ทีมผู้ประเมินของส่วนราชการ")


def _fail(message: str):
    click.echo(f"ผิดพลาด: {message}", err=True)
    db.session.rollback()
    sys.exit(2)


def _cycle(fiscal_year: int | None) -> AssessmentCycle:
    if fiscal_year is None:
        cycle = cycles.current_cycle_or_none()
        if cycle is None:
            _fail(cycles.NO_CURRENT_CYCLE + " (หรือระบุ --cycle ปีงบประมาณ)")
        return cycle
    cycle = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.fiscal_year == fiscal_year))
    if cycle is None:
        _fail(f"ไม่พบรอบการประเมินปีงบประมาณ {fiscal_year}")
    return cycle


@assessment_cli.command("assign")
@click.argument("agency_code")
@click.argument("username")
@click.option("--lead", is_flag=True, help="ตั้งเป็นหัวหน้าทีม (หัวหน้าเดิมพ้นหน้าที่)")
@click.option("--cycle", "fiscal_year", type=int, help="ปีงบประมาณ (ไม่ระบุ = รอบปัจจุบัน)")
def assign(agency_code, username, lead, fiscal_year):
    """Put an assessor on an agency's team (with --lead: as its lead)."""
    cycle = _cycle(fiscal_year)
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code.strip().upper()))
    if agency is None:
        _fail(f"ไม่พบส่วนราชการรหัส {agency_code}")
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        _fail(f"ไม่พบผู้ใช้ {username}")
    try:
        assignment = ops.assign(agency, cycle, user, lead=lead)
    except Refused as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"{user.username} อยู่ในทีมของ {agency.code} รอบปี {cycle.fiscal_year}"
               + (" (หัวหน้าทีม)" if assignment.is_lead else ""))


@assessment_cli.command("teams")
@click.option("--cycle", "fiscal_year", type=int, help="ปีงบประมาณ (ไม่ระบุ = รอบปัจจุบัน)")
def list_teams(fiscal_year):
    """Every active agency with its team, lead first."""
    cycle = _cycle(fiscal_year)
    teams = ops.teams_by_agency(cycle)
    click.echo(f"ทีมผู้ประเมิน รอบปีงบประมาณ {cycle.fiscal_year}")
    for agency in db.session.scalars(select(Agency).where(Agency.active).order_by(Agency.code)):
        members = teams.get(agency.id, [])
        names = ", ".join(f"{m.assessor.username}{' (หัวหน้าทีม)' if m.is_lead else ''}" for m in members)
        click.echo(f"{agency.code:<14} {names or 'ยังไม่มีทีม'}")
