"""Properties of the Thai repair on text no one here wrote: PyThaiNLP's Wikipedia titles,
names and dictionary words, clean and damaged as the guide is (portal/thai/damage.py).

The bench (`python -m bench.repair_bench`) measures the same at larger samples."""
import re
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythainlp.corpus import thai_family_names, thai_female_names, thai_male_names, thai_words

from bench.repair_bench import criteria_strings
from portal.thai.damage import damage_line, sample_phrases, sample_titles, wikipedia_titles
from portal.thai.marks import MARKS, evidence_count
from portal.thai.repair import repair_page

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


# PyThaiNLP's lists hold a few typos that break a spelling rule ("อาวุูธ", "หลัักคำ"):
# those are damage, so the clean examples leave them out (their share is tested below).
def spelled_right(items) -> list[str]:
    return sorted(item for item in items if not evidence_count(item))


@lru_cache(maxsize=1)
def titles() -> list[str]:
    return spelled_right(sample_titles(5000, seed=3))


@lru_cache(maxsize=1)
def words() -> list[str]:
    return spelled_right(thai_words())


@lru_cache(maxsize=1)
def names() -> list[str]:
    return spelled_right(thai_female_names() | thai_male_names() | thai_family_names())


def title():
    return st.sampled_from(titles())


def phrase():
    return st.lists(st.sampled_from(words()), min_size=2, max_size=6).map("".join)


def person():
    return st.tuples(st.sampled_from(names()), st.sampled_from(names())).map(" ".join)


def page_of(lines):
    return st.lists(lines, min_size=1, max_size=12).map("\n".join)


def letters(text: str) -> str:
    """What a repair may not change: the letters in order (marks, spaces and the split of
    sara am aside) and everything that is not Thai."""
    return re.sub(r"\s", "", "".join(c for c in text if c not in MARKS)).replace("\u0e33", "\u0e32")


@SETTINGS
@given(page_of(st.one_of(title(), phrase(), person())))
def test_clean_pages_come_back_exactly(page):
    assert repair_page(page) == page


def test_spelling_rules_flag_almost_no_clean_text():
    """The rules are the evidence that lets the repair touch a page: on all 290k titles,
    the word list and the names they flag only typos, under 0.1 %."""
    for items in (wikipedia_titles(), thai_words(), thai_female_names() | thai_male_names() | thai_family_names()):
        flagged = sum(1 for item in items if evidence_count(item))
        assert flagged / len(items) < 0.001, flagged


@SETTINGS
@given(page_of(st.one_of(title(), phrase(), person())))
def test_repair_only_moves_marks(page):
    damaged = "\n".join(damage_line(line) for line in page.split("\n"))
    repaired = repair_page(damaged)
    assert letters(repaired) == letters(page)
    assert repaired.count("\n") == page.count("\n")
    assert evidence_count(repaired) <= evidence_count(damaged)


@SETTINGS
@given(page_of(st.one_of(title(), phrase())))
def test_a_repaired_page_is_left_alone_by_a_second_repair(page):
    repaired = repair_page("\n".join(damage_line(line) for line in page.split("\n")))
    if not evidence_count(repaired):
        assert repair_page(repaired) == repaired


def restored_in_pages(lines: list[str], size: int = 20) -> float:
    damaged = [damage_line(line) for line in lines]
    out = []
    for start in range(0, len(lines), size):
        out += repair_page("\n".join(damaged[start:start + size])).split("\n")
    return sum(o == line for o, line in zip(out, lines)) / len(lines)


def test_damaged_titles_are_restored_in_pages():
    # Names and transliterations; the bench measures 96–97 % at 2,000 lines.
    assert restored_in_pages(sample_titles(400, seed=5)) >= 0.94


def test_damaged_dictionary_phrases_are_restored_in_pages():
    assert restored_in_pages(sample_phrases(400, seed=5)) >= 0.97


def test_clean_lines_on_damaged_pages_are_mostly_kept():
    """A page damaged in places: every other line damaged. The clean lines' only
    protection is the model (the bench measures 98–100 %)."""
    clean = sample_titles(200, seed=6) + sample_phrases(200, seed=6)
    mixed = [damage_line(line) if k % 2 == 0 else line for k, line in enumerate(clean)]
    out = []
    for start in range(0, len(mixed), 20):
        out += repair_page("\n".join(mixed[start:start + 20])).split("\n")
    kept = [o == line for k, (o, line) in enumerate(zip(out, clean)) if k % 2]
    assert sum(kept) / len(kept) >= 0.97


@pytest.mark.parametrize("clean", [
    "คาซึยุกิโอกิตสึ", "ผู้บริหารกำหนดทิศทางขององค์การ", "การติดตามทุกระดับล่วงหน้า",
    "ที่สำคัญแบบสองทิศทาง", "สม่ำเสมอและต่อเนื่อง", "ร้อยละ 87.4 ของผู้รับบริการมีความพึงพอใจ",
    "ได้แก่ (ระบุ) ประโยชน์/ความต้องการ", "นายสมศักดิ์ ศรีสุวรรณ์",
])
def test_exact_cases_alone(clean):
    assert repair_page(damage_line(clean)) == clean


def test_criteria_strings_are_a_fixed_point():
    """Repairing the criteria's (already repaired) texts again changes none of those that
    show no damage, and never adds any; strings still damaged are for the criteria data
    to fix (tests/test_criteria_data.py)."""
    for text in criteria_strings():
        repaired = repair_page(text)
        if not evidence_count(text):
            assert repaired == text
        assert evidence_count(repaired) <= evidence_count(text), text
