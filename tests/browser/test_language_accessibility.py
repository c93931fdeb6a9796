"""axe-core finds no WCAG 2.1 A/AA violations in each language (SPEC §9): the form, the receipt and
the tracking page in nynorsk and English, and the inbox and the case page for a nynorsk contact."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from shared.db import unit_of_work
from shared.models import Contact
from tests.browser.test_accessibility import assert_no_violations
from tests.browser.workspace import sign_in_page
from tests.unit.test_workspace_cases import KARI, new_case

pytestmark = pytest.mark.browser

# The submit button, the link from the receipt to the tracking page, a word on the tracking page.
TEXTS = {
    "nn": ("Send klaga", "Sjå status for sak", "Status:"),
    "en": ("Submit the complaint", "See the status of case", "Status:"),
}


def fill_by_field(page) -> None:
    """The valid form filled by its fields' names, so the same steps work in any language."""
    page.locator("#cooperative_orgnr").select_option(value="997273354")
    page.locator("#category").select_option(index=1)
    page.locator("#description").fill("Det bråker kvar natt frå leilegheit 3B etter klokka 23.")
    page.locator("#submitter_name").fill("Kari Styreleiar")
    page.locator("#submitter_email").fill("kari@example.org")
    page.locator("#submitter_role").select_option(index=1)


@pytest.mark.parametrize("language", ["nn", "en"])
def test_the_receipt_and_tracking_page_in_another_language(server, page, axe_source, language):
    button, status_link, status = TEXTS[language]
    page.goto(f"{server.url}/klage?lang={language}")
    fill_by_field(page)
    page.get_by_role("button", name=button).click()
    page.locator(".reference").wait_for()
    assert page.locator("html").get_attribute("lang") == language
    assert_no_violations(page, axe_source, f"the receipt ({language})")

    page.get_by_role("link", name=status_link).click()
    page.locator(".status").wait_for()
    assert page.locator("html").get_attribute("lang") == language
    assert status in page.locator("main").inner_text()
    assert_no_violations(page, axe_source, f"the tracking page ({language})")


def test_the_inbox_and_case_page_for_a_nynorsk_contact(server, page, axe_source, sessions, settings, complaint):
    reference = new_case(sessions, complaint)
    with unit_of_work(sessions) as session:
        session.execute(update(Contact).where(Contact.email == KARI).values(language="nn"))
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.get_by_role("link", name="Alle opne").wait_for()
    assert page.locator("html").get_attribute("lang") == "nn"
    assert_no_violations(page, axe_source, "the inbox (nn)")

    page.get_by_role("link", name=reference).click()
    page.get_by_role("heading", name="Behandle saka").wait_for()
    assert page.locator("html").get_attribute("lang") == "nn"
    assert_no_violations(page, axe_source, "the case page (nn)")


def test_the_acquisition_form_for_a_nynorsk_contact(server, page, axe_source, sessions, settings):
    """The notice form with its figures and the warning over the cap, and its field messages, in nynorsk."""
    with unit_of_work(sessions) as session:
        session.execute(update(Contact).where(Contact.email == KARI).values(language="nn"))
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.goto(server.url + "/arbeid/erverv/ny")
    page.locator("#cooperative_orgnr").select_option(value="961998492")  # Kroken: one more is over the cap
    page.get_by_role("button", name="Vis tal").click()
    page.get_by_text("Over grensa:").wait_for()
    assert page.locator("html").get_attribute("lang") == "nn"
    assert_no_violations(page, axe_source, "the acquisition form with its figures (nn)")

    page.get_by_role("button", name="Gå vidare").click()
    page.get_by_role("alert").wait_for()
    assert "Skriv andelsnummeret." in page.get_by_role("alert").inner_text()
    assert_no_violations(page, axe_source, "the acquisition form with errors (nn)")
