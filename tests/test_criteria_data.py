"""The criteria data against the guide: every sub-item, item counts, clean Thai."""
import re
from collections import defaultdict

import pytest
import yaml
from pythainlp.corpus import thai_words
from pythainlp.tokenize import word_tokenize

from portal.config import PROJECT_ROOT

FOLDER = PROJECT_ROOT / "criteria" / "pmqa-4.0"
CATEGORIES = {c: yaml.safe_load((FOLDER / f"category-{c}.yaml").read_text(encoding="utf-8")) for c in range(1, 8)}
SUB_ITEMS = [s for c in range(1, 7) for s in CATEGORIES[c]["sub_items"]]

# (B, RB, A, RA, S, RS) counted in the guide's checklist pages.
EXPECTED_COUNTS = {
    "1.1": (4, 3, 4, 3, 3, 2), "1.2": (5, 3, 5, 1, 1, 2), "1.3": (3, 2, 3, 1, 1, 2), "1.4": (3, 1, 3, 2, 2, 2),
    "2.1": (3, 3, 3, 1, 2, 2), "2.2": (2, 2, 1, 1, 1, 1), "2.3": (2, 2, 2, 1, 4, 2), "2.4": (5, 1, 4, 1, 2, 1),
    "3.1": (3, 2, 3, 2, 3, 2), "3.2": (2, 2, 2, 1, 2, 2), "3.3": (3, 1, 3, 1, 4, 1), "3.4": (2, 2, 3, 2, 2, 2),
    "4.1": (4, 2, 2, 1, 3, 2), "4.2": (3, 1, 2, 1, 2, 1), "4.3": (3, 1, 2, 1, 2, 2), "4.4": (4, 1, 2, 2, 1, 2),
    "5.1": (6, 3, 4, 2, 3, 2), "5.2": (3, 2, 4, 1, 2, 1), "5.3": (2, 1, 3, 1, 2, 1), "5.4": (3, 2, 3, 2, 2, 3),
    "6.1": (5, 1, 3, 1, 4, 2), "6.2": (3, 1, 2, 1, 3, 2), "6.3": (4, 1, 3, 1, 2, 1), "6.4": (3, 1, 3, 1, 2, 1),
}
PREFIXES = ("B", "RB", "A", "RA", "S", "RS")


def all_text(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for child in value.values():
            yield from all_text(child)
    elif isinstance(value, list):
        for child in value:
            yield from all_text(child)


def test_every_sub_item_is_present_in_order():
    assert [s["code"] for s in SUB_ITEMS] == [f"{c}.{s}" for c in range(1, 7) for s in range(1, 5)]


@pytest.mark.parametrize("sub_item", SUB_ITEMS, ids=[s["code"] for s in SUB_ITEMS])
def test_item_codes_are_contiguous_and_counts_match_the_guide(sub_item):
    numbers = defaultdict(list)
    for item in sub_item["items"]:
        prefix, number = re.fullmatch(r"(R?[BAS])(\d+)", item["code"]).groups()
        numbers[prefix].append(int(number))
    for prefix, found in numbers.items():
        assert found == list(range(1, len(found) + 1)), (prefix, found)
    assert tuple(len(numbers[p]) for p in PREFIXES) == EXPECTED_COUNTS[sub_item["code"]]
    assert sub_item["title"] and sub_item["questions"]
    assert all(sub_item["meaning"][level] for level in ("basic", "advance", "significance"))


def test_total_item_count():
    assert sum(len(s["items"]) for s in SUB_ITEMS) == 318


def test_no_split_sara_am_or_stray_marks_left_anywhere():
    for category in CATEGORIES.values():
        for text in all_text(category):
            assert not re.search(r"[\u0e01-\u0e2e][\u0e48-\u0e4b]?\s+\u0e32", text), text
            assert not re.search(r"\s[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]", text), text


def test_item_texts_are_dictionary_words():
    words = set(thai_words())
    tokens = [t for s in SUB_ITEMS for i in s["items"]
              for t in word_tokenize(i["text"], engine="newmm", keep_whitespace=False)
              if re.fullmatch(r"[\u0e01-\u0e2e\u0e30-\u0e4e]+", t)]
    share = sum(t in words for t in tokens) / len(tokens)
    assert share >= 0.99, share


def test_no_page_artefacts():
    for category in CATEGORIES.values():
        for text in all_text(category):
            assert "@pawanakku" not in text and "C h e c k" not in text
            assert not re.search(r"[\u0e00-\u0e7f]\s?\d{1,2}$", text) or "ปี" in text[-8:], text


def test_guide_inconsistencies_are_recorded():
    notes = {s["code"]: " ".join(s["notes"]) for s in SUB_ITEMS}
    assert "RS1" in notes["3.2"] and "SA1" in notes["6.2"] and notes["6.4"]


def test_category_7_mandatory_marks():
    dims = CATEGORIES[7]["dimensions"]
    assert [d["code"] for d in dims] == ["7.1", "7.2", "7.3", "7.4", "7.5", "7.6"]
    mission = dims[0]["groups"][0]
    assert mission["mandatory"] and (mission["min_metrics"], mission["max_metrics"]) == (2, 3)
    by_code = {g["code"]: g for d in dims for g in d["groups"]}
    assert by_code["7.2.2"]["applies_to"] == ["service_unit"]
    assert by_code["7.2.4"]["applies_to"] == ["policy_unit"]
    indicator_tags = {i["text"]: i["applies_to"] for i in by_code["7.6.3"]["mandatory_indicators"]}
    assert sorted(map(tuple, indicator_tags.values())) == [("department",), ("province", "public_org")]


def test_scoring_bands_are_ordered_and_follow_the_text():
    scoring = yaml.safe_load((PROJECT_ROOT / "criteria" / "scoring.yaml").read_text(encoding="utf-8"))
    bands = scoring["result_bands"]
    assert [b["level"] for b in bands] == ["below_basic", "basic", "advance", "significance"]
    assert bands[1]["to"] == 5 and bands[1]["to_inclusive"] and not bands[2]["from_inclusive"]
    assert scoring["process_points"] == {"below_basic": 0, "basic": 300, "advance": 400, "significance": 500}
