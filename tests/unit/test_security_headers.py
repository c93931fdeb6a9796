"""Content-Security-Policy, Permissions-Policy and (outside development or behind https) HSTS
on every response: pages, API, errors, static files, metrics."""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest

from services.intake import create_app

PATHS = [("GET", "/klage"), ("GET", "/api/docs"), ("GET", "/finnes-ikke"), ("GET", "/sak/" + "x" * 43),
         ("GET", "/static/samhandling.css"), ("GET", "/api/openapi.json"), ("GET", "/metrics"),
         ("POST", "/api/v1/complaints"), ("GET", "/healthz")]


def directives(response) -> dict[str, set[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    parsed = {}
    for part in filter(None, (item.strip() for item in policy.split(";"))):
        name, *values = part.split()
        parsed[name] = set(values)
    return parsed


@pytest.mark.parametrize("method,path", PATHS)
def test_every_response_has_a_strict_content_security_policy(client, method, path):
    response = client.open(path, method=method, json={} if method == "POST" else None)
    csp = directives(response)
    assert csp.get("default-src") == {"'self'"}
    assert csp.get("script-src") in ({"'self'"}, {"'none'"})  # never 'unsafe-inline'/'unsafe-eval'
    assert csp.get("style-src") == {"'self'"}
    assert csp.get("img-src") == {"'self'", "data:"}
    assert csp.get("object-src") == {"'none'"}
    assert csp.get("frame-ancestors") == {"'none'"}
    assert csp.get("form-action") == {"'self'"}
    assert csp.get("base-uri") == {"'none'"}
    permissions = response.headers.get("Permissions-Policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


def test_pages_need_no_inline_script_or_style(client):
    """What the policy forbids is not in the pages: no <script>, <style>, style= or on*= handlers."""
    for path in ("/klage", "/api/docs", "/finnes-ikke"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", html, re.IGNORECASE), path


def test_no_hsts_in_development_over_http(client):
    assert "Strict-Transport-Security" not in client.get("/klage").headers


@pytest.fixture
def app_with(settings) -> Iterator:
    made = []

    def make(**overrides):
        app = create_app(settings.with_overrides(**overrides))
        made.append(app)
        return app.test_client()

    yield make
    for app in made:
        app.extensions["engine"].dispose()


@pytest.mark.parametrize("overrides", [
    {"environment": "production", "secret_key": secrets.token_urlsafe(48)},
    {"public_base_url": "https://klage.kommune.example"},
])
def test_hsts_outside_development_or_behind_https(app_with, overrides):
    client = app_with(**overrides)
    for path in ("/klage", "/api/openapi.json", "/finnes-ikke"):
        hsts = client.get(path).headers.get("Strict-Transport-Security", "")
        assert re.fullmatch(r"max-age=(\d+)(; includeSubDomains)?", hsts), (path, hsts)
        assert int(re.match(r"max-age=(\d+)", hsts).group(1)) >= 180 * 24 * 3600
