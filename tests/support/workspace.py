"""Signing in to the staff workspace in tests: through the real form, link and button."""
from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from shared import sign_in
from shared.models import SignInLink
from shared.settings import Settings

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: FlaskClient, path: str) -> str:
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def ask_link(client: FlaskClient, email: str, neste: str = ""):
    data = {"epost": email, "csrf_token": csrf(client, "/logg-inn")}
    if neste:
        data["neste"] = neste
    return client.post("/logg-inn", data=data)


def newest_link_path(sessions, settings: Settings, email: str) -> str:
    """The path of the newest link made for this address, as the e-mail carries it."""
    with sessions() as session:
        link_id = session.execute(select(SignInLink.id).where(SignInLink.email == email.lower())
                                  .order_by(SignInLink.created_at.desc())).scalars().first()
    assert link_id, f"no sign-in link for {email}"
    return "/logg-inn/" + sign_in.sign(settings, link_id)


def press_button(client: FlaskClient, path: str):
    """GET the link's page and POST its button, as a person does; a page without the button
    (a refused link) is posted to anyway, with this browser's CSRF token from the sign-in form."""
    page = client.get(path)
    match = CSRF.search(page.get_data(as_text=True))
    return client.post(path, data={"csrf_token": match.group(1) if match else csrf(client, "/logg-inn")})


def sign_in_as(client: FlaskClient, sessions, settings: Settings, email: str, neste: str = ""):
    ask_link(client, email, neste)
    return press_button(client, newest_link_path(sessions, settings, email))
