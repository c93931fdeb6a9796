"""The privacy page and the staff's export and erasure page in chromium, axe-core on both (issue 15)."""
from __future__ import annotations

import pytest

from tests.browser.test_workspace_compliance_access import assert_no_violations
from tests.browser.workspace import sign_in_page

pytestmark = pytest.mark.browser
KARI = "kari.johansen@kommune.example"


def test_the_privacy_page_from_the_form(server, page, axe_source, sessions):
    page.goto(server.url + "/klage")
    page.get_by_role("link", name="Les mer om personvern").click()
    page.get_by_role("heading", name="Personvern", exact=True).wait_for()
    table = page.get_by_role("table", name="Hvor lenge personopplysningene lagres etter at saken er lukket")
    assert "Klage" in table.inner_text() and "2 år" in table.inner_text()
    assert page.get_by_role("link", name=KARI).get_attribute("href") == f"mailto:{KARI}"
    assert_no_violations(page, axe_source, "the privacy page")


def test_export_and_erase(server, page, axe_source, sessions, settings):
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.get_by_role("link", name="Personvern").click()
    page.get_by_role("heading", name="Personvern: innsyn og sletting").wait_for()
    assert_no_violations(page, axe_source, "the export and erasure page")

    page.locator("#epost").fill("ingen@example.org")
    with page.expect_download() as download:
        page.get_by_role("button", name="Last ned PDF").click()
    assert download.value.suggested_filename.startswith("personopplysninger-")

    page.get_by_role("button", name="Slett opplysningene").click()
    page.get_by_role("alert").wait_for()
    assert page.get_by_role("link", name="Bekreft at personen har bedt om sletting.").is_visible()
    assert_no_violations(page, axe_source, "the erasure form with errors")
    page.locator("#slett-epost").fill("ingen@example.org")
    page.get_by_label("Personen har bedt om at opplysningene slettes").check()
    page.get_by_role("button", name="Slett opplysningene").click()
    page.get_by_text("Opplysningene om ingen@example.org er slettet fra 0 avsluttet(e) sak(er).").wait_for()
    assert_no_violations(page, axe_source, "the page after an erasure")
