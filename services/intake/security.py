"""CSRF protection for the HTML forms, rate limits per client address (Redis storage) and the
security headers on every response.

The pages run no script and carry no inline style, so the Content-Security-Policy is strict:
only our own files, no inline script or style, no framing, forms post only to us. Browsers get
HSTS outside development or when the public address is https.
"""
from __future__ import annotations

from flask import Flask, Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",  # files from here only, never inline; the pages have none today
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
])
# Powerful browser features none of our pages uses, off for them and anything they might embed.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "usb",
))
HSTS = "max-age=31536000; includeSubDomains"  # a year


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
    hsts = settings.environment != "development" or settings.public_base_url.startswith("https://")

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if hsts:  # browsers ignore it over plain http, so it only ever pins the https address
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    return limiter


def limit_submissions(app: Flask, *endpoints: str) -> None:
    """One budget per client address shared by every way of submitting (form and API)."""
    limiter: Limiter = app.extensions["limiter"]
    shared_limit = limiter.shared_limit(
        app.config["SETTINGS"].rate_limit_submissions, scope="submissions", methods=["POST"]
    )
    for endpoint in endpoints:
        # Flask types a view as sync or async; flask-limiter keeps whichever it was given.
        app.view_functions[endpoint] = shared_limit(app.view_functions[endpoint])  # type: ignore[assignment]
