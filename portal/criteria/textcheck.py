"""Tell-tale signs of PDF extraction damage in Thai text, as pure pattern checks.

Thai is stored consonant first, then at most one vowel above or below it, then at most one
tone mark (or a thanthakhat); a leading vowel (เ แ โ ใ ไ) is stored before its consonant.
The guide's extraction breaks these rules in recognisable ways: a mark moved one letter
right lands after a vowel, a space or a bracket ("ได้แก.่", "(ระบ)ุ"), a tone ends up
before its vowel ("ทีม่ี"), sara am loses its nikhahit and leaves a gap ("ก าหนด"). Some
shifts happen to spell real words ("ทีมี่", "กนั"); those are listed in KNOWN_DAMAGE.

The mark-order rules live in portal/thai/marks.py, which the repair uses to decide
whether a page is damaged at all; this module adds the guide's damaged spellings.
`find_damage(text)` lists every finding; clean Thai gives none (the tests run it over
PyThaiNLP's dictionary and 290,000 Wikipedia titles). Pure: no Flask, no database.
"""
import re
from typing import NamedTuple

from portal.thai.marks import LABELS, MARKS, rule_breaks

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


KIND_LABELS = {**LABELS, "known_damage": "คำที่เพี้ยนจากการแปลงข้อความ"}

KNOWN_DAMAGE_PATTERN = re.compile(
    "|".join(re.escape(word) for word in sorted(KNOWN_DAMAGE, key=len, reverse=True))
)


def _known_damage(text: str) -> list[Finding]:
    found = []
    for match in KNOWN_DAMAGE_PATTERN.finditer(text):
        after = text[match.end():match.end() + 1]
        if after and after in MARKS:
            continue  # the piece is part of a longer, correct stack
        found.append(Finding(match.start(), "known_damage", match.group(0)))
    return found


def find_damage(text: str) -> list[Finding]:
    """Every tell-tale sign of extraction damage in `text`, in text order: the mark orders
    correct Thai never has (portal/thai/marks.py, shared with the repair) and the guide's
    damaged spellings that happen to be words."""
    findings = [Finding(position, kind, text[max(0, position - 6):position + len(matched) + 6])
                for position, kind, matched in rule_breaks(text)]
    findings += [f._replace(snippet=text[max(0, f.position - 6):f.position + len(f.snippet) + 6])
                 for f in _known_damage(text)]
    return sorted(findings)
