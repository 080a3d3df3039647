"""Carry-over actions: start from the previous cycle (from the dashboard), confirm carried
evidence per item (answered with the item's panel) or all at once."""
from flask import flash, make_response, url_for
from flask_login import current_user

from portal.access import agency_or_404
from portal.actions import act
from portal.carryover import bp
from portal.carryover import operations as ops
from portal.evidence.panels import panel
from portal.evidence.queries import item_or_404, item_url


def _dashboard(agency_id: int) -> str:
    return url_for("agencies.show", agency_id=agency_id) + "#carry-over"


def _to_dashboard(agency_id: int):
    """The dashboard's forms are plain posts; an htmx one (a boosted form) is sent there too."""
    def show(text: str, _result):
        flash(text, "success")
        return make_response("", 204, {"HX-Redirect": _dashboard(agency_id)})
    return show


@bp.post("/agencies/<int:agency_id>/carry-over")
def carry_over(agency_id: int):
    agency = agency_or_404(agency_id)
    return act(lambda: ops.carry_over(agency, current_user),
               lambda carried: (f"นำข้อมูลจากปีก่อนมาแล้ว: คำตอบ {carried.answers} ข้อ หลักฐาน {carried.evidence} รายการ"
                                f" (รอยืนยัน) ตัวชี้วัดหมวด 7 {carried.metrics} ตัว"
                                + (f" แผนปรับปรุงที่ยังไม่แล้วเสร็จ {carried.plans} รายการ" if carried.plans else "")),
               back=_dashboard(agency.id), show=_to_dashboard(agency.id))


@bp.post("/agencies/<int:agency_id>/carried/confirm")
def confirm_all(agency_id: int):
    agency = agency_or_404(agency_id)
    return act(lambda: ops.confirm(agency, current_user), lambda count: f"ยืนยันหลักฐานจากปีก่อนแล้ว {count} รายการ",
               back=_dashboard(agency.id), show=_to_dashboard(agency.id))


@bp.post("/agencies/<int:agency_id>/items/<int:item_id>/carried/confirm")
def confirm_item(agency_id: int, item_id: int):
    agency, item = agency_or_404(agency_id), item_or_404(item_id)
    return act(lambda: ops.confirm(agency, current_user, item),
               lambda count: f"ยืนยันหลักฐานจากปีก่อนของรายการ {item.code} แล้ว {count} รายการ",
               show=lambda text, _: panel(agency, item, message=text),
               form=lambda refusal: panel(agency, item, status=refusal.status, error=refusal.message),
               back=item_url(agency.id, item), trigger="coverage-changed", full_page=True)
