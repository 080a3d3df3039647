"""Keep the index current: whenever a transaction that touched evidence commits, the
affected evidence ids are queued for the worker (the only index writer). Hooked on the
session, so every path — pages, CLI, worker — is covered in this one place."""
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.models.evidence import Evidence, EvidenceAttachment, EvidencePage, FileVersion

PENDING_KEY = "pmqa_index_pending"


def index_folder() -> Path:
    from portal.search.backend import index_folder as folder

    return folder()


def _evidence_id(obj) -> int | None:
    if isinstance(obj, Evidence):
        return obj.id
    if isinstance(obj, (EvidenceAttachment, EvidencePage, FileVersion)):
        return obj.evidence_id or (obj.evidence.id if obj.evidence is not None else None)
    return None


@event.listens_for(Session, "after_flush")
def _collect(session, _context):
    pending = session.info.setdefault(PENDING_KEY, set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        evidence_id = _evidence_id(obj)
        if evidence_id:
            pending.add(evidence_id)


@event.listens_for(Session, "after_commit")
def _enqueue(session):
    pending = session.info.pop(PENDING_KEY, None)
    if pending:
        from portal.jobs import enqueue_index

        enqueue_index(sorted(pending))


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(PENDING_KEY, None)
