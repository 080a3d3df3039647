"""Which assessment cycle and which criteria edition a page, a job or an export works on.

The current cycle is the one an administrator made current (at most one is). The
criteria edition of a cycle is the cycle's own `criteria_version`, fixed when the cycle
is created (and checked then to be loaded), so a cycle stays on the edition it is assessed
against when a newer one arrives. CRITERIA_VERSION from the configuration is only the
edition a new cycle starts with, and the one the criteria pages show while no cycle is
current. Categories 1–6 (checklists) and 7 (result metrics) both read the edition through
criteria_edition(cycle), so a dashboard or an export never mixes two editions.
Everything else asks this module; nothing else reads CRITERIA_VERSION."""
from flask import current_app
from sqlalchemy import select

from portal.errors import Refused
from portal.extensions import db
from portal.models import AssessmentCycle, Category

NO_CURRENT_CYCLE = "ยังไม่ได้กำหนดรอบการประเมินปัจจุบัน กรุณาติดต่อผู้ดูแลระบบ"


def all_cycles() -> list[AssessmentCycle]:
    """Every cycle, newest first (the cycles page and the search filter)."""
    return list(db.session.scalars(select(AssessmentCycle).order_by(AssessmentCycle.fiscal_year.desc())))


def previous_cycle(cycle: AssessmentCycle) -> AssessmentCycle | None:
    """The latest cycle before this one: where carry-over starts from."""
    return db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.fiscal_year < cycle.fiscal_year)
                             .order_by(AssessmentCycle.fiscal_year.desc()).limit(1))


def current_cycle_or_none() -> AssessmentCycle | None:
    return db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current))


def current_cycle() -> AssessmentCycle:
    """The current cycle; Refused (409, Thai reason) while an administrator has set none."""
    cycle = current_cycle_or_none()
    if cycle is None:
        raise Refused(409, NO_CURRENT_CYCLE)
    return cycle


def in_current_cycle(cycle_id_column):
    """The same question inside one SQL statement, e.g. the unread badge on every page."""
    return cycle_id_column.in_(select(AssessmentCycle.id).where(AssessmentCycle.is_current))


def configured_edition() -> str:
    """The edition new cycles start with and `flask criteria load` reads from criteria/."""
    return current_app.config["CRITERIA_VERSION"]


def criteria_edition(cycle: AssessmentCycle | None = None) -> str:
    """The cycle's edition; without a cycle, the current cycle's, or the configured one."""
    cycle = cycle or current_cycle_or_none()
    return cycle.criteria_version if cycle is not None and cycle.criteria_version else configured_edition()


def edition_loaded(edition: str) -> bool:
    return db.session.scalar(select(Category.id).where(Category.version == edition).limit(1)) is not None
