"""Small helpers for tests: accounts per role, signing in, CSRF tokens."""
import os
import re

from sqlalchemy import select

from portal.admin import operations as ops
from portal.extensions import db
from portal.models import Agency, ChecklistItem, SubItem

PASSWORD = "correct-horse-battery"
# The search engines a search test runs on: Whoosh always, PostgreSQL's in the PostgreSQL pass.
SEARCH_ENGINES = ("whoosh", "postgres") if os.environ.get("TEST_PG_ADMIN_URL") else ("whoosh",)
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def make_agency(code: str, name: str | None = None, kind: str = "department",
                unit_type: str = "service") -> Agency:
    agency = ops.create_agency(code, name or f"ส่วนราชการทดสอบ {code}", kind, unit_type)
    db.session.commit()
    return agency


def make_user(username: str, *grants: tuple[str, Agency | None], password: str = PASSWORD):
    user, _ = ops.create_user(username, f"ผู้ใช้ {username}", password)
    for role, agency in grants:
        ops.grant_role(user, role, agency)
    db.session.commit()
    return user


def csrf_token(client, path: str = "/auth/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client, username: str, password: str = PASSWORD, **extra):
    token = csrf_token(client)
    return client.post("/auth/login", data={"username": username, "password": password,
                                            "csrf_token": token, **extra})


def logout(client):
    token = csrf_token(client, "/")
    return client.post("/auth/logout", data={"csrf_token": token})


def stored_text_evidence(agency, item, user, title: str, text: str = "ข้อความทดสอบ"):
    """A file evidence whose bytes are really in the store, without the upload route."""
    import io

    from flask import current_app

    from portal.evidence.storage import BlobStore
    from portal.models import AssessmentCycle, Evidence, EvidenceAttachment, FileVersion
    from sqlalchemy import select

    blob = BlobStore(current_app.config["UPLOAD_DIR"]).save(io.BytesIO(text.encode()))
    cycle = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.is_current))
    evidence = Evidence(agency=agency, cycle=cycle, kind="file", title=title, created_by=user,
                        extraction_status="done")
    evidence.versions.append(FileVersion(number=1, sha256=blob.sha256, size=blob.size,
                                         mime="text/plain", file_kind="txt",
                                         original_name=f"{title}.txt"))
    if item is not None:
        evidence.attachments.append(EvidenceAttachment(checklist_item=item))
    db.session.add(evidence)
    db.session.commit()
    return evidence


def extracted_text_evidence(agency, item, user, title: str, text: str = "ข้อความทดสอบ"):
    """A stored text file the worker's own extraction has read (it has its page), as an
    upload has once its job ran."""
    from portal.evidence import pipeline

    evidence = stored_text_evidence(agency, item, user, title, text)
    evidence.extraction_status = "queued"
    db.session.commit()
    pipeline.run_extraction(evidence.id)
    return evidence


FORM_PATTERN = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
VERSION_PATTERN = re.compile(r'name="version" value="(\d+)"')


def form_version(client, page: str, action: str, headers: dict | None = None) -> str:
    """The record version the form that posts to `action` carries on `page` (its hidden
    input, portal/versions.py), read from the page as a browser would send it."""
    html = client.get(page, headers=headers or {}).get_data(as_text=True)
    for opening, inside in FORM_PATTERN.findall(html):
        if f'"{action}"' in opening or f'"{action}#' in opening:
            match = VERSION_PATTERN.search(inside)
            assert match, f"the form posting to {action} on {page} carries no version"
            return match.group(1)
    raise AssertionError(f"no form posting to {action} on {page}")


def checklist_item(sub_item: str = "1.1", code: str = "B1") -> ChecklistItem:
    """A loaded criteria item by its codes, e.g. checklist_item("1.1", "B1")."""
    return db.session.scalar(select(ChecklistItem).join(SubItem)
                             .where(SubItem.code == sub_item, ChecklistItem.code == code))


def signed_in(app, username: str, password: str = PASSWORD):
    """A test client signed in as `username`, with the CSRF token its forms send."""
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    client.token = csrf_token(client, "/")
    return client
