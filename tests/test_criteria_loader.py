"""The schema check: a broken criteria file fails with a message naming file, path and field."""
import shutil

import pytest
import yaml

from portal.config import PROJECT_ROOT
from portal.criteria.loader import CriteriaError, load_criteria

REAL_CRITERIA = PROJECT_ROOT / "criteria"


@pytest.fixture
def criteria_copy(tmp_path):
    shutil.copytree(REAL_CRITERIA, tmp_path / "criteria")
    return tmp_path / "criteria"


def edit(file, change):
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    change(data)
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def error_for(criteria_dir) -> str:
    with pytest.raises(CriteriaError) as caught:
        load_criteria(criteria_dir)
    return str(caught.value)


def test_real_criteria_load():
    criteria = load_criteria(REAL_CRITERIA)
    assert criteria.version == "pmqa-4.0"
    assert [c.code for c in criteria.process] == ["1", "2", "3", "4", "5", "6"]
    assert criteria.results.code == "7"
    assert criteria.sub_item("2.3").code == "2.3"


def test_missing_field_names_file_path_and_field(criteria_copy):
    file = criteria_copy / "pmqa-4.0" / "category-3.yaml"
    edit(file, lambda d: d["sub_items"][1]["items"][2].pop("text"))
    message = error_for(criteria_copy)
    assert "category-3.yaml" in message
    assert "sub_items[1].items[2].text" in message


def test_code_that_disagrees_with_its_level_is_rejected(criteria_copy):
    file = criteria_copy / "pmqa-4.0" / "category-1.yaml"
    edit(file, lambda d: d["sub_items"][0]["items"][0].update(code="A1"))
    message = error_for(criteria_copy)
    assert "category-1.yaml: sub_items[0].items[0]" in message and "A1" in message


def test_unknown_level_is_rejected(criteria_copy):
    file = criteria_copy / "pmqa-4.0" / "category-2.yaml"
    edit(file, lambda d: d["sub_items"][0]["items"][0].update(level="expert"))
    assert "sub_items[0].items[0].level" in error_for(criteria_copy)


def test_unknown_key_is_rejected_so_typos_do_not_vanish(criteria_copy):
    file = criteria_copy / "pmqa-4.0" / "category-4.yaml"
    edit(file, lambda d: d["sub_items"][0].update(titel="สะกดผิด"))
    assert "sub_items[0].titel" in error_for(criteria_copy)


def test_duplicate_item_code_is_rejected(criteria_copy):
    file = criteria_copy / "pmqa-4.0" / "category-5.yaml"
    edit(file, lambda d: d["sub_items"][0]["items"].append(dict(d["sub_items"][0]["items"][0])))
    assert "ซ้ำ" in error_for(criteria_copy)


def test_metric_group_in_the_wrong_dimension_is_rejected(criteria_copy):
    file = criteria_copy / "pmqa-4.0" / "category-7.yaml"
    edit(file, lambda d: d["dimensions"][0]["groups"][0].update(code="7.2.9"))
    message = error_for(criteria_copy)
    assert "category-7.yaml: dimensions[0]" in message and "7.2.9" in message


def test_wrong_version_is_rejected(criteria_copy):
    file = criteria_copy / "pmqa-4.0" / "category-6.yaml"
    edit(file, lambda d: d.update(version="pmqa-3.0"))
    assert "category-6.yaml: version" in error_for(criteria_copy)


def test_missing_file_is_named(criteria_copy):
    (criteria_copy / "pmqa-4.0" / "category-7.yaml").unlink()
    assert "category-7.yaml: ไม่พบไฟล์" in error_for(criteria_copy)


def test_invalid_yaml_is_named(criteria_copy):
    (criteria_copy / "pmqa-4.0" / "category-2.yaml").write_text("code: [unclosed", encoding="utf-8")
    assert "category-2.yaml: อ่านไฟล์ YAML ไม่ได้" in error_for(criteria_copy)


def test_cli_check_reports_the_broken_file(app, criteria_copy):
    file = criteria_copy / "pmqa-4.0" / "category-3.yaml"
    edit(file, lambda d: d["sub_items"][0].pop("title"))
    runner = app.test_cli_runner()
    original = app.config["CRITERIA_DIR"]
    app.config["CRITERIA_DIR"] = str(criteria_copy)
    try:
        result = runner.invoke(args=["criteria", "check"])
    finally:
        app.config["CRITERIA_DIR"] = original
    assert result.exit_code == 1
    assert "category-3.yaml: sub_items[0].title" in result.output


def test_a_question_with_dots_that_are_not_a_blank_is_rejected(criteria_copy):
    file = criteria_copy / "pmqa-4.0" / "category-5.yaml"
    edit(file, lambda d: d["sub_items"][2]["questions"][0].update(text="ปัจจัย ได้แก่..........."))
    message = error_for(criteria_copy)
    assert "sub_items[2].questions[0]" in message and "……" in message


def test_an_empty_question_bullet_is_rejected(criteria_copy):
    file = criteria_copy / "pmqa-4.0" / "category-1.yaml"
    edit(file, lambda d: d["sub_items"][0]["questions"][0]["bullets"].append(" "))
    assert "1.1.1" in error_for(criteria_copy)


def test_a_glossary_note_needs_its_definition(criteria_copy):
    file = criteria_copy / "pmqa-4.0" / "category-6.yaml"
    edit(file, lambda d: d["sub_items"][3]["glossary"][0].pop("definition"))
    assert "sub_items[3].glossary[0].definition" in error_for(criteria_copy)


def test_an_item_for_an_unknown_agency_type_is_rejected(criteria_copy):
    file = criteria_copy / "pmqa-4.0" / "category-2.yaml"
    edit(file, lambda d: d["sub_items"][2]["items"][10].update(applies_to=["จังหวัด"]))
    assert "sub_items[2].items[10].applies_to[0]" in error_for(criteria_copy)


def test_split_blanks_gives_the_pieces_of_a_question_in_order():
    from portal.criteria.schema import split_blanks

    assert split_blanks("ภารกิจที่ 1 คือ …… และขีดความสามารถ คือ ……") == [
        ("ภารกิจที่ 1 คือ ", False), ("", True), (" และขีดความสามารถ คือ ", False), ("", True)]
    assert split_blanks("ไม่มีช่องว่าง") == [("ไม่มีช่องว่าง", False)]
