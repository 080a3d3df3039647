"""Thai mark orders that correct Thai never has: the hard evidence of extraction damage.

Each rule is a spelling no Thai word, name or transliteration uses, and that the PDF
damage (portal/thai/damage.py) produces all the time. A line that breaks none of them
may still be damaged, but only the language model in portal/thai/repair.py can say so.
"""
import re

# Consonants that carry marks (ฤ and ฦ are vowels in the consonant block and carry none).
CONSONANT = "\u0e01-\u0e23\u0e25\u0e27-\u0e2e"
VOWEL_MARK = "\u0e31\u0e34-\u0e3a\u0e47"  # vowels above and below, phinthu, maitaikhu
TONE = "\u0e48-\u0e4b"
MARK = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"
MARKS = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e")
VOWEL_MARKS = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47")

# kind: (pattern, what a reader is told, in Thai)
RULES = {
    # a mark on a space, punctuation, a digit, a leading vowel, า, ะ, ำ or the line start
    "mark_without_consonant": (rf"(?:^|[^{CONSONANT}{MARK}])[{MARK}]",
                               "สระหรือวรรณยุกต์ไม่มีพยัญชนะนำ (ตามหลังช่องว่าง เครื่องหมาย หรือสระหน้า/หลัง)"),
    "two_vowels": (rf"[{VOWEL_MARK}][{TONE}\u0e4c]?[{VOWEL_MARK}]", "สระบน/ล่างซ้อนกันสองตัว"),
    "two_tones": (rf"[{TONE}\u0e4c\u0e47][{MARK}]*[{TONE}\u0e47]", "วรรณยุกต์หรือการันต์ซ้อนกัน"),
    # ั and ื close their syllable with a consonant that carries nothing but ์
    # (ิ and ุ excepted: Pali's บัติ, จัตุ read the final again)
    "open_short_vowel": (rf"[\u0e31\u0e37][{TONE}]?(?![{CONSONANT}{TONE}])", "ไม้หันอากาศหรือสระอือไม่มีตัวสะกด"),
    "mark_on_final": (rf"[\u0e31\u0e37][{TONE}]?[{CONSONANT}][\u0e31\u0e35-\u0e37\u0e39\u0e3a\u0e47-\u0e4b\u0e4d\u0e4e]",
                      "มีสระหรือวรรณยุกต์บนตัวสะกดหลังไม้หันอากาศหรือสระอือ"),
    "vowel_before_aa": (rf"[{VOWEL_MARK}][{TONE}\u0e4c]?[\u0e30\u0e32\u0e33\u0e45]", "สระบน/ล่างอยู่หน้าสระอา อะ หรืออำ"),
    "tone_on_final_ya": (rf"\u0e40[{CONSONANT}]{{1,2}}\u0e35[{TONE}]?\u0e22[{TONE}]", "วรรณยุกต์อยู่บน ย ของสระเอีย"),
    "vowel_after_wrong_leading": (
        rf"\u0e40[{CONSONANT}][\u0e31\u0e36\u0e38\u0e39]|[\u0e41-\u0e44][{CONSONANT}][\u0e31\u0e34-\u0e39]",
        "สระบน/ล่างที่ใช้กับสระหน้านี้ไม่ได้"),
    # the sara am printed as a space and า ("ก าหนด"), or OCR's nikhahit and า
    "split_sara_am": (rf"[{CONSONANT}][{MARK}]*[ \u00a0]+[{TONE}]?\u0e32", "สระอำแยก (“ก าหนด”)"),
    "decomposed_sara_am": (rf"\u0e4d[{TONE}]?\u0e32", "สระอำเขียนเป็นนิคหิต + สระอา"),
}
# Orders only storage or extraction produce, which the repair does not count as evidence:
# it puts a tone typed before its vowel right by itself (canonical_order), and a lone
# leading vowel is also how some PDF fonts space a line.
STORAGE_RULES = {
    "tone_before_vowel": (rf"[{TONE}\u0e4c][{VOWEL_MARK}]", "วรรณยุกต์อยู่หน้าสระบน/ล่าง"),
    "orphan_leading_vowel": (rf"[\u0e40-\u0e44](?![{CONSONANT}\u0e24\u0e26])", "สระหน้าไม่มีพยัญชนะตาม"),
}
LABELS = {kind: label for kind, (_, label) in {**RULES, **STORAGE_RULES}.items()}
EVIDENCE = re.compile("|".join(f"(?:{rule})" for rule, _ in RULES.values()))
COMPILED = {kind: re.compile(rule) for kind, (rule, _) in {**RULES, **STORAGE_RULES}.items()}
# A tone typed before its vowel ("เพ่ือ"): how some PDF fonts store it, never how Thai is typed.
TONE_BEFORE_VOWEL = re.compile(rf"([{TONE}]+)([{VOWEL_MARK}]+)")


def rule_breaks(text: str) -> list[tuple[int, str, str]]:
    """(position, kind, matched text) for every place `text` breaks a rule above, the
    storage-order rules included (empty for correct Thai)."""
    return sorted((m.start(), kind, m.group(0)) for kind, rule in COMPILED.items() for m in rule.finditer(text))


def evidence_count(text: str) -> int:
    return sum(1 for _ in EVIDENCE.finditer(text))


def canonical_order(text: str) -> str:
    """Vowel marks before tone marks, as Thai is typed and stored ("เพ่ือ" → "เพื่อ")."""
    return TONE_BEFORE_VOWEL.sub(r"\2\1", text)
