"""Signing a browser page in to the staff workspace: the form, the link the e-mail would carry, the button."""
from __future__ import annotations

from typing import Any

from tests.support.workspace import newest_link_path


def sign_in_page(page: Any, server_url: str, sessions: Any, settings: Any, email: str) -> None:
    """Ask for a link in this page's browser, open it in the same browser and press "Logg inn"."""
    page.goto(server_url + "/logg-inn")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_role("button", name="Send meg en innloggingslenke").click()
    page.wait_for_url("**/logg-inn/sendt")
    page.goto(server_url + newest_link_path(sessions, settings, email))
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/arbeid**")
