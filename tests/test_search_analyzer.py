"""The Thai analyzer: words, mixed scripts, digits, positions that map back to the text."""
import pickle

import pytest

from portal.search.analyzer import bigram_analyzer, bigram_set, lowercase_words, thai_analyzer, words


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
    assert tokens("(ตัวชี้วัด), [KPI]; “ผลลัพธ์”") == ["ตัวชี้วัด", "kpi", "ผลลัพธ์"]


def test_pmqa_terms_stay_whole_whatever_precedes_them():
    """Without the PMQA word list "ตามตัวชี้วัด" split ตามตัว|ชี้|วัด and the term was not found."""
    for text in ("ตามตัวชี้วัดของกรม", "รายงานตัวชี้วัด", "การผู้มีส่วนได้ส่วนเสียที่", "ให้ทุนมนุษย์ของ"):
        assert any(t in tokens(text) for t in ("ตัวชี้วัด", "ผู้มีส่วนได้ส่วนเสีย", "ทุนมนุษย์")), tokens(text)


def test_the_python_engine_uses_the_same_word_list(monkeypatch):
    import builtins

    from portal.search import analyzer

    real_import = builtins.__import__

    def without_nlpo3(name, *args, **kwargs):
        if name == "nlpo3":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    analyzer._load_segmenter.cache_clear()
    analyzer.segment_thai.cache_clear()
    monkeypatch.setattr(builtins, "__import__", without_nlpo3)
    try:
        assert analyzer.segment_thai("ตามตัวชี้วัดของกรม") == ("ตาม", "ตัวชี้วัด", "ของ", "กรม")
    finally:
        monkeypatch.undo()
        analyzer._load_segmenter.cache_clear()
        analyzer.segment_thai.cache_clear()


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


@pytest.mark.parametrize("text", ["ผู้บริหารกำหนดทิศทางขององค์การ ITA's KPI ๒๕๖๙ 1,250,000 e-Service",
                                  "(ตัวชี้วัด), [KPI]; “ผลลัพธ์” ่ ำ", "", "ก", "Don’t ISO 9001 แผนSWOT ปี ๒๕๖๘"])
def test_the_postgresql_engines_fast_lists_are_the_analyzers(text):
    """lowercase_words and bigram_set (indexing without token objects) give what the
    analyzers give, so both engines index the same words."""
    assert lowercase_words(text) == tokens(text)
    assert bigram_set(text) == set(tokens(text, bigram_analyzer()))


def test_threads_asking_for_the_segmenter_at_once_load_it_once(monkeypatch):
    """A web worker's threads searching at once: they wrote the word list to one file while
    another read it, and nlpo3 panicked for good (found by tests/test_index_commits.py)."""
    import threading
    import time

    from portal.search import analyzer

    real_dictionary, loads = analyzer.dictionary, []

    def slow_dictionary():
        loads.append(1)
        time.sleep(0.3)  # long enough for every thread to be asking meanwhile
        return real_dictionary()

    analyzer._load_segmenter.cache_clear()
    monkeypatch.setattr(analyzer, "dictionary", slow_dictionary)
    start = threading.Barrier(6)
    found = []

    def ask():
        start.wait()
        found.append(analyzer._segmenter()("ตามตัวชี้วัดของกรม"))

    try:
        threads = [threading.Thread(target=ask) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        monkeypatch.undo()
        analyzer._load_segmenter.cache_clear()
    assert len(loads) == 1
    assert found == [["ตาม", "ตัวชี้วัด", "ของ", "กรม"]] * 6
