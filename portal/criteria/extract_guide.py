"""Provenance of criteria/pmqa-4.0/category-1..6.yaml: how they were read from the guide.

    python -m portal.criteria.extract_guide ../shared/seed/000_116028f2daf2b27b.txt criteria/pmqa-4.0

The guide is a PDF text extraction: split sara am, marks shifted one letter right,
page numbers glued to line ends, watermarks, the vertical letters of the level labels.
This script repairs and structures it; the YAML it wrote was then read against the guide
by hand and corrected, and the YAML files are the source of truth from then on (the
script is kept to show where the data came from and to redo a new edition). A second
reading by hand (December 2026) went further than this script can: the 5.3 RS2 printed
without a colon, guidance levels by the rotated label fragments, glossary notes, the
questions' blanks and bullets, the guide's own spellings (criteria/README.md has the rules;
portal/criteria/textcheck.py is the check any re-extraction must pass).
"""
import re
import sys
from pathlib import Path

import yaml

from portal.thai.repair import repair_thai

SUB_ITEM_START = re.compile(r"^\s*([1-6]\.[1-4])\s+(\S.*)$")
QUESTION = re.compile(r"^\s*([1-6]\.[1-4]\.\d+)\s*(.*)$")
ITEM = re.compile(r"^\s*(R?[BAS]|SA)(\d+)\s*[:：]\s*(.*)$")
CATEGORY = re.compile(r"^\s*หมวด\s*([1-6])\s+(.*?)\s*(\(ใหม\s?่\)|\(ใหม\)่)?\s*$")
GUIDANCE_HEAD = re.compile(r"^\s*แนวทางการ\s*ด\s?[ าำ]\s*เน[ิน]+")
CHECKLIST_HEAD = re.compile(r"C\s*h\s*e\s*c\s*k\s*l\s*i\s*s\s*t")
LEVEL_LETTERS = {"B": "basic", "A": "advance", "S": "significance"}
NOISE = re.compile(r"^\s*(@pawanakku\)?|\((Sig|Advance|Basic)\)|Basic|Advance|Significance|\((A&D|Alignment|Integration)\))\s*$")
DOTS = re.compile(r"[.…]{3,}|…+|\.{2,}")
PUA = re.compile(r"[\uf000-\uf8ff]")
LEVEL_OF_CODE = {"B": "basic", "RB": "basic", "A": "advance", "RA": "advance", "S": "significance", "RS": "significance"}


def is_vertical_letters(line: str) -> bool:
    """Pieces of the rotated level labels: 'B', 'a', 'si', 'c', ' n', 'ce', 'ig'…"""
    stripped = line.strip()
    return bool(stripped) and len(stripped) <= 3 and stripped.isascii() and stripped.isalpha()


def join(lines: list[str]) -> str:
    """Join wrapped lines: Thai to Thai without a space, otherwise with one."""
    text = ""
    for line in (l.strip() for l in lines):
        if not line:
            continue
        if text and not (re.search(r"[\u0e00-\u0e7f]$", text) and re.match(r"[\u0e00-\u0e7f]", line)):
            text += " "
        text += line
    return text


# Found by reading the repaired text against the guide: words the dictionary-guided repair
# still got wrong (the guide's font leaves some marks unshifted inside shifted lines).
HAND_CORRECTIONS = {
    "สนับสุนน": "สนับสนุน", "นัวตกรรม": "นวัตกรรม", "ลบีทมี่": "ลบที่มี", "กระทบีทมี่": "กระทบที่มี",
    "บุคลากรีทมี่": "บุคลากรที่มี", "ตรวจสอบีทมี่": "ตรวจสอบที่มี", "ทกุ": "ทุก", "เปลีย่น": "เปลี่ยน",
    "หรอื": "หรือ", "โจมีทาง": "โจมตีทาง", "บคุลากร": "บุคลากร", "สาหรับ": "สำหรับ",
    "แวดลอ้ม": "แวดล้อม", "เสรมิ": "เสริม", "ปฎับิติ": "ปฏิบัติ", "ตัวีชั้วด": "ตัวชี้วัด",
    "เสียีท่": "เสียที่", "เรยีน": "เรียน", "เกดิ": "เกิด", "เสยี": "เสีย", "เบยีบ": "เบียบ",
    "เฉนิ": "เฉิน", "แนบิลง้ก์": "แนบลิงก์", "ลิง้ก์": "ลิงก์", "นวัตกรรมุทก": "นวัตกรรมทุก",
    "การุม่ง": "การมุ่ง", "ใหุ้มง่": "ให้มุ่ง", "ภัยพบิัติ": "ภัยพิบัติ", "ภัยพบิ": "ภัยพิบ", "เสีย่ที": "เสียที่", "ผูมี้": "ผู้มี", "ดจีน": "ดีจน", "คล่องตวั": "คล่องตัว",
}


def clean(text: str) -> str:
    text = PUA.sub(" • ", text).replace("@pawanakku", " ")  # the PDF's watermark
    text = DOTS.sub(" ", text)
    text = repair_thai(text)
    for wrong, right in HAND_CORRECTIONS.items():
        text = text.replace(wrong, right)
    text = re.sub(r"\s+", " ", text).strip(" •")
    return text


def strip_page_number(line: str) -> str:
    """'…อย่างยั่งยืน6' / '…ชัดเจน 57' at the end of a page: drop the number."""
    return re.sub(r"(?<=[\u0e00-\u0e7f\)])\s?\d{1,3}\s*$", "", line)


MISSING_TITLES: set[str] = set()


def parse(lines: list[str]) -> dict:
    categories: dict[str, dict] = {}
    starts = []
    for n, line in enumerate(lines):
        match = SUB_ITEM_START.match(line)
        if match and any(QUESTION.match(l) and QUESTION.match(l).group(1).startswith(match.group(1) + ".")
                         for l in lines[n + 1:n + 12]):
            starts.append((n, match.group(1)))
    found = {code for _, code in starts}
    for code in (f"{c}.{s}" for c in range(1, 7) for s in range(1, 5)):
        if code in found:
            continue
        # The sub-item's own title line is missing from the extraction (6.4): start at its
        # first question and take the title from the category overview.
        first = next(n for n, l in enumerate(lines) if l.strip().startswith(code + ".1 "))
        overview = next(n for n, l in enumerate(lines) if l.strip().startswith(code + " "))
        title = [lines[overview].strip()[len(code):]]
        k = overview + 1
        while k < len(lines) and len(title) < 4 and not lines[k].strip().startswith("เพ่ือ"):
            if lines[k].strip():
                title.append(lines[k])
            k += 1
        lines[first - 1] = f"{code} {join(title)}"
        starts.append((first - 1, code))
        MISSING_TITLES.add(code)
    starts.sort()
    for n, line in enumerate(lines):
        match = CATEGORY.match(line)
        if match and (match.group(3) or n > 3000 and match.group(1) == "6"):
            code = match.group(1)
            intent_lines, k = [], n - 1
            while k > 0 and not lines[k].strip():
                k -= 1
            if lines[k].strip() == "เจตนารมณ์":
                k -= 1
                while k > 0 and not lines[k].strip():
                    k -= 1
                while k > 0 and lines[k].strip():
                    intent_lines.insert(0, lines[k])
                    k -= 1
            if not any("\u0e00" <= ch <= "\u0e7f" for ch in "".join(intent_lines)):
                # Categories 5 and 6 print the intent after the overview diagram instead.
                k = next(k for k in range(n, n + 80) if lines[k].strip().startswith(("เพ่ือให้", "เพื่อให้")))
                intent_lines = []
                while lines[k].strip():
                    intent_lines.append(lines[k])
                    k += 1
            categories[code] = {"version": "pmqa-4.0", "code": code, "title": clean(match.group(2)),
                                "intent": clean(join(intent_lines)), "notes": [], "sub_items": []}
    bounds = starts + [(len(lines), None)]
    for (begin, code), (end, _) in zip(bounds, bounds[1:]):
        categories[code[0]]["sub_items"].append(parse_sub_item(code, lines[begin:end]))
    return categories


def parse_sub_item(code: str, lines: list[str]) -> dict:
    title_lines = [SUB_ITEM_START.match(lines[0]).group(2)]
    n = 1
    while n < len(lines) and not QUESTION.match(lines[n]):
        if lines[n].strip():
            title_lines.append(lines[n])
        n += 1
    questions, current = [], None
    while n < len(lines) and not GUIDANCE_HEAD.match(lines[n]):
        match = QUESTION.match(lines[n])
        if match and match.group(1).startswith(code + "."):
            current = {"code": match.group(1), "lines": [match.group(2)]}
            questions.append(current)
        elif current is not None:
            current["lines"].append(lines[n])
        n += 1
    guidance = {"basic": [], "advance": [], "significance": []}
    level, bullet, just_marked = None, None, False
    next_level = {None: "basic", "basic": "advance", "advance": "significance", "significance": "significance"}
    n += 1
    while n < len(lines) and not CHECKLIST_HEAD.search(lines[n]):
        line = lines[n]
        stripped = line.strip()
        if is_vertical_letters(line):
            if stripped in LEVEL_LETTERS:
                level, just_marked = LEVEL_LETTERS[stripped], True
        elif NOISE.match(line) or not stripped:
            pass
        else:
            if line.startswith(" •") or level is None:
                # Where the rotated level label is missing, a bullet that starts a new
                # text column (it carries a leading space) starts the next level.
                if not just_marked:
                    level = next_level[level]
            just_marked = False
            if stripped.startswith("•"):
                bullet = [stripped.lstrip("• ")]
                guidance[level].append(bullet)
            elif bullet is not None and not re.match(r"^\S.*=", stripped) :
                bullet.append(stripped)
            else:
                bullet = [stripped]
                guidance[level].append(bullet)
        n += 1
    meaning = {"basic": [], "advance": [], "significance": []}
    items, item, level, notes = [], None, "basic", []
    seen_items_at_level = False
    n += 1
    while n < len(lines):
        line = strip_page_number(lines[n].rstrip())
        stripped = line.strip()
        match = ITEM.match(line)
        if match:
            prefix = match.group(1)
            if prefix == "SA":  # misprint in the guide (6.2): an Advance result item
                notes.append(f"คู่มือพิมพ์รหัส SA{match.group(2)} ซึ่งไม่มีในเกณฑ์ "
                             f"รายการนี้อยู่ในกลุ่มผลลัพธ์ระดับก้าวหน้า จึงใช้รหัส RA{match.group(2)}")
                prefix = "RA"
            level = LEVEL_OF_CODE[prefix]
            item = {"code": f"{prefix}{match.group(2)}", "level": level,
                    "kind": "result" if prefix.startswith("R") else "process", "lines": [match.group(3)]}
            items.append(item)
            seen_items_at_level = True
        elif is_vertical_letters(line):
            item = None
            if stripped in LEVEL_LETTERS:
                level, seen_items_at_level = LEVEL_LETTERS[stripped], False
        elif not stripped:
            item = None
        elif NOISE.match(line) or stripped.startswith("หมวด ") or stripped == "เจตนารมณ์":
            item = None
            if items and items[-1]["code"].startswith("RS"):
                break
        elif item is not None and not stripped.startswith("-") and not line.startswith(" "):
            item["lines"].append(stripped)
        elif items and items[-1]["code"].startswith("RS") and item is None:
            break  # past the checklist: the next category's introduction
        else:
            item = None
            target = level
            if seen_items_at_level and (stripped.startswith("-") or line.startswith(" ")):
                # Meaning text after a level's items belongs to the next level.
                target = {"basic": "advance", "advance": "significance"}.get(level, level)
                level, seen_items_at_level = target, False
            meaning[target].append(stripped)
        n += 1
    seen: dict[str, int] = {}
    for entry in items:
        prefix = re.match(r"R?[BAS]", entry["code"]).group(0)
        seen[prefix] = seen.get(prefix, 0) + 1
        expected = f"{prefix}{seen[prefix]}"
        if entry["code"] != expected:
            notes.append(f"คู่มือพิมพ์รหัส {entry['code']} ซ้ำ/ผิดลำดับ รายการนี้เป็นรายการที่ "
                         f"{seen[prefix]} ของกลุ่ม {prefix} จึงใช้รหัส {expected}")
            entry["code"] = expected
    if code in MISSING_TITLES:
        notes.append("ชื่อหัวข้อไม่มีในหน้าของหัวข้อในคู่มือ (หายไปจากการแปลงข้อความ) "
                     "จึงใช้ชื่อจากแผนภาพภาพรวมของหมวด")
    return {
        "code": code,
        "title": clean(join(title_lines)),
        "intent": "",
        "questions": [{"code": q["code"], "text": clean(join(q["lines"]))} for q in questions],
        "guidance": {lv: [strip_page_number(clean(join(b))) for b in bullets if clean(join(b))]
                     for lv, bullets in guidance.items()},
        "meaning": {lv: clean(join(text)) for lv, text in meaning.items()},
        "items": [{"code": i["code"], "level": i["level"], "kind": i["kind"],
                   "text": strip_page_number(clean(join(i["lines"])))}
                  for i in items],
        "notes": notes,
    }


def main(guide: str, out_dir: str) -> None:
    lines = Path(guide).read_text(encoding="utf-8").splitlines()
    categories = parse(lines)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for code, category in sorted(categories.items()):
        with (out / f"category-{code}.yaml").open("w", encoding="utf-8") as handle:
            yaml.safe_dump(category, handle, allow_unicode=True, sort_keys=False, width=10_000)
        print(code, category["title"], [(s["code"], len(s["questions"]), len(s["items"])) for s in category["sub_items"]])


if __name__ == "__main__":
    main(*sys.argv[1:3])
