"""The intake service: public complaint form, tracking page and JSON API (Flask)."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from shared.db import make_engine, make_sessionmaker, one_statement_sessionmaker
from shared.logs import configure_logging
from shared.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging("intake", settings.log_level, settings.effective_log_format)
    app = Flask(__name__)
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.environment != "development",
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if settings.trusted_proxies:
        # The client address (rate limits, idempotency), scheme and host as the proxies saw them.
        hops = settings.trusted_proxies
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]
    engine = make_engine(settings.database_url)
    app.extensions["engine"] = engine
    app.extensions["sessionmaker"] = make_sessionmaker(engine)
    # A complaint is written in one statement on PostgreSQL: it commits itself (services/intake/complaints.py).
    app.extensions["complaint_sessions"] = one_statement_sessionmaker(app.extensions["sessionmaker"])

    from .cases import CooperativeIds

    app.extensions["cooperatives"] = CooperativeIds()

    from . import (
        actions,
        api,
        cases_api,
        cli,
        compliance_api,
        contacts_api,
        errors,
        handbook_api,
        health,
        languages,
        meetings_api,
        metrics,
        notifications_api,
        openapi,
        privacy,
        security,
        staff,
        tracking,
        web,
        workspace,
    )

    rest = openapi.init_app(app)
    errors.init_app(app)  # after flask-smorest, so every error has our one shape
    languages.init_app(app)
    security.init_app(app)
    for blueprint in (api.bp, staff.bp, cases_api.bp, notifications_api.bp, meetings_api.bp,
                      handbook_api.bp, contacts_api.bp, compliance_api.bp):
        rest.register_blueprint(blueprint)
        security.csrf.exempt(blueprint)  # JSON only (415 otherwise), so no form can post to it
    cli.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(tracking.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(compliance_api.pages)
    app.register_blueprint(actions.bp)
    web.init_app(app)
    workspace.init_app(app)
    security.limit_submissions(app, "api.create_complaint", *web.SUBMISSION_ENDPOINTS)
    metrics.init_app(app)  # a plain route: outside the OpenAPI document, CSRF and rate limits
    return app
