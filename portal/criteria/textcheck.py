"""Tell-tale signs of PDF extraction damage in Thai text, as pure pattern checks.

Thai is stored consonant first, then at most one vowel above or below it, then at most one
tone mark (or a thanthakhat); a leading vowel (เ แ โ ใ ไ) is stored before its consonant.
The guide's extraction breaks these rules in recognisable ways: a mark moved one letter
right lands after a vowel, a space or a bracket ("ได้แก.่", "(ระบ)ุ"), a tone ends up
before its vowel ("ทีม่ี"), sara am loses its nikhahit and leaves a gap ("ก าหนด"). Some
shifts happen to spell real words ("ทีมี่", "กนั"); those are listed in KNOWN_DAMAGE.

`find_damage(text)` lists every finding; clean Thai gives none (the tests run it over
PyThaiNLP's dictionary and 290,000 Wikipedia titles). Pure: no Flask, no database.
"""
import re
from typing import NamedTuple

CONSONANTS = "\u0e01-\u0e2e"  # ก … ฮ (ฤ ฦ included)
LEADING_VOWELS = "\u0e40-\u0e44"  # เ แ โ ใ ไ
ABOVE_BELOW_VOWELS = "\u0e31\u0e34-\u0e3a\u0e47"  # ั ิ ี ึ ื ุ ู ฺ ็
TONES = "\u0e48-\u0e4b"  # ่ ้ ๊ ๋
THANTHAKHAT = "\u0e4c"  # ์
OTHER_MARKS = "\u0e4d\u0e4e"  # ํ ๎
MARKS = ABOVE_BELOW_VOWELS + TONES + THANTHAKHAT + OTHER_MARKS
MARK_SET = frozenset(ch for ch in map(chr, range(0x0E00, 0x0E80)) if re.fullmatch(f"[{MARKS}]", ch))

# Shifted marks that happen to spell something, so no mark order gives them away. Each
# was found in the guide's extraction (the correct spelling beside it) and none occurs in
# PyThaiNLP's dictionaries or Wikipedia titles (tests/test_criteria_textcheck.py checks).
KNOWN_DAMAGE = {
    "ทีมี่": "ที่มี",
    "รีทมี่": "รที่มี",  # "บุคลากรีทมี่ศักยภาพ", "ทรัพยากรีทมี่อยู่"
    "ทบีท่": "ทบที่",  # "ผลกระทบีท่อาจเกิดขึ้น"
    "องค์กรีที่": "องค์กรที่",
    "ทีส่": "ที่ส",
    "ทีอ่": "ที่อ",
    "ทีว่าง": "ที่วาง",
    "ไมบ่": "ไม่บ",
    "แกบ่": "แก่บ",
    "รูข้อง": "รู้ของ",
    "ทจุร": "ทุจร",
    "มสี่วน": "มีส่วน",
    "ต้นทนุ": "ต้นทุน",
    "บคุคล": "บุคคล",
    "บคุลากร": "บุคลากร",
    "พรอ้ม": "พร้อม",
    "ต่างกนั": "ต่างกัน",
    "ร่วมกนั": "ร่วมกัน",
    "ป้องกนั": "ป้องกัน",
    "รปูแบบ": "รูปแบบ",
    "แบบ่ที": "แบบที่",
    "การณผ์": "การณ์ผ",
    "ปฏบิ": "ปฏิบ",
    "ปฏับิ": "ปฏิบั",
    "ปฏิบิตั": "ปฏิบัติ",
    "กระตุน้": "กระตุ้น",
    "ครอบคลมุ": "ครอบคลุม",
    "กับูดแล": "กับดูแล",
    "ดีทู่ดี": "ดูที่ดี",
    "ที่ดูสี่การ": "ที่ดีสู่การ",
    "แบบุม่ง": "แบบมุ่ง",
    "ตำแห่นง": "ตำแหน่ง",
    "เครือ่ง": "เครื่อง",
    # The guide's most frequent shifted words, for other extractions of the same fonts.
    "เปลีย่น": "เปลี่ยน",
    "หรอื": "หรือ",
    "บรหิาร": "บริหาร",
    "ผูบ้": "ผู้บ",
    "ขอ้มลู": "ข้อมูล",
    "ตดิตาม": "ติดตาม",
    "ดจิทิลั": "ดิจิทัล",
    "ประสทิธ": "ประสิทธ",
    "มกีาร": "มีการ",
}


class Finding(NamedTuple):
    position: int
    kind: str  # one of the keys of KIND_LABELS
    snippet: str

    def describe(self) -> str:
        return f"{KIND_LABELS[self.kind]} ที่ตำแหน่ง {self.position}: “{self.snippet}”"


KIND_LABELS = {
    "stranded_mark": "สระหรือวรรณยุกต์ไม่มีพยัญชนะนำ (ตามหลังช่องว่าง เครื่องหมาย หรือสระหน้า/หลัง)",
    "tone_before_vowel": "วรรณยุกต์อยู่หน้าสระบน/ล่าง",
    "stacked_vowels": "สระบน/ล่างซ้อนกันสองตัว",
    "stacked_tones": "วรรณยุกต์หรือการันต์ซ้อนกัน",
    "split_sara_am": "สระอำแยก (“ก าหนด”)",
    "decomposed_sara_am": "สระอำเขียนเป็นนิคหิต + สระอา",
    "orphan_leading_vowel": "สระหน้าไม่มีพยัญชนะตาม",
    "known_damage": "คำที่เพี้ยนจากการแปลงข้อความ",
}

PATTERNS = [
    # A mark needs a consonant (or the vowel it rides on) right before it.
    ("stranded_mark", re.compile(rf"(?:^|(?<=[^{CONSONANTS}{MARKS}]))[{MARKS}]+")),
    ("tone_before_vowel", re.compile(rf"[{TONES}{THANTHAKHAT}][{ABOVE_BELOW_VOWELS}]")),
    ("stacked_vowels", re.compile(rf"[{ABOVE_BELOW_VOWELS}][{ABOVE_BELOW_VOWELS}]")),
    ("stacked_tones", re.compile(rf"[{TONES}{THANTHAKHAT}][{TONES}{THANTHAKHAT}]")),
    # No Thai word starts with sara aa, so Thai, a gap, then า is a sara am torn apart.
    ("split_sara_am", re.compile(rf"[{CONSONANTS}{MARKS}][ \u00a0]+\u0e32")),
    ("decomposed_sara_am", re.compile(r"\u0e4d[\u0e48-\u0e4b]?\u0e32")),
    ("orphan_leading_vowel", re.compile(rf"[{LEADING_VOWELS}](?![{CONSONANTS}])")),
]

KNOWN_DAMAGE_PATTERN = re.compile(
    "|".join(re.escape(word) for word in sorted(KNOWN_DAMAGE, key=len, reverse=True))
)


def _known_damage(text: str) -> list[Finding]:
    found = []
    for match in KNOWN_DAMAGE_PATTERN.finditer(text):
        after = text[match.end():match.end() + 1]
        if after and after in MARK_SET:
            continue  # the piece is part of a longer, correct stack
        found.append(Finding(match.start(), "known_damage", match.group(0)))
    return found


def find_damage(text: str) -> list[Finding]:
    """Every tell-tale sign of extraction damage in `text`, in text order."""
    findings = [
        Finding(match.start(), kind, text[max(0, match.start() - 6):match.end() + 6])
        for kind, pattern in PATTERNS
        for match in pattern.finditer(text)
    ]
    findings += [f._replace(snippet=text[max(0, f.position - 6):f.position + len(f.snippet) + 6])
                 for f in _known_damage(text)]
    return sorted(findings)
