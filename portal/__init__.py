"""PMQA 4.0 evidence portal: the application factory."""
from pathlib import Path

from flask import Flask
from jinja2 import StrictUndefined

from portal import config
from portal.extensions import csrf, db, htmx, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(config.PROJECT_ROOT / "instance"),
        template_folder=str(config.PROJECT_ROOT / "templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    if app.config.get("TEMPLATES_STRICT"):
        app.jinja_env.undefined = StrictUndefined
    from portal.search.choice import engine_for

    engine_for(app.config["SEARCH_BACKEND"], app.config["SQLALCHEMY_DATABASE_URI"])  # a wrong setting stops the start
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    register_template_helpers(app)
    register_events(app)
    return app


def register_extensions(app: Flask) -> None:
    from portal import database, logs, metrics, rate_limits, security
    from portal.auth import session as auth_session

    security.register(app)  # before the blueprints: it bounds the ids their routes accept
    metrics.register(app)  # its after-request hook runs after the one of logs, which times the request
    logs.register(app)  # request ids; its before-request hook goes first of all
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    database.register(app)  # SQLite settings, deferred reads, retries, 503 on contention
    csrf.init_app(app)
    htmx.init_app(app)
    rate_limits.init_app(app)
    auth_session.register(app)  # Flask-Login, and every page but sign-in needs a session


def register_blueprints(app: Flask) -> None:
    """One blueprint per area, defined with its view modules in the area's __init__.py."""
    from portal import (admin, agencies, answers, assessment, auth, carryover, coverage, criteria, evidence, feedback,
                        main, reports, results, reviews, search, submissions)

    for area in (auth, main, criteria, agencies, admin, evidence, answers, search, coverage, results, reviews,
                 reports, submissions, carryover, assessment, feedback):
        app.register_blueprint(area.blueprint())


def register_cli(app: Flask) -> None:
    from portal.admin.cli import agencies_cli, cycles_cli, users_cli
    from portal.assessment.cli import assessment_cli
    from portal.backup.cli import backup_cli
    from portal.criteria.cli import criteria_cli
    from portal.demo import demo_cli
    from portal.evidence.cli import evidence_cli, storage_cli
    from portal.search.cli import search_cli

    for group in (criteria_cli, demo_cli, users_cli, agencies_cli, cycles_cli, evidence_cli, storage_cli, search_cli,
                  backup_cli, assessment_cli):
        app.cli.add_command(group)


def register_template_helpers(app: Flask) -> None:
    from portal import templating

    templating.register(app)


def register_events(app: Flask) -> None:
    """Error pages (503 for lasting contention, 507 for a full disk among them) and the audit of refused requests, the
    after-commit hook (portal.effects), and the worker's tasks, which the queue enqueues by
    name."""
    from portal import audit, effects, queue, tasks
    from portal.search import pg as search_pg
    from portal.main import errors

    errors.register(app)
    audit.register(app)
    effects.listen()
    search_pg.listen()  # the PostgreSQL engine writes its rows before each commit
    queue.require_tasks(tasks.ALL)
