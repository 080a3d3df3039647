"""No extraction damage anywhere in the criteria, found by mark order and by the damaged
spellings the guide's fonts produce, not by dictionary share alone."""
from pathlib import Path

import pytest
import yaml
from pythainlp.corpus import thai_words

import pythainlp
from portal.config import PROJECT_ROOT
from portal.criteria.loader import load_criteria, strings_in
from portal.criteria.textcheck import KNOWN_DAMAGE, find_damage

CRITERIA = load_criteria(PROJECT_ROOT / "criteria")
SPELLINGS = yaml.safe_load((PROJECT_ROOT / "criteria" / "pmqa-4.0" / "spellings.yaml").read_text(encoding="utf-8"))
WIKIPEDIA_TITLES = Path(pythainlp.__file__).parent / "corpus" / "wikipedia_titles_th.txt"

# Strings as the criteria data held them before they were read against the guide.
DAMAGED_BEFORE = [
    ("มีการทำงานเป็นทีมที่ข้ามกลุ่ม/กอง/สำนัก เพื่อผลสำเร็จของงานทีมี่สมรรถนะสูงร่วมกัน", "known_damage"),
    ("สารสนเทศที่สามารถสะท้อนความต้องการและความคาดหวังที่แตกต่างกนัของแต่ละกลุ่ม", "known_damage"),
    ("เชื่อมโยงสารสนเทศไปสู่การปรับปรุงการบริการและการปฏับิติงาน", "known_damage"),
    ("ส่งเสริมรปูแบบการทำงานที่ให้บุคลากรทุกระดับได้มีส่วนร่วม", "known_damage"),
    ("จัดทำแผนงานในการป้องกนัความเสี่ยงและการโจมตีทางไซเบอร์", "known_damage"),
    ("มีการเตรียมความพรอ้มและมีความคล่องตัวต่อสถานการณ์", "known_damage"),
    ("ส่งเสริมนวัตกรรมและการเรียนรูข้องบุคลากร", "known_damage"),
    ("ผู้นำในการชี้นำและขับเคลื่อนองค์การให้เกิดความยั่งยืน การกำกับูดแลที่ดี", "known_damage"),
    ("การสร้างวัฒนธรรมการทำงานที่เป็นมืออาชีพ การสร้างความผูกพันและความเป็นเจ้าของให้แกบ่คุลากร", "known_damage"),
    ("สามารถดึงดูดและรักษาไว้ซึ่งบุคลากรีทมี่ศักยภาพ", "known_damage"),
    ("มีการรายงานผลกระทบีท่อาจเกิดขึ้นจากการดำเนินงาน", "known_damage"),
    ("สร้างบรรยากาศและสภาพแวดล้อมในการทำงานแบบุม่งผลสัมฤทธิ์", "known_damage"),
    ("หน่วยงานได้รับรางวัลด้านความโปร่งใส ได้แก.่", "mark_without_consonant"),
    ("นำผลการวิเคราะห์ไปใช้ โดย (ระบ)ุการกำหนดนโยบาย", "mark_without_consonant"),
    ("โดย ประโยชน/์ความต้องการของผู้รับบริการ", "mark_without_consonant"),
    ("(บุคลากร ระบบข้อมูล กระบวนงาน และเทคโนโลย)ี คือ", "mark_without_consonant"),
    ("สื่อสารถ่ายทอดแผนปฏบิัติการไปสู่บุคลากร", "two_vowels"),
    # Shapes of the guide's raw text that the checker must also see.
    ("ก าหนดตวัชีว้ดั", "split_sara_am"),
    ("การท างานทีม่ี", "tone_before_vowel"),
    ("ผลสมัฤทธิ ์กระตุน้", "mark_without_consonant"),
    ("เพ่ือให้เห็นถึง", "tone_before_vowel"),
    ("กระบวนการทีเ่ป็นเลศิ", "mark_without_consonant"),
    ("การจัดการกระบวนการท่ีมีประสิทธิภาพ", "tone_before_vowel"),
    ("กําหนด", "decomposed_sara_am"),
    ("เ ป็น", "orphan_leading_vowel"),
    ("กัิน", "two_vowels"),
    ("ก่้า", "two_tones"),
]


def test_no_damage_in_any_criteria_text():
    findings = [f"{where}: {finding.describe()}" for where, text in CRITERIA.texts()
                for finding in find_damage(text)]
    assert findings == []


@pytest.mark.parametrize(("text", "kind"), DAMAGED_BEFORE, ids=[t for t, _ in DAMAGED_BEFORE])
def test_the_damage_read_in_the_guide_is_found(text, kind):
    assert kind in {finding.kind for finding in find_damage(text)}


@pytest.mark.parametrize(("damaged", "correct"), sorted(KNOWN_DAMAGE.items()))
def test_each_known_damaged_spelling_is_flagged_and_its_repair_is_not(damaged, correct):
    assert "known_damage" in [f.kind for f in find_damage(damaged)]
    assert not [f for f in find_damage(correct) if f.kind == "known_damage"]


def test_dictionary_words_and_wikipedia_titles_are_not_known_damage():
    """Text nobody here wrote: the listed spellings must not match correct Thai."""
    words = sorted(thai_words()) + WIKIPEDIA_TITLES.read_text(encoding="utf-8").splitlines()
    flagged = [w for w in words if any(f.kind == "known_damage" for f in find_damage(w))]
    assert flagged == []


def test_mark_order_checks_only_flag_the_dictionarys_own_typos():
    """Of PyThaiNLP's 62,000 words only a handful break the mark order, each a typo in the
    word list itself (a doubled vowel, a vowel with no consonant, ั with no final)."""
    flagged = sorted(w for w in thai_words() if find_damage(w))
    assert flagged == ["คาเแร็กเตอร์", "น้ำหนัา", "ปืโตรเลียม", "ฝืมือ", "รักษาู", "ลัาน", "ศรีอยุูธยา",
                       "อาวุูธ", "เถึยง", "เมีัย", "เหมืิอน", "ได้จังหวัะ", "ไรัสาระ"]


def test_the_guides_own_spellings_are_listed_with_a_note_and_still_where_they_say():
    texts_by_sub_item = {}
    for category in CRITERIA.process:
        for sub_item in category.sub_items:
            texts_by_sub_item[sub_item.code] = " ".join(
                text for _, text in strings_in(sub_item.model_dump()))
    assert SPELLINGS["version"] == CRITERIA.version
    for entry in SPELLINGS["spellings"]:
        assert entry["note"].strip(), entry
        assert entry["where"], entry
        for code in entry["where"]:
            assert entry["text"] in texts_by_sub_item[code], (entry["text"], code)
        assert find_damage(entry["text"]) == [], entry["text"]


def test_cli_check_reports_damage_and_fails(tmp_path, app):
    import shutil

    copy = tmp_path / "criteria"
    shutil.copytree(PROJECT_ROOT / "criteria", copy)
    file = copy / "pmqa-4.0" / "category-5.yaml"
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    data["sub_items"][2]["title"] = data["sub_items"][2]["title"].replace("ให้แก่บุคลากร", "ให้แกบ่คุลากร")
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    runner = app.test_cli_runner()
    clean = runner.invoke(args=["criteria", "check"])
    assert clean.exit_code == 0 and "319 รายการตรวจสอบ, ไม่พบข้อความเพี้ยน" in clean.output
    original = app.config["CRITERIA_DIR"]
    app.config["CRITERIA_DIR"] = str(copy)
    try:
        damaged = runner.invoke(args=["criteria", "check"])
    finally:
        app.config["CRITERIA_DIR"] = original
    assert damaged.exit_code == 1
    assert "category-5.yaml: sub_items[2].title" in damaged.output
    assert "แกบ่คุลากร" in damaged.output
