"""Thai extraction repair on real lines of the PMQA guide."""
import re

import pytest

from portal.thai.repair import fix_split_sara_am, repair_thai

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
]


@pytest.mark.parametrize("damaged,expected", GUIDE_LINES)
def test_guide_lines_are_repaired(damaged, expected):
    assert repair_thai(damaged) == expected


@pytest.mark.parametrize("text", ALREADY_CLEAN)
def test_clean_text_is_left_alone(text):
    assert repair_thai(text) == text


def test_split_sara_am_rule_alone():
    assert fix_split_sara_am("ก าหนด น ้า สม า่เสมอ") == "กำหนด น้ำ สม่่ำเสมอ".replace("่่", "่")


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
