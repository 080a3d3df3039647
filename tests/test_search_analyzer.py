"""The Thai analyzer: words, mixed scripts, digits, positions that map back to the text."""
import pickle

import pytest

from portal.search.analyzer import bigram_analyzer, thai_analyzer, words


def tokens(text, analyzer=None):
    return [t.text for t in (analyzer or thai_analyzer())(text)]


def test_thai_words():
    assert tokens("ผู้บริหารกำหนดทิศทางขององค์การ") == ["ผู้บริหาร", "กำหนด", "ทิศทาง", "ของ", "องค์การ"]


def test_mixed_thai_and_english_acronyms():
    assert tokens("ผลการประเมิน ITA และ KPI ตามแผนSWOT") == ["ผล", "การประเมิน", "ita", "และ", "kpi", "ตาม", "แผน", "swot"]


def test_thai_and_arabic_digits_match():
    assert tokens("ปีงบประมาณ ๒๕๖๙") == tokens("ปีงบประมาณ 2569") == ["ปีงบประมาณ", "2569"]
    assert "95.5" in tokens("ร้อยละ ๙๕.๕")


def test_punctuation_and_empty_input():
    assert tokens("") == [] and tokens("   !!! ... ---") == []
    # "ตัวชี้วัด" is three dictionary words: the bigram field is what finds it whole.
    assert tokens("(ตัวชี้วัด), [KPI]; “ผลลัพธ์”") == ["ตัว", "ชี้", "วัด", "kpi", "ผลลัพธ์"]


def test_very_long_input_is_tokenised_completely():
    text = "การพัฒนาองค์การ" * 5000
    assert len(tokens(text)) == 10000


@pytest.mark.parametrize("text", ["ผู้บริหาร ITA ๒๕๖๙ กำหนดทิศทาง", "ก" * 3 + " x1 การบริหาร"])
def test_positions_and_characters_land_on_the_text(text):
    for analyzer in (thai_analyzer(), bigram_analyzer()):
        found = [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True)]
        assert [pos for _, pos, _, _ in found] == list(range(len(found)))
        for word, _, start, end in found:
            assert text[start:end].lower().translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")) == word


def test_bigrams_keep_marks_with_their_letter():
    assert tokens("กำหนด", bigram_analyzer()) == ["กำห", "หน", "นด"]
    assert tokens("ผู้บริหาร", bigram_analyzer())[:2] == ["ผู้บ", "บริ"]


def test_analyzers_pickle_for_other_processes():
    for analyzer in (thai_analyzer(), bigram_analyzer()):
        restored = pickle.loads(pickle.dumps(analyzer))
        assert [t.text for t in restored("ตัวชี้วัด KPI")] == [t.text for t in analyzer("ตัวชี้วัด KPI")]


def test_word_offsets():
    assert list(words("ก ITA")) == [("ก", 0, 1), ("ITA", 2, 5)]
