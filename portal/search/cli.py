"""`flask search reindex` and `flask search query` for scripting and checks."""
import json
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency
from portal.search import backend
from portal.search.answer_documents import indexed_count
from portal.search.index import SearchUnavailable
from portal.search.query import DATE_FIELDS, DateFilter
from portal.thai.dates import ThaiDateError, parse_thai_date

search_cli = AppGroup("search", help="ดัชนีค้นหาหลักฐาน")


@search_cli.command("reindex")
@click.option("--batch", default=200, show_default=True, help="หลักฐานต่อหนึ่งรอบการเขียน")
@click.option("--fresh", is_flag=True, help="เริ่มใหม่ทั้งหมด ไม่ต่อจากครั้งที่ถูกขัดจังหวะ")
def reindex_command(batch, fresh):
    """Rebuild the whole index from the database in batches (built aside, then swapped in);
    an interrupted rebuild continues from its last committed batch."""
    with click.progressbar(length=1, label="สร้างดัชนีค้นหา") as bar:
        def progress(done, total):
            if bar.pos == 0 and done:
                click.echo(f"\nต่อจากครั้งก่อน: ทำไปแล้ว {done} จาก {total} รายการ", err=True)
            bar.length = max(total, 1)
            bar.update(done - bar.pos)
        count = backend.rebuild(wait=False, progress=progress, batch=batch, fresh=fresh)
        if count is None:  # one rebuild at a time: they share the folder being built
            click.echo("\nกำลังมีการสร้างดัชนีอยู่แล้ว (เช่น โดยระบบเบื้องหลัง) รอให้เสร็จก่อนแล้วจะสร้างใหม่", err=True)
            count = backend.rebuild(progress=progress, batch=batch, fresh=fresh)
    click.echo(f"สร้างดัชนีจากหลักฐาน {count} รายการ และคำตอบ {indexed_count()} ข้อแล้ว")


@search_cli.command("query")
@click.argument("text")
@click.option("--agency", "agency_code", help="จำกัดเฉพาะส่วนราชการ (รหัส)")
@click.option("--json", "as_json", is_flag=True, help="พิมพ์ผลเป็น JSON")
@click.option("--limit", default=10, show_default=True)
@click.option("--from", "date_from", default="", help="ตั้งแต่วันที่ เช่น 1/10/2568 หรือ 1 ต.ค. 2568")
@click.option("--to", "date_to", default="", help="ถึงวันที่")
@click.option("--date-field", type=click.Choice(sorted(DATE_FIELDS)), default="document", show_default=True,
              help="document = วันที่ของเอกสาร, uploaded = วันที่อัปโหลด")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
def query_command(text, agency_code, as_json, limit, date_from, date_to, date_field, sort):
    agency_ids = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code.upper()))
        if agency is None:
            click.echo(f"ไม่พบส่วนราชการรหัส {agency_code}", err=True)
            sys.exit(1)
        agency_ids = {agency.id}
    try:
        dates = DateFilter(date_field, parse_thai_date(date_from), parse_thai_date(date_to))
    except ThaiDateError as error:
        raise click.BadParameter(str(error)) from None
    try:
        results = backend.search_or_unavailable(text, agency_ids, per_page=limit, sort=sort, dates=dates)
    except SearchUnavailable as error:
        click.echo(str(error) + " (รัน flask --app portal search reindex)", err=True)
        sys.exit(3)
    codes = {a.id: a.code for a in db.session.scalars(select(Agency))}
    rows = [{"evidence_id": h.evidence_id, "answer_id": h.answer_id, "agency": codes.get(h.agency_id),
             "items": h.items, "page": h.page, "score": round(h.score, 3), "title": h.title, "snippet": h.snippet}
            for h in results.hits]
    if as_json:
        click.echo(json.dumps({"total": results.total, "suggestion": results.suggestion, "hits": rows}, ensure_ascii=False, indent=2))
        return
    click.echo(f"พบ {results.total} รายการ")
    if results.suggestion:
        click.echo(f"คุณหมายถึง: {results.suggestion}")
    for row in rows:
        if row["answer_id"]:
            click.echo(f"{row['title']} {row['agency']} ({row['score']})\n    {row['snippet']}")
            continue
        click.echo(f"#{row['evidence_id']} {row['agency']} {','.join(row['items'])} หน้า {row['page']} "
                   f"({row['score']}) {row['title']}\n    {row['snippet']}")
