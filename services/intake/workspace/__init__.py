"""The staff workspace (SPEC §7): sign-in by e-mail link, sessions, and the pages under /arbeid.

Every page asks shared.access (PERMISSIONS, refusal) through sessions.signed_in, as the API
asks it through auth.require and the e-mail links through actions.py.
"""
from __future__ import annotations

from flask import Flask

from shared.access import may

from . import (
    absence,
    access,
    cases as cases,  # adds the case page to pages.bp
    compliance,
    directory,
    documents,
    handbook,
    inbox as inbox,  # adds the inbox to pages.bp
    meeting_page as meeting_page,  # adds a meeting's page to meetings.bp
    meetings,
    minutes_page as minutes_page,  # adds the minutes page to meetings.bp
    notices,
    pages,
    personal_data,
    sign_in,
)
from .sessions import current_user


def init_app(app: Flask) -> None:
    sign_in.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(notices.bp)
    app.register_blueprint(absence.bp)
    app.register_blueprint(compliance.bp)
    app.register_blueprint(access.bp)
    app.register_blueprint(personal_data.bp)
    app.register_blueprint(directory.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(handbook.bp)
    app.jinja_env.globals["may"] = may

    @app.context_processor
    def workspace_user() -> dict[str, object]:
        return {"workspace_user": current_user}


__all__ = ["init_app"]
