"""The authorization matrix (issue 12): every page under /arbeid and every staff endpoint of the
API, for every kind of caller, against the one table shared.access.PERMISSIONS.

The rows are not written here: they are read from the application's URL map, and each view says
which permission it needs (auth.require / workspace.sessions.signed_in set `view.permission`).
A new page or endpoint joins the matrix by existing; one without a permission fails it.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, url_for

from shared.access import PERMISSIONS, Principal, may
from tests.support.api import auth
from tests.support.workspace import CSRF, sign_in_as

# Pages people sign in to use, as each kind of signed-in caller (the party the policy sees).
PAGE_CALLERS = {
    "municipality": "kari.johansen@kommune.example",
    "association": "per.hansen@bonord.example",
    "committee": "styret.fjellheisen@borettslag.example",  # a board's member of the committee
}
PAGE_ROLES = {"municipality": "main_contact", "association": "case_officer", "committee": "board"}
# The API's callers are the `tokens` fixture's: a token's party is its contact's.
API_CALLERS = ("municipality", "association", "cooperative", "system")
# Endpoints anyone may call without signing in: the public form, tracking, e-mail links, sign-in.
PUBLIC_API = {"api.create_complaint", "api-docs.openapi_json"}
SKIP_METHODS = {"HEAD", "OPTIONS"}
# Values for the URL parameters: things that do not exist, so an allowed caller gets a 404 or a
# validation error, never a change. `email` is the caller's own (absences are managed within one's
# own party, an object-level rule tested in test_staff_api.py, not a row of the table).
PARAMETERS = {"reference": "KL-2026-9999", "meeting_id": 999_999, "absence_id": 999_999,
              "notification_id": 999_999, "token_id": 999_999, "email": "kari.johansen@kommune.example",
              "year": 2026, "kind": "borettslag", "contact_id": 999_999, "number": 999_999}
NO_PERMISSION = object()


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    url: str
    permission: str | None  # None: any signed-in user

    def allowed_for(self, party: str, role: str | None = None) -> bool:
        """The table, and the directory role where a permission is limited to some roles (ROLE_LIMITS)."""
        return self.permission is None or may(Principal("", party, None, role=role), self.permission)


OWN_EMAIL = {"municipality": "kari.johansen@kommune.example", "association": "per.hansen@bonord.example",
             "committee": "styret.fjellheisen@borettslag.example",
             "cooperative": "styret.prestvannet@borettslag.example", "system": "kari.johansen@kommune.example"}
API_EMAIL = {**OWN_EMAIL, "association": "anne.nilsen@bonord.example"}  # the tokens fixture's contacts


def rows(app: Flask, prefix: str, email: str = PARAMETERS["email"]) -> Iterator[Row]:
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith(prefix) or rule.endpoint in PUBLIC_API or rule.endpoint == "static":
                continue
            view = app.view_functions[rule.endpoint]
            permission: Any = getattr(view, "permission", NO_PERMISSION)
            assert permission is not NO_PERMISSION, (
                f"{rule.rule} ({rule.endpoint}) is not behind the policy: decorate it with "
                "auth.require(...) or workspace.sessions.signed_in(...)")
            values = {**PARAMETERS, "email": email}
            url = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
            for method in sorted((rule.methods or set()) - SKIP_METHODS):
                yield Row(rule.endpoint, method, url, permission)


def call(client, row: Row, **kwargs: Any):
    return client.open(row.url, method=row.method, **kwargs)


def signed_out_answer(response) -> str:
    if response.status_code == 303 and response.headers["Location"].startswith("/logg-inn?neste="):
        return "to sign-in"
    return str(response.status_code)


def test_every_workspace_page_sends_the_signed_out_to_sign_in(app, client, sessions):
    page_rows = list(rows(app, "/arbeid"))
    assert page_rows, "no workspace pages found"
    token = CSRF.search(client.get("/logg-inn").get_data(as_text=True)).group(1)
    wrong = {f"{r.method} {r.url}": signed_out_answer(call(client, r, data={"csrf_token": token}))
             for r in page_rows}
    assert {key: answer for key, answer in wrong.items() if answer != "to sign-in"} == {}


@pytest.mark.parametrize("party", list(PAGE_CALLERS))
def test_workspace_pages_follow_the_table(app, client, sessions, settings, party):
    sign_in_as(client, sessions, settings, PAGE_CALLERS[party])
    token = CSRF.search(client.get("/arbeid", follow_redirects=True).get_data(as_text=True))
    assert token, "the workspace layout carries a CSRF token (the sign-out form)"
    mismatches = {}
    for row in rows(app, "/arbeid", OWN_EMAIL[party]):
        response = call(client, row, data={"csrf_token": token.group(1)})
        refused = response.status_code == 403
        assert response.status_code < 500, f"{row.method} {row.url}: {response.status_code}"
        assert signed_out_answer(response) != "to sign-in", f"{row.method} {row.url} lost the session"
        if refused == row.allowed_for(party, PAGE_ROLES[party]):
            mismatches[f"{row.method} {row.url}"] = (row.permission, response.status_code)
    assert mismatches == {}


def test_the_api_follows_the_table(app, client, sessions, tokens):
    api_rows = list(rows(app, "/api/v1"))
    assert len(api_rows) >= 20
    mismatches = {}
    for row in api_rows:
        unauthenticated = call(client, row, json={})
        if unauthenticated.status_code != 401:
            mismatches[f"{row.method} {row.url} without a token"] = unauthenticated.status_code
    for party in API_CALLERS:
        for row in rows(app, "/api/v1", API_EMAIL[party]):
            response = call(client, row, json={}, headers=auth(tokens[party]))
            assert response.status_code < 500, f"{row.method} {row.url} as {party}: {response.status_code}"
            if (response.status_code == 403) == row.allowed_for(party):
                mismatches[f"{row.method} {row.url} as {party}"] = (row.permission, response.status_code)
    assert mismatches == {}


def test_the_matrix_covers_every_permission_in_the_table(app):
    used = {row.permission for prefix in ("/arbeid", "/api/v1") for row in rows(app, prefix)}
    # "case.note" is asked inside the case page's note form (the cases helper), not per route.
    assert set(PERMISSIONS) - used <= {"case.note", "case.act"}
