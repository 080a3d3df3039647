"""PMQA 4.0 evidence portal: the application factory."""
from pathlib import Path

from flask import Flask
from jinja2 import StrictUndefined

from portal import config, database, disk
from portal.extensions import csrf, db, htmx, limiter, migrate

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

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1)
    database.register(app)  # SQLite settings, deferred reads, retries, 503 on contention
    disk.register(app)  # 507 for a full disk wherever it is met

    from portal import models  # noqa: F401  (registers the tables on the metadata)
    from portal.search import sync  # noqa: F401  (keeps the index in step with commits)
    from portal.reviews import notify  # noqa: F401  (mails review notices after commits, when configured)
    from portal.admin.cli import agencies_cli, users_cli
    from portal.admin.views import bp as admin_bp
    from portal.agencies.views import bp as agencies_bp
    from portal.auth import session as auth_session
    from portal.auth.views import bp as auth_bp
    from portal.criteria.cli import criteria_cli
    from portal.coverage.views import bp as coverage_bp
    from portal.criteria.views import bp as criteria_bp
    from portal.demo import demo_cli
    from portal.evidence import detail_views  # noqa: F401  (adds its routes to the blueprint)
    from portal.evidence.cli import evidence_cli, storage_cli
    from portal.evidence.views import bp as evidence_bp
    from portal.results.views import bp as results_bp
    from portal.search.cli import search_cli
    from portal.search.views import bp as search_bp
    from portal.reviews import inbox_views  # noqa: F401  (adds the inbox routes to the blueprint)
    from portal.reviews import templating as review_templating
    from portal.reviews.views import bp as reviews_bp
    from portal.main import errors
    from portal.main.views import bp as main_bp
    from portal import templating

    auth_session.register(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(criteria_bp)
    app.register_blueprint(agencies_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(evidence_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(coverage_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(reviews_bp)
    errors.register(app)
    templating.register(app)
    review_templating.register(app)
    app.cli.add_command(criteria_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(agencies_cli)
    app.cli.add_command(evidence_cli)
    app.cli.add_command(storage_cli)
    app.cli.add_command(search_cli)
    app.after_request(_security_headers)
    return app


# Everything is served by the portal itself (intranets have no CDN), so 'self' suffices.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response
