"""CSRF protection for the HTML forms, rate limits per client address (Redis storage) and the
security headers on every response.

The pages run no script and carry no inline style, so the Content-Security-Policy is strict:
only our own files, no inline script or style, no framing, forms post only to us. Browsers get
HSTS outside development or when the public address is https.
"""
from __future__ import annotations

import threading
import time

from flask import Flask, Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from limits.storage import RedisStorage

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


class OneTripRedisStorage(RedisStorage):
    """limits' Redis storage whose counting also reads the window's expiry, in one Lua call.

    Flask-Limiter counts a submission (an increment) and then, for the X-RateLimit-* and
    Retry-After headers, reads the same counter and its expiry back: three round trips. Here
    the increment answers both, and the reads that follow in the same thread within a second
    are answered from that; any other read goes to Redis as before. The counter lives in
    Redis as before, so the limit holds across workers. Registered by its scheme (limits'
    own way of adding a storage); `limiter_storage_uri` picks it for redis:// addresses.
    """

    STORAGE_SCHEME = ["samhandling+redis", "samhandling+rediss"]  # the limits package's own shape
    SCRIPT_INCR_EXPIRE_TTL = b"""
        local current = redis.call("incrby", KEYS[1], ARGV[2])
        if tonumber(current) == tonumber(ARGV[2]) then
            redis.call("expire", KEYS[1], ARGV[1])
        end
        return {current, redis.call("ttl", KEYS[1])}
    """
    FRESH_FOR = 1.0  # seconds: a request reads its headers right after counting

    def __init__(self, uri: str, **options: float | str | bool) -> None:
        super().__init__(uri.removeprefix("samhandling+"), **options)  # type: ignore[arg-type]
        self._counted = threading.local()

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self.lua_incr_expire_ttl = self.get_connection().register_script(self.SCRIPT_INCR_EXPIRE_TTL)

    def _just_counted(self) -> dict[str, tuple[int, float, float]]:
        if not hasattr(self._counted, "keys"):
            self._counted.keys = {}
        return self._counted.keys  # type: ignore[no-any-return]

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        key = self.prefixed_key(key)
        current, ttl = self.lua_incr_expire_ttl([key], [expiry, amount])
        now = time.monotonic()
        counted = self._just_counted()
        for stale in [k for k, (_, _, at) in counted.items() if now - at > self.FRESH_FOR]:
            del counted[stale]
        counted[key] = (int(current), max(int(ttl), 0) + time.time(), now)
        return int(current)

    def get(self, key: str) -> int:
        found = self._just_counted().get(self.prefixed_key(key))
        if found is not None and time.monotonic() - found[2] <= self.FRESH_FOR:
            return found[0]
        return super().get(key)

    def get_expiry(self, key: str) -> float:
        found = self._just_counted().pop(self.prefixed_key(key), None)
        if found is not None and time.monotonic() - found[2] <= self.FRESH_FOR:
            return found[1]
        return super().get_expiry(key)


def limiter_storage_uri(uri: str) -> str:
    """Our one-trip Redis storage for a redis:// or rediss:// address; any other as it is."""
    scheme = uri.split("://", 1)[0]
    return f"samhandling+{uri}" if scheme in {"redis", "rediss"} else uri


def init_app(app: Flask) -> Limiter:
    settings = app.config["SETTINGS"]
    csrf.init_app(app)
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=limiter_storage_uri(settings.rate_limit_storage or settings.redis_url),
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
