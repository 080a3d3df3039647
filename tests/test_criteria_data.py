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
BY_CODE = {s["code"]: s for s in SUB_ITEMS}

# (B, RB, A, RA, S, RS) counted in the guide's checklist pages.
EXPECTED_COUNTS = {
    "1.1": (4, 3, 4, 3, 3, 2), "1.2": (5, 3, 5, 1, 1, 2), "1.3": (3, 2, 3, 1, 1, 2), "1.4": (3, 1, 3, 2, 2, 2),
    "2.1": (3, 3, 3, 1, 2, 2), "2.2": (2, 2, 1, 1, 1, 1), "2.3": (2, 2, 2, 1, 4, 2), "2.4": (5, 1, 4, 1, 2, 1),
    "3.1": (3, 2, 3, 2, 3, 2), "3.2": (2, 2, 2, 1, 2, 2), "3.3": (3, 1, 3, 1, 4, 1), "3.4": (2, 2, 3, 2, 2, 2),
    "4.1": (4, 2, 2, 1, 3, 2), "4.2": (3, 1, 2, 1, 2, 1), "4.3": (3, 1, 2, 1, 2, 2), "4.4": (4, 1, 2, 2, 1, 2),
    "5.1": (6, 3, 4, 2, 3, 2), "5.2": (3, 2, 4, 1, 2, 1), "5.3": (2, 1, 3, 1, 2, 2), "5.4": (3, 2, 3, 2, 2, 3),
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
    assert sum(len(s["items"]) for s in SUB_ITEMS) == 319


def test_5_3_has_rs1_and_rs2_as_the_guide_prints_them():
    """The guide prints "RS2" without a colon; its text once sat glued to RS1."""
    results = {i["code"]: i["text"] for i in BY_CODE["5.3"]["items"] if i["level"] == "significance"
               and i["kind"] == "result"}
    assert results == {
        "RS1": "บุคลากรปฏิบัติงานโดยมุ่งเน้นการสร้างคุณค่า ยึดมั่นประโยชน์ส่วนรวม และประโยชน์สุขของประชาชน",
        "RS2": "รักษาและดึงดูดบุคลากรที่มีศักยภาพให้เป็นส่วนหนึ่งขององค์การ",
    }
    assert BY_CODE["5.3"]["title"].endswith("ความเป็นเจ้าของให้แก่บุคลากร")


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


# The first words of every guidance bullet per level, read in the guide: the rotated level
# labels ("B a s ic", " d", " n ce", "S n", a trailing "e •") and the column starts mark
# where one level ends. These sub-items once had bullets one level too low or glued.
GUIDANCE_STARTS = {
    "1.2": {"basic": ["กำหนดนโยบายด้านความโปร่งใส"],
            "advance": ["มีตัววัดในการตรวจติดตาม", "มีมาตรการป้องกันการทุจริตในเชิงรุก",
                        "ใช้เทคโนโลยีดิจิทัลในการกำกับติดตาม"],
            "significance": ["คะแนน ITA ระดับดีมากระดับประเทศ", "มีการสร้างต้นแบบ(Role Model)",
                             "ได้รับรางวัลด้านความโปร่งใส", "มีการประเมิน ปรับปรุงเพื่อสร้างต้นแบบ"]},
    "2.2": {"basic": ["มีแผนที่ทางยุทธศาสตร์", "กำหนดตัวชี้วัดและเป้าประสงค์"],
            "advance": ["มีการวิเคราะห์ผลกระทบของเป้าประสงค์"],
            "significance": ["วิเคราะห์ความเสี่ยงระดับองค์การที่อาจเกิดขึ้น และส่งผลต่อแผนงาน",
                             "วิเคราะห์ความเสี่ยงระดับองค์การที่อาจเกิดขึ้น ที่อาจส่งผลกระทบ"]},
    "3.2": {"basic": ["ประเมินความพึงพอใจและความผูกพันในรูปแบบที่เหมาะสม"],
            "advance": ["ใช้เทคโนโลยีในการประเมินและวิเคราะห์", "นำผลการประเมินความพึงพอใจ"],
            "significance": ["ฐานข้อมูลความพึงพอใจ", "มีผลงานนวัตกรรมการให้บริการ",
                             "บูรณาการข้อมูลจากผลการสำรวจ", "เป็นแนวทางในการวางแผนยุทธศาสตร์"]},
    "3.3": {"basic": ["มีกระบวนการทบทวน", "มีช่องทางการสื่อสาร", "มีการถ่ายทอดไปยังหน่วยงาน"],
            "advance": ["วิเคราะห์จำแนกความต้องการ", "สร้างนวัตกรรมการให้บริการใหม่ๆ"],
            "significance": ["การสร้างนวัตกรรมการให้บริการที่มีความคล่องตัว", "สร้างความร่วมมือกับภายนอก",
                             "การเชื่อมโยงข้อมูลเพื่อความสะดวก"]},
    "5.2": {"basic": ["การสร้างบรรยากาศและสร้างสภาพแวดล้อมในการทำงาน (ด้านกายภาพ)", "ปลอดภัยและ",
                      "เป็นไปตามกรอบของกฎหมาย", "คล่องตัวและร่วมกันทำงาน"],
            "advance": ["ส่วนราชการควรสร้างสภาพแวดล้อมที่เอื้อให้บุคลากร", "มีความรับผิดชอบ",
                        "เข้าถึงข้อมูล", "มีการพัฒนาระบบฐานข้อมูล", "การปรับเปลี่ยนจาก Analog เป็น Digital"],
            "significance": ["มีการทำงานเป็นทีม", "มีกระบวนการสร้างความร่วมมือกับเครือข่าย",
                             "สภาพแวดล้อมการทำงานที่เอื้อให้เกิดสมรรถนะสูง"]},
    "5.4": {"basic": ["การพัฒนาบุคลากรในด้านต่างๆ", "ความรู้ความสามารถในการทำงาน", "คุณธรรม",
                      "ความรู้และทักษะด้านดิจิทัล", "(บุคลากรได้รับการพัฒนา"],
            "advance": ["แผนพัฒนาบุคลากรที่ตอบสนองยุทธศาสตร์", "แผนพัฒนาบุคลากรที่ตอบสนองการสร้างสมรรถนะหลัก"],
            "significance": ["การพัฒนาบุคลากรให้มีทักษะ", "การพัฒนาบุคลากรและผู้นำ", "การพัฒนาทักษะบุคลากรและผู้นำ"]},
    "6.1": {"basic": ["วิเคราะห์พันธกิจ", "วิเคราะห์ผลกระทบเชิงลบ", "แนวคิดการออกแบบกระบวนการ",
                      "วางแผนการทำงานที่เชื่อมโยง", "กำหนดตัวชี้วัดในการติดตามควบคุมกระบวนการ"],
            "advance": ["การติดตามควบคุมกระบวนการโดยใช้ตัวชี้วัด", "การติดตามควบคุมกระบวนการโดยการใช้ข้อมูล"],
            "significance": ["การใช้เทคโนโลยีดิจิทัลในการจัดการกระบวนการ", "การวิเคราะห์อุปสรรคปัญหา"]},
    "6.2": {"basic": ["มีการจัดการกระบวนหลัก", "กำหนดตัวชี้วัด", "มีแนวทางและเครื่องมือ"],
            "advance": ["มีการสร้างนวัตกรรมในการปรับปรุงให้เกิดขึ้นใน", "กระบวนการทำงานหลัก", "การบริการประชาชน"],
            "significance": ["การสร้างความร่วมมือกับทุกภาคส่วน", "การสร้างนวัตกรรมการปรับปรุง"]},
}


@pytest.mark.parametrize("code", sorted(GUIDANCE_STARTS))
@pytest.mark.parametrize("level", ["basic", "advance", "significance"])
def test_guidance_sits_under_the_level_the_guide_prints_it(code, level):
    bullets = BY_CODE[code]["guidance"][level]
    starts = GUIDANCE_STARTS[code][level]
    assert len(bullets) == len(starts), bullets
    for bullet, start in zip(bullets, starts):
        assert bullet.startswith(start), (bullet, start)
        assert " e • " not in bullet and "•" not in bullet


def test_glossary_notes_are_notes_of_the_sub_item_not_guidance():
    for sub_item in SUB_ITEMS:
        for level, bullets in sub_item["guidance"].items():
            assert not [b for b in bullets if "=" in b], (sub_item["code"], level)
    terms = {s["code"]: [g["term"] for g in s["glossary"]] for s in SUB_ITEMS if s["glossary"]}
    assert sum(map(len, terms.values())) == 16
    assert terms["6.4"] == ["Leading Indicators", "Lagging indicator"]
    assert terms["1.3"] == terms["3.3"] == ["นวัตกรรม"]
    assert terms["1.2"] == ["มาตรการป้องกันเชิงรุกในการป้องกันการทุจริตและสร้างความโปร่งใส",
                            "แนวปฏิบัติที่ดี(Best Practice)"]
    assert all(g["definition"] for s in SUB_ITEMS for g in s["glossary"])


def test_province_items_are_marked_for_provinces_only_and_say_why():
    marked = {(s["code"], i["code"]): i["applies_to"] for s in SUB_ITEMS for i in s["items"] if i.get("applies_to")}
    assert marked == {("2.3", "S4"): ["province"], ("2.4", "A4"): ["province"]}
    for code, item_code in marked:
        assert any("[ระดับจังหวัด]" in note and item_code in note for note in BY_CODE[code]["notes"])
        item = next(i for i in BY_CODE[code]["items"] if i["code"] == item_code)
        assert "[ระดับจังหวัด]" not in item["text"]


def test_questions_keep_the_guides_blanks_and_bullets():
    questions = {q["code"]: q for s in SUB_ITEMS for q in s["questions"]}
    assert len(questions) == 94
    blanks = sum((q["text"] + "".join(q.get("bullets", []))).count("……") for q in questions.values())
    assert blanks == 222
    assert questions["5.3.1"]["text"].endswith("ได้แก่ ……")
    assert [b.split(" เช่น")[0] for b in questions["1.1.1"]["bullets"]] == [
        "ด้านเศรษฐกิจ", "ด้านสังคม", "ด้านสิ่งแวดล้อม", "ด้านสาธารณสุข"]
    assert questions["5.1.1"]["bullets"][0] == "ภารกิจที่ 1 คือ …… และขีดความสามารถของบุคลากรที่ตอบสนองภารกิจ คือ ……"
    for question in questions.values():
        for text in (question["text"], *question.get("bullets", [])):
            assert "..." not in text and not re.search(r"(?<!…)…(?!…)", text), text
