"""The staff workspace (SPEC §7): sign-in by e-mail link, sessions, and the pages under /arbeid.

Every page asks shared.access (PERMISSIONS, refusal) through sessions.signed_in, as the API
asks it through auth.require and the e-mail links through actions.py.
"""
from __future__ import annotations

from flask import Flask

from . import documents, pages, sign_in
from .sessions import current_user


def init_app(app: Flask) -> None:
    sign_in.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(documents.bp)

    @app.context_processor
    def workspace_user() -> dict[str, object]:
        return {"workspace_user": current_user}


__all__ = ["init_app"]
