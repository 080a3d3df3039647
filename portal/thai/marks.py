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

RULES = {
    # a mark on a space, punctuation, a digit, a leading vowel, า, ะ, ำ or the line start
    "mark without a consonant": rf"(?:^|[^{CONSONANT}{MARK}])[{MARK}]",
    "two vowels on one letter": rf"[{VOWEL_MARK}][{TONE}\u0e4c]?[{VOWEL_MARK}]",
    "two tone marks on one letter": rf"[{TONE}\u0e4c\u0e47][{MARK}]*[{TONE}\u0e47]",
    # ั and ื close their syllable with a consonant that carries nothing but ์
    # (ิ and ุ excepted: Pali's บัติ, จัตุ read the final again)
    "ั or ื without its final": rf"[\u0e31\u0e37][{TONE}]?(?![{CONSONANT}{TONE}])",
    "a mark on the final after ั or ื": rf"[\u0e31\u0e37][{TONE}]?[{CONSONANT}][\u0e31\u0e35-\u0e37\u0e39\u0e3a\u0e47-\u0e4b\u0e4d\u0e4e]",
    "a vowel mark before า, ะ or ำ": rf"[{VOWEL_MARK}][{TONE}\u0e4c]?[\u0e30\u0e32\u0e33\u0e45]",
    "a tone on the ย of เ–ีย": rf"\u0e40[{CONSONANT}]{{1,2}}\u0e35[{TONE}]?\u0e22[{TONE}]",
    "a vowel mark no leading vowel takes": rf"\u0e40[{CONSONANT}][\u0e31\u0e36\u0e38\u0e39]|[\u0e41-\u0e44][{CONSONANT}][\u0e31\u0e34-\u0e39]",
    # the sara am printed as a space and า ("ก าหนด"), or OCR's nikhahit and า
    "split sara am": rf"[{CONSONANT}][{MARK}]*[ \u00a0]+[{TONE}]?\u0e32|\u0e4d[{TONE}]?\u0e32",
}
EVIDENCE = re.compile("|".join(f"(?:{rule})" for rule in RULES.values()))
COMPILED = {name: re.compile(rule) for name, rule in RULES.items()}
# A tone typed before its vowel ("เพ่ือ"): how some PDF fonts store it, never how Thai is typed.
TONE_BEFORE_VOWEL = re.compile(rf"([{TONE}]+)([{VOWEL_MARK}]+)")


def damage_evidence(text: str) -> list[str]:
    """The rules `text` breaks, one entry per place (empty for text that shows no damage)."""
    return [name for name, rule in COMPILED.items() for _ in rule.finditer(text)]


def evidence_count(text: str) -> int:
    return sum(1 for _ in EVIDENCE.finditer(text))


def canonical_order(text: str) -> str:
    """Vowel marks before tone marks, as Thai is typed and stored ("เพ่ือ" → "เพื่อ")."""
    return TONE_BEFORE_VOWEL.sub(r"\2\1", text)
