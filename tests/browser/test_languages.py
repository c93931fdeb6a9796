"""The form in nynorsk and English in chromium: the switch link, the language kept across pages,
the error summary in the language, and axe-core finding no WCAG 2.1 A/AA violations."""
from __future__ import annotations

import pytest

from tests.browser.test_accessibility import assert_no_violations

pytestmark = pytest.mark.browser

# The language's link name, the submit button, an error the empty e-mail field gets, the summary heading.
TEXTS = {
    "nn": ("Nynorsk", "Send klaga", "Skriv e-postadressa di.", "Skjemaet har feil"),
    "en": ("English", "Submit the complaint", "Enter your e-mail address.", "The form has errors"),
}


@pytest.mark.parametrize("language", ["nn", "en"])
def test_the_form_in_another_language_has_no_violations(server, page, axe_source, language):
    name, button, missing_email, summary = TEXTS[language]
    page.goto(server.url + "/klage")
    page.get_by_role("link", name=name).click()
    page.get_by_role("button", name=button).wait_for()
    assert page.locator("html").get_attribute("lang") == language
    assert_no_violations(page, axe_source, f"the empty form ({language})")

    page.get_by_role("button", name=button).click()
    page.get_by_role("alert").wait_for()
    assert summary in page.get_by_role("alert").inner_text()
    assert missing_email in page.get_by_role("alert").inner_text()
    assert page.locator("html").get_attribute("lang") == language  # kept without ?lang= in the address
    assert_no_violations(page, axe_source, f"the form with errors ({language})")
