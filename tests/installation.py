"""An installation of its own for tests that need one (a database file other processes
open, a short busy timeout, data folders on a small disk): migrated, criteria loaded,
one agency with an editor and a current cycle."""
from pathlib import Path
from types import SimpleNamespace

from flask_migrate import upgrade

from portal.admin import operations as admin_ops
from portal.criteria.loader import load_criteria
from portal.criteria.store import sync_criteria
from portal.extensions import db
from tests.conftest import make_test_app
from tests.helpers import checklist_item, make_agency, make_user, signed_in


def own_installation(tmp: Path, database_url: str | None = None, **overrides) -> SimpleNamespace:
    database_path = tmp / "portal.sqlite3"
    app = make_test_app(database_url or f"sqlite:///{database_path}", tmp, **overrides)
    with app.app_context():
        upgrade()
        sync_criteria(load_criteria(app.config["CRITERIA_DIR"], app.config["CRITERIA_VERSION"]))
        agency = make_agency("OWN-A")
        make_user("own-editor", ("agency_editor", agency))
        admin_ops.make_current(admin_ops.create_cycle(2569, "pmqa-4.0"))
        db.session.commit()
        item_id = checklist_item().id
        agency_id = agency.id
        db.session.remove()
    return SimpleNamespace(app=app, database_path=database_path, agency_id=agency_id, item_id=item_id)


def editor_client(app):
    return signed_in(app, "own-editor")


def dispose(installation: SimpleNamespace) -> None:
    with installation.app.app_context():
        db.session.remove()
        db.engine.dispose()
