"""Loading criteria into the database is idempotent, keeps ids, and round-trips to JSON."""
import json

from sqlalchemy import func, select

from portal.config import PROJECT_ROOT
from portal.criteria.cli import dump_criteria
from portal.criteria.loader import load_criteria
from portal.criteria.store import sync_criteria
from portal.extensions import db
from portal.models import ChecklistItem, SubItem


def test_loading_twice_changes_nothing(app_ctx):
    criteria = load_criteria(PROJECT_ROOT / "criteria")
    report = sync_criteria(criteria)
    assert (report.created, report.updated, report.removed) == (0, 0, 0)
    assert report.unchanged > 300


def test_every_sub_item_and_item_is_stored(app_ctx):
    codes = set(db.session.scalars(select(SubItem.code)))
    assert codes == {f"{c}.{s}" for c in range(1, 7) for s in range(1, 5)}
    criteria = load_criteria(PROJECT_ROOT / "criteria")
    expected = sum(len(s.items) for c in criteria.process for s in c.sub_items)
    assert db.session.scalar(select(func.count(ChecklistItem.id))) == expected


def test_a_corrected_text_updates_in_place_and_keeps_the_id(app_ctx):
    criteria = load_criteria(PROJECT_ROOT / "criteria")
    item = criteria.sub_item("1.1").items[0]
    row = db.session.scalar(
        select(ChecklistItem).join(SubItem).where(SubItem.code == "1.1", ChecklistItem.code == item.code)
    )
    row_id, original = row.id, item.text
    try:
        item.text = original + " (แก้ไข)"
        report = sync_criteria(criteria)
        assert report.updated == 1 and report.created == 0
        assert db.session.get(ChecklistItem, row_id).text.endswith("(แก้ไข)")
    finally:
        item.text = original
        sync_criteria(criteria)
    assert db.session.get(ChecklistItem, row_id).text == original


def test_dump_equals_the_files(app_ctx):
    criteria = load_criteria(PROJECT_ROOT / "criteria")
    dumped = dump_criteria("pmqa-4.0")
    from_files = [c.model_dump(exclude={"version"}) for c in criteria.process]
    from_files.append(criteria.results.model_dump(exclude={"version"}))
    assert dumped["categories"] == from_files


def test_cli_load_and_dump(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["criteria", "load"])
    assert result.exit_code == 0 and "เพิ่ม 0, แก้ไข 0, ลบ 0" in result.output
    result = runner.invoke(args=["criteria", "dump"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [c["code"] for c in data["categories"]] == ["1", "2", "3", "4", "5", "6", "7"]
    assert "กำหนด" in result.output  # Thai printed as Thai, not \\u escapes
