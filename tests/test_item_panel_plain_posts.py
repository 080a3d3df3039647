"""Forms of the item panel and the answer cards posted without JavaScript (no HX-Request):
a refusal answers with the workspace page again (422, or 409 for a save made on an older
version), the Thai reason beside the form, what was typed back in its fields (escaped), and
nothing stored. The htmx answers to the same posts are tested with each form's own tests."""
import io

from markupsafe import escape
from sqlalchemy import func, select

from portal.answers import structure
from portal.extensions import db
from portal.models import Answer, Evidence, EvidenceAttachment
from tests.helpers import signed_in
from tests.test_answers import save, stored, world  # noqa: F401  (world is a fixture)

MARKUP = 'แผน "ฉบับใหม่" <ร่าง> & ภาคผนวก'  # quotes, angle brackets and & must come back as text


def plain_post(client, url, data, **kwargs):
    return client.post(url, data={"csrf_token": client.token, **data}, **kwargs)


def assert_page_again(response, message: str, *typed: str):
    """The workspace page (not the error page), the reason and every typed value in it, escaped."""
    html = response.get_data(as_text=True)
    assert "<html" in html and 'class="with-sidebar"' in html, html[:500]
    assert "ข้อมูลไม่ถูกต้อง" not in html  # the generic error page's title
    assert message in html
    for value in typed:
        assert str(escape(value)) in html
        assert value not in html or value == str(escape(value))


def evidence_state(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Evidence.id))),
                [(a.note, a.version) for a in db.session.scalars(select(EvidenceAttachment))])


def test_a_bad_link_comes_back_in_the_page_with_what_was_typed(app, world):
    ana, before = signed_in(app, "ans-ana"), evidence_state(app)
    url = 'ftp://intranet.example.go.th/plan?a="1"&b=<2>'
    response = plain_post(ana, f"/agencies/{world['agency']}/items/{world['item']}/links",
                          {"url": url, "title": MARKUP})
    assert response.status_code == 422
    assert_page_again(response, "รับเฉพาะลิงก์ที่ขึ้นต้นด้วย http:// หรือ https:// เท่านั้น", url, MARKUP)
    assert f'id="link-error-{world["item"]}" role="alert"' in response.get_data(as_text=True)
    assert evidence_state(app) == before


def test_a_note_too_long_comes_back_in_the_page_with_what_was_typed(app, world):
    ana, before = signed_in(app, "ans-ana"), evidence_state(app)
    with app.app_context():
        version = db.session.scalar(select(EvidenceAttachment.version))
    note = MARKUP + "ก" * 1000
    response = plain_post(ana, f"/agencies/{world['agency']}/items/{world['item']}/note/{world['mine']}",
                          {"note": note, "version": str(version)})
    assert response.status_code == 422
    assert_page_again(response, "หมายเหตุยาวเกิน", note)
    assert evidence_state(app) == before


def test_an_upload_without_a_file_or_with_a_bad_date_comes_back_in_the_page(app, world):
    ana, before = signed_in(app, "ans-ana"), evidence_state(app)
    url = f"/agencies/{world['agency']}/items/{world['item']}/files"
    nothing = plain_post(ana, url, {"title": MARKUP, "document_date": "15/3/2569"})
    assert nothing.status_code == 422
    assert_page_again(nothing, "กรุณาเลือกไฟล์อย่างน้อยหนึ่งไฟล์", MARKUP, "15/3/2569")
    bad_date = plain_post(ana, url, {"title": MARKUP, "document_date": "31/02/2569",
                                     "files": [(io.BytesIO("แผนยุทธศาสตร์".encode()), "แผน.txt")]},
                          content_type="multipart/form-data")
    assert bad_date.status_code == 422
    assert_page_again(bad_date, "วันที่ของเอกสาร", MARKUP, "31/02/2569")
    assert evidence_state(app) == before


def test_an_upload_over_the_limit_comes_back_in_the_page(app, world, monkeypatch):
    """The body is refused before the view reads it (so the typed title cannot come back),
    but the page and the item's panel say why, instead of the error page."""
    ana, before = signed_in(app, "ans-ana"), evidence_state(app)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = plain_post(ana, f"/agencies/{world['agency']}/items/{world['item']}/files",
                          {"title": MARKUP, "files": [(io.BytesIO(b"%PDF-1.4" + b"0" * 4096), "สแกน.pdf")]},
                          content_type="multipart/form-data")
    assert response.status_code == 413
    assert_page_again(response, "ไฟล์ใหญ่เกิน 4.0 KB")
    html = response.get_data(as_text=True)
    panel = html[html.index(f'id="item-{world["item"]}"'):]
    assert panel.index("ไฟล์ใหญ่เกิน 4.0 KB") < panel.index("</article>")  # at the item, not at the top
    htmx = ana.post(f"/agencies/{world['agency']}/items/{world['item']}/files", content_type="multipart/form-data",
                    data={"files": [(io.BytesIO(b"0" * 5000), "a.pdf")]},
                    headers={"HX-Request": "true", "X-CSRFToken": ana.token})
    assert htmx.status_code == 413 and htmx.headers["HX-Retarget"] == "#messages"  # as before
    assert evidence_state(app) == before


def test_an_answer_too_long_comes_back_in_its_boxes(app, world):
    ana = signed_in(app, "ans-ana")
    typed = MARKUP + "ก" * structure.MAX_PART_CHARS
    response = save(ana, world, "q_one", [typed], 0, headers={})
    assert response.status_code == 422
    assert_page_again(response, "ยาวเกิน 5,000 ตัวอักษร", typed)
    html = response.get_data(as_text=True)
    box = html[html.index(f'id="part-{world["q_one"]}-0"'):]
    assert box[box.index(">") + 1:].startswith(str(escape(typed)) + "</textarea>")  # in the box, not only quoted
    assert stored(app, world, "q_one") is None


def test_an_answer_saved_meanwhile_shows_both_texts_and_keeps_the_typed_one_in_the_box(app, world):
    ana, bee = signed_in(app, "ans-ana"), signed_in(app, "ans-bee")
    assert save(bee, world, "q_one", ["ข้อความของบี"], 0).status_code == 200
    response = save(ana, world, "q_one", [MARKUP], 0, headers={})
    assert response.status_code == 409
    assert_page_again(response, "มีผู้อื่นแก้ไขคำตอบข้อ 1.1.2", MARKUP, "ข้อความของบี")
    html = response.get_data(as_text=True)
    box = html[html.index(f'id="part-{world["q_one"]}-0"'):]
    assert box[box.index(">") + 1:].startswith(str(escape(MARKUP)) + "</textarea>")
    with app.app_context():
        assert db.session.scalar(select(Answer.parts)) == ["ข้อความของบี"]
