"""Thai extraction repair on real lines of the PMQA guide, and on clean text it must leave."""
import re

import pytest

from portal.thai.damage import damage_line
from portal.thai.marks import rule_breaks
from portal.thai.repair import looks_damaged, repair_page, repair_thai

GUIDE_LINES = [
    # split sara am
    ("ก าหนดเป้าหมาย", "กำหนดเป้าหมาย"),
    ("การน าองค์การ", "การนำองค์การ"),
    ("ไม่รายงานตัววัดซ ้าในกลุ่มเดียวกัน", "ไม่รายงานตัววัดซ้ำในกลุ่มเดียวกัน"),
    ("มูลค่าผลผลิตปาล์มน ้ามัน", "มูลค่าผลผลิตปาล์มน้ำมัน"),
    ("ระดับของการละเมิด (ต ่ากว่าระดับ 3)", "ระดับของการละเมิด (ต่ำกว่าระดับ 3)"),
    # marks shifted one letter right (checklist pages)
    ("ผูบ้รหิารก าหนดทศิทางขององคก์ารทีต่อบสนองพนัธกจิและภาระหนา้ทีข่องสว่นราชการ",
     "ผู้บริหารกำหนดทิศทางขององค์การที่ตอบสนองพันธกิจและภาระหน้าที่ของส่วนราชการ"),
    ("ผูบ้รหิารสือ่สารถา่ยทอดทศิทางและการตดัสนิใจทีส่ าคญัแบบสองทศิทางไปสูท่กุระดบัภายในองคก์ร",
     "ผู้บริหารสื่อสารถ่ายทอดทิศทางและการตัดสินใจที่สำคัญแบบสองทิศทางไปสู่ทุกระดับภายในองค์กร"),
    ("ผูบ้รหิารตดิตาม ทบทวนผลการด าเนนิงานอยา่งตอ่เนือ่งและสม า่เสมอ",
     "ผู้บริหารติดตาม ทบทวนผลการดำเนินงานอย่างต่อเนื่องและสม่ำเสมอ"),
    ("RB1: ทศิทางองคก์รทีช่ดัเจนสอดคลอ้งกบัพันธกจิ สภาพแวดลอ้มทางยทุธศาสตรข์ององคก์ร",
     "RB1: ทิศทางองค์กรที่ชัดเจนสอดคล้องกับพันธกิจ สภาพแวดล้อมทางยุทธศาสตร์ขององค์กร"),
    ("ทศิทางการด าเนนิงานแสดงใหเ้ห็นผลลพัธท์ ีน่ าไปสูก่ารสรา้งประโยชนส์ขุแกป่ระชาชนและสงัคมอยา่งย ัง่ยนื",
     "ทิศทางการดำเนินงานแสดงให้เห็นผลลัพธ์ที่นำไปสู่การสร้างประโยชน์สุขแก่ประชาชนและสังคมอย่างยั่งยืน"),
    ("RA2: ผูม้สีว่นไดส้ว่นเสยี ภาคประชาชน และหนว่ยงานทีเ่ก ีย่วขอ้งใหค้วามรว่มมอืในการด าเนนิงานเพือ่ขบัเคลือ่น",
     "RA2: ผู้มีส่วนได้ส่วนเสีย ภาคประชาชน และหน่วยงานที่เกี่ยวข้องให้ความร่วมมือในการดำเนินงานเพื่อขับเคลื่อน"),
    ("7.2 ตวัชีว้ดัดา้นผูร้บับรกิาร และประชาชน", "7.2 ตัวชี้วัดด้านผู้รับบริการ และประชาชน"),
    ("ยทุธศาสตรช์าต ิ", "ยุทธศาสตร์ชาติ"),
    ("แนวปฏบิตัสิ าหรับบคุลากร", "แนวปฏิบัติสำหรับบุคลากร"),
    # pdftotext -raw adds a space after a tone mark: not a lost nikhahit
    ("บรรลุเป้ าหมาย", "บรรลุเป้าหมาย"),
    ("ป้ ายประกาศ", "ป้ายประกาศ"),
    # a tone typed before its vowel, and a line that was never shifted
    ("การน าเทคโนโลยีดิจิทัลมาใช้เพ่ือปรับเปลี่ยนรูปแบบการท างาน (Digitalization)",
     "การนำเทคโนโลยีดิจิทัลมาใช้เพื่อปรับเปลี่ยนรูปแบบการทำงาน (Digitalization)"),
    ("ลดต้นทุนในการเพ่ิมขดีความสามารถในการแขง่ขนั", "ลดต้นทุนในการเพิ่มขีดความสามารถในการแข่งขัน"),
]
ALREADY_CLEAN = [
    "ผู้บริหารกำหนดทิศทางขององค์การที่ตอบสนองพันธกิจ",
    "ระบบราชการ 4.0 (Digitalization) KPI 95% ปี 2569",
    "ร้อยละของการให้บริการที่ปรับสู่ดิจิทัลเต็มรูปแบบ",
    "Hello, World! 123",
    "",
    "   ",
    # a browser-printed PDF whose text layer is right (the repair once made it "บริการีม…")
    "ผู้รับบริการมีความพึงพอใจในภาพรวมร้อยละ 87.4",
    "…บริการมีความพึงพอใจในภาพรวมร้อยละ 87.4",
    # names and transliterations the dictionary does not know
    "คาซึยุกิโอกิตสึ",
    "นายสมศักดิ์ ศรีสุวรรณ์ ผู้อำนวยการกองแผนงาน",
    # words the old repair spoilt on a second pass over the criteria
    "การติดตาม ทุกระดับ ล่วงหน้า การกำกับดูแลที่ดี",
]


@pytest.mark.parametrize("damaged,expected", GUIDE_LINES)
def test_guide_lines_are_repaired(damaged, expected):
    assert repair_thai(damaged) == expected


@pytest.mark.parametrize("text", ALREADY_CLEAN)
def test_clean_text_is_left_alone(text):
    assert repair_thai(text) == text


def test_split_sara_am():
    assert repair_thai("ก าหนด น ้า สม า่เสมอ") == "กำหนด น้ำ สม่ำเสมอ"
    assert repair_thai("OCR: กําหนด น้ํา") == "OCR: กำหนด น้ำ"


def test_marks_typed_before_their_vowel_are_put_in_order():
    assert repair_thai("เพ่ือ") == "เพื่อ"


def test_a_page_without_evidence_comes_back_exactly():
    page = "รายงานผลการดำเนินงาน\nผู้รับบริการมีความพึงพอใจ ร้อยละ 87.4\n\nคาซึยุกิโอกิตสึ  "
    assert repair_page(page) == page


def test_a_damaged_page_is_repaired_line_by_line():
    clean = ["ผู้บริหารกำหนดทิศทางขององค์การ", "ที่สำคัญแบบสองทิศทาง (ระบุ)", "ได้แก่ การติดตามผล"]
    page = "\n".join(damage_line(line) for line in clean)
    assert repair_page(page) == "\n".join(clean)


@pytest.mark.parametrize("damaged,expected", GUIDE_LINES)
def test_guide_lines_show_evidence(damaged, expected):
    if damaged.replace("เพ่ือ", "เพื่อ").replace("เพ่ิม", "เพิ่ม") != expected:
        assert looks_damaged(damaged), damaged
    assert not looks_damaged(expected) and not rule_breaks(expected)


@pytest.mark.parametrize("text", ALREADY_CLEAN)
def test_clean_text_shows_no_evidence(text):
    assert not looks_damaged(text)


def test_repair_raises_the_share_of_dictionary_words():
    from pythainlp.corpus import thai_words
    from pythainlp.tokenize import word_tokenize

    words = set(thai_words())

    def share(text):
        tokens = [t for t in word_tokenize(text, engine="newmm", keep_whitespace=False)
                  if re.fullmatch(r"[\u0e01-\u0e2e\u0e30-\u0e4e]+", t)]
        return sum(t in words for t in tokens) / len(tokens)

    damaged = " ".join(d for d, _ in GUIDE_LINES)
    assert share(damaged) < 0.8
    assert share(repair_thai(damaged)) > 0.97


def test_a_page_is_checked_for_damage_in_one_pass_as_line_by_line():
    """The whole-page check finds what a check of each line finds: a mark at a line's
    start, a short vowel open at a line's end, nothing made across a line break."""
    from portal.thai.marks import evidence_count
    from portal.thai.repair import EVIDENCE_ON_ANY_LINE

    pages = {"ผู้บริหารกำหนดแผน\nร้อยละ 95 ของตัวชี้วัด": False, "ผู้บริหาร\n้กำหนด": True, "ผู้บริหารกั\nหนด": True,
             "กำหนด\nก าหนด": True, "กำหนด ก\nาหนด": False, "เพ่ือ\nการ": False, "เ\nก": False, "ก่\n่ก": True}
    for page, damaged in pages.items():
        assert any(evidence_count(line) for line in page.split("\n")) == damaged, page
        assert bool(EVIDENCE_ON_ANY_LINE.search(page)) == damaged, page
    assert repair_page("ผู้บริหารกำหนดแผน\nร้อยละ 95") == "ผู้บริหารกำหนดแผน\nร้อยละ 95"
