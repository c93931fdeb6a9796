"""The intake service: public complaint form, tracking page and JSON API (Flask)."""
from __future__ import annotations

from flask import Flask

from shared.db import make_engine, make_sessionmaker
from shared.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    engine = make_engine(settings.database_url)
    app.extensions["engine"] = engine
    app.extensions["sessionmaker"] = make_sessionmaker(engine)

    from . import api, errors, health, security, tracking, web

    errors.init_app(app)
    security.init_app(app)
    app.register_blueprint(api.bp)
    security.csrf.exempt(api.bp)  # JSON only (415 otherwise), so no form can post to it
    app.register_blueprint(health.bp)
    app.register_blueprint(tracking.bp)
    web.init_app(app)
    security.limit_submissions(app, "api.create_complaint", *web.SUBMISSION_ENDPOINTS)
    return app
