"""Word pairs: the terms a phrase is looked up by on both engines."""
from portal.search.analyzer import PAIR_JOIN, lowercase_words, word_pairs


def test_pairs_are_neighbours_in_order():
    assert word_pairs(["ผู้", "มี", "ส่วนได้ส่วนเสีย"]) == ["ผู้ มี", "มี ส่วนได้ส่วนเสีย"]


def test_one_word_or_none_has_no_pair():
    assert word_pairs(["แผน"]) == [] and word_pairs([]) == []


def test_the_join_never_occurs_inside_an_analysed_word():
    text = "แผนยุทธศาสตร์ PMQA 4.0 ปี ๒๕๖๙ e-Service\tทดสอบ\u00a0ระบบ"
    assert all(PAIR_JOIN not in word for word in lowercase_words(text))
