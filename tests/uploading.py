"""The path an agency's file takes, for tests of what the worker makes of it: an editor
uploads through the item's upload route (CSRF on), then the worker's jobs run as the
consumer would — the extraction task, then the index task its commit queued."""
import io
from pathlib import Path

from sqlalchemy import select

from portal import tasks
from portal.admin import operations as admin_ops
from portal.extensions import db
from portal.models import ChecklistItem, Evidence, SubItem
from portal.search import backend
from tests.helpers import csrf_token, login, make_agency, make_user


def uploading_editor(app, agency_code: str, username: str):
    """A signed-in editor of a new agency, with `upload_url` for item 1.1's first item."""
    with app.app_context():
        agency = make_agency(agency_code)
        make_user(username, ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item_id = db.session.scalar(select(ChecklistItem.id).join(SubItem).where(SubItem.code == "1.1"))
        agency_id = agency.id
        backend.rebuild()  # an installation's index exists (`flask search reindex`); the jobs update it
    client = app.test_client()
    login(client, username)
    client.token = csrf_token(client, "/")
    client.upload_url = f"/agencies/{agency_id}/items/{item_id}/files"
    return client


def upload_and_process(app, client, path: Path, name: str) -> int:
    """Upload `path` as `name`, run extraction and indexing; the evidence id."""
    response = client.post(client.upload_url, data={"files": [(io.BytesIO(path.read_bytes()), name)]},
                           headers={"HX-Request": "true", "X-CSRFToken": client.token},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id).order_by(Evidence.id.desc()))
        db.session.commit()  # the tasks run in sessions of their own
        tasks.extract_evidence_task.call_local(evidence_id)
        tasks.index_evidence_task.call_local([evidence_id])
        evidence = db.session.get(Evidence, evidence_id)
        assert evidence.extraction_status == "done", evidence.extraction_error
    return evidence_id
