"""Signing a browser page in to the staff workspace: the real form, then the mailed link opened in
the same browser (the link only works in the browser that asked for it)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from shared import sign_in
from shared.models import SignInLink
from shared.settings import Settings


def sign_in_page(page: Any, server_url: str, sessions: Any, settings: Settings, email: str) -> None:
    page.goto(server_url + "/logg-inn")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_role("button", name="Send meg en innloggingslenke").click()
    page.wait_for_url("**/logg-inn/sendt")
    with sessions() as session:
        link_id = session.execute(select(SignInLink.id).where(SignInLink.email == email.lower())
                                  .order_by(SignInLink.created_at.desc())).scalars().first()
    page.goto(server_url + "/logg-inn/" + sign_in.sign(settings, link_id))
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/arbeid**")
