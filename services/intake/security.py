"""CSRF protection for the HTML forms and rate limits per client address (Redis storage)."""
from __future__ import annotations

from flask import Flask, Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def init_app(app: Flask) -> Limiter:
    settings = app.config["SETTINGS"]
    csrf.init_app(app)
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=settings.rate_limit_storage or settings.redis_url,
        headers_enabled=True,
        strategy="fixed-window",
        # A broker outage must not turn the public form into a wall of 500s.
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    app.extensions["limiter"] = limiter
    app.after_request(_security_headers)
    return limiter


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def limit_submissions(app: Flask, *endpoints: str) -> None:
    """One budget per client address shared by every way of submitting (form and API)."""
    limiter: Limiter = app.extensions["limiter"]
    shared_limit = limiter.shared_limit(
        app.config["SETTINGS"].rate_limit_submissions, scope="submissions", methods=["POST"]
    )
    for endpoint in endpoints:
        app.view_functions[endpoint] = shared_limit(app.view_functions[endpoint])
