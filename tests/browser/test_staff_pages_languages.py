"""axe-core finds no WCAG 2.1 A/AA violations on the compliance, access, absence and personal-data
pages for a contact who reads nynorsk (SPEC §9), with their charts, messages and errors showing; each
page says lang="nn"."""
from __future__ import annotations

import re

import pytest
import time_machine
from sqlalchemy import update

from shared.db import unit_of_work
from shared.models import Contact
from tests.browser.test_accessibility import assert_no_violations
from tests.browser.workspace import sign_in_page
from tests.unit.test_compliance import NEW_YEARS_EVE, year_2027  # noqa: F401

pytestmark = pytest.mark.browser
KARI = "kari.johansen@kommune.example"


def nynorsk_kari(page, server, sessions, settings) -> None:
    with unit_of_work(sessions) as session:
        session.execute(update(Contact).where(Contact.email == KARI).values(language="nn"))
    sign_in_page(page, server.url, sessions, settings, KARI)


def assert_nynorsk(page) -> None:
    assert page.locator("html").get_attribute("lang") == "nn"


def test_the_compliance_page_in_nynorsk(server, page, axe_source, sessions, settings, year_2027):  # noqa: F811
    with time_machine.travel(NEW_YEARS_EVE, tick=True):
        nynorsk_kari(page, server, sessions, settings)
        page.goto(server.url + "/arbeid/samsvar/2027")
        page.get_by_role("heading", name="Fristar per sakstype").wait_for()
        assert_nynorsk(page)
        charts = page.get_by_role("img")
        assert charts.count() == 3
        assert "Fristar i 2027 per sakstype" in (charts.first.get_attribute("aria-label") or "")
        table = page.get_by_role("table", name=re.compile("Fristar som forfell i 2027, per sakstype"))
        assert "løyse saka" in table.inner_text()
        assert page.get_by_role("link", name="Last ned tala som CSV").get_attribute("href") == \
            "/arbeid/samsvar/2027.csv"
        assert_no_violations(page, axe_source, "the compliance page (nn)")


def test_the_access_page_in_nynorsk(server, page, axe_source, sessions, settings):
    nynorsk_kari(page, server, sessions, settings)
    page.goto(server.url + "/arbeid/tilgang")
    page.get_by_role("heading", name="Tilgang for fagsystem").wait_for()
    assert_nynorsk(page)
    assert_no_violations(page, axe_source, "the access page (nn)")
    page.get_by_role("button", name="Lag token").click()
    page.get_by_role("alert").wait_for()
    assert "Skriv kva tokenet skal brukast til" in page.get_by_role("alert").inner_text()
    assert_no_violations(page, axe_source, "the access page with an error (nn)")
    page.get_by_label("Kva skal tokenet brukast til?").fill("Bustadsystemet")
    page.get_by_role("button", name="Lag token").click()
    page.get_by_text("Kopier det no. Det blir ikkje vist igjen.").wait_for()
    page.goto(server.url + "/arbeid/tilgang")
    page.get_by_role("button", name="Trekk tilbake Bustadsystemet").click()
    page.get_by_text("Tokenet er trekt tilbake.").wait_for()
    assert "API-token trekt tilbake: Bustadsystemet" in page.get_by_role("table", name=re.compile("Logg")).inner_text()
    assert_no_violations(page, axe_source, "the access page with its log (nn)")


def test_the_absence_page_in_nynorsk(server, page, axe_source, sessions, settings):
    nynorsk_kari(page, server, sessions, settings)
    page.goto(server.url + "/arbeid/fravaer")
    page.get_by_role("heading", name="Registrer fråvær").wait_for()
    assert_nynorsk(page)
    assert_no_violations(page, axe_source, "the absence page (nn)")
    page.get_by_role("button", name="Registrer fråværet").click()
    page.get_by_role("alert").wait_for()
    assert "Skriv første fråværsdag." in page.get_by_role("alert").inner_text()
    assert_no_violations(page, axe_source, "the absence page with errors (nn)")
    page.locator("#starts_on").fill("2030-05-01")
    page.locator("#ends_on").fill("2030-05-10")
    page.get_by_role("button", name="Registrer fråværet").click()
    page.get_by_text("Fråværet er registrert.").wait_for()
    assert "1. mai 2030" in page.get_by_role("table").inner_text()
    assert_no_violations(page, axe_source, "the absence page with a period (nn)")


def test_the_personal_data_page_in_nynorsk(server, page, axe_source, sessions, settings):
    nynorsk_kari(page, server, sessions, settings)
    page.goto(server.url + "/arbeid/personvern")
    page.get_by_role("heading", name="Personvern: innsyn og sletting").wait_for()
    assert_nynorsk(page)
    assert_no_violations(page, axe_source, "the personal data page (nn)")
    page.get_by_role("button", name="Slett opplysningane").click()
    page.get_by_role("alert").wait_for()
    errors = page.get_by_role("alert").inner_text()
    assert "Skriv e-postadressa som opplysningane gjeld." in errors
    assert "Stadfest at personen har bede om sletting." in errors
    assert_no_violations(page, axe_source, "the personal data page with errors (nn)")
