"""Sample threads and review statuses for the demo agency, so the reviews pages have content."""
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, ChecklistItem, SubItem, User
from portal.models.review import CommentThread
from portal.reviews import operations as ops


def load_demo_reviews(criteria_version: str = "pmqa-4.0") -> bool:
    """Add two threads and two statuses on DEMO-DEPT once; False when already there or
    when the criteria or accounts are missing."""
    agency = db.session.scalar(select(Agency).where(Agency.code == "DEMO-DEPT"))
    users = {u.username: u for u in db.session.scalars(
        select(User).where(User.username.in_(("reviewer", "editor", "assessor"))))}
    items = {i.code: i for i in db.session.scalars(
        select(ChecklistItem).join(SubItem).where(SubItem.code == "1.1", ChecklistItem.code.in_(("B1", "B2"))))}
    if agency is None or len(users) < 3 or len(items) < 2 or db.session.scalar(
            select(CommentThread.id).where(CommentThread.agency_id == agency.id).limit(1)):
        return False
    reviewer, editor, assessor = users["reviewer"], users["editor"], users["assessor"]
    shared = ops.start_thread(agency, items["B1"], "shared",
                              "กรุณาแนบรายงานการประชุมผู้บริหารที่กำหนดทิศทางองค์การ\n"
                              "ตัวอย่างรูปแบบ: https://www.opdc.go.th", reviewer)
    ops.reply(shared, shared.comments[0].id, "แนบรายงานการประชุมครั้งที่ 1/2569 แล้วค่ะ", editor)
    ops.start_thread(agency, items["B1"], "internal", "ตรวจแล้วตรงเกณฑ์ เสนอให้ผ่านเมื่อได้รับรายงาน", assessor)
    ops.set_status(agency, items["B1"], "accepted", "", reviewer)
    ops.set_status(agency, items["B2"], "needs_revision",
                   "ยังไม่พบหลักฐานการสื่อสารทิศทางองค์การไปยังบุคลากร", reviewer)
    return True
