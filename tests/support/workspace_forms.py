"""Posting the workspace's forms in tests as a browser does: with the page's hidden fields."""
from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.support.workspace import csrf

FORM_ID = re.compile(r'name="skjema" value="([^"]+)"')


def form(client: FlaskClient, path: str) -> dict[str, str]:
    """The hidden fields of the form on `path`: the CSRF token and the form's id."""
    page = client.get(path).get_data(as_text=True)
    match = FORM_ID.search(page)
    assert match, f"no form id on {path}"
    return {"csrf_token": csrf(client, path), "skjema": match.group(1)}


def text(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.get_data(as_text=True))
