"""The compliance page and the access page in chromium (issue 13): reading the year's compliance
(charts beside their tables, the CSV and PDF links), making and revoking an integration token, and
axe-core on both, signed in."""
from __future__ import annotations

import re

import pytest
import time_machine

from tests.browser.axe import axe_violations, describe
from tests.browser.workspace import sign_in_page
from tests.unit.test_compliance import NEW_YEARS_EVE, year_2027  # noqa: F401

pytestmark = pytest.mark.browser
KARI = "kari.johansen@kommune.example"


def assert_no_violations(page, axe_source: str, what: str) -> None:
    violations = axe_violations(page, axe_source)
    assert not violations, f"axe found WCAG 2.1 AA violations on {what}:\n{describe(violations)}"


def test_reading_the_compliance_page(server, page, axe_source, sessions, settings, year_2027):  # noqa: F811
    with time_machine.travel(NEW_YEARS_EVE, tick=True):
        sign_in_page(page, server.url, sessions, settings, KARI)
        page.goto(server.url + "/arbeid/samsvar/2027")
        page.get_by_role("heading", name="Samsvar med samhandlingsavtalen 2027").wait_for()
        charts = page.get_by_role("img")
        assert charts.count() == 3
        assert "Frister i 2027 per sakstype" in (charts.first.get_attribute("aria-label") or "")
        table = page.get_by_role("table", name=re.compile("Frister som forfaller i 2027, per sakstype"))
        assert "Klage" in table.inner_text() and "løse saken" in table.inner_text()
        requests = page.get_by_role("table", name=re.compile("Møteinnkallinger i 2027"))
        assert requests.get_by_role("link", name="MO-2027-0001").is_visible()
        assert page.get_by_role("link", name="Last ned tallene som CSV").get_attribute("href") == \
            "/arbeid/samsvar/2027.csv"
        assert page.get_by_role("link", name="rapporten som PDF").get_attribute("href") == "/arbeid/samsvar/2027.pdf"
        assert_no_violations(page, axe_source, "the compliance page")
        page.get_by_role("link", name="2026").click()
        page.get_by_text("Ingen frister forfaller i 2026.").wait_for()
        assert_no_violations(page, axe_source, "the compliance page of an empty year")


def test_making_and_revoking_a_token(server, page, axe_source, sessions, settings):
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.goto(server.url + "/arbeid/tilgang")
    assert_no_violations(page, axe_source, "the access page")
    page.get_by_role("button", name="Lag token").click()
    page.get_by_role("alert").wait_for()
    assert_no_violations(page, axe_source, "the access page with an error")
    page.get_by_label("Hva skal tokenet brukes til?").fill("Boligsystemet")
    page.get_by_role("button", name="Lag token").click()
    secret = page.locator("code.token-secret").inner_text()
    assert secret.startswith("shd_")
    assert_no_violations(page, axe_source, "the access page showing a new token")
    page.goto(server.url + "/arbeid/tilgang")
    assert secret not in page.content()
    page.get_by_role("button", name="Trekk tilbake Boligsystemet").click()
    page.get_by_text("Tokenet er trukket tilbake.").wait_for()
    assert "Trukket tilbake" in page.get_by_role("table", name=re.compile("API-tokens")).inner_text()
    log = page.get_by_role("table", name=re.compile("Logg")).inner_text()
    assert "API-token trukket tilbake: Boligsystemet" in log and "Logget inn" in log
