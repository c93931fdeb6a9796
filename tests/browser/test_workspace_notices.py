"""The workspace's notice forms in chromium (issue 12): the acquisition notice through both steps,
and axe-core on every page of them, signed in: no WCAG 2.1 A/AA violations."""
from __future__ import annotations

import datetime as dt

import pytest

from shared.calendar import local_today
from tests.browser.test_accessibility import assert_no_violations
from tests.browser.workspace import sign_in_page

pytestmark = pytest.mark.browser

KARI = "kari.johansen@kommune.example"


def test_acquisition_notice_through_both_steps(server, page, sessions, settings, axe_source):
    sign_in_page(page, server.url, sessions, settings, KARI)
    # axe does not see text drawn in the colour of its ground: the nav links must not vanish in the header.
    link, header = page.evaluate("""() => [getComputedStyle(document.querySelector('.workspace-nav a')).color,
                                           getComputedStyle(document.querySelector('.site-header')).backgroundColor]""")
    assert link != header
    page.get_by_role("link", name="Varsle erverv").click()
    assert_no_violations(page, axe_source, "the acquisition form")

    page.get_by_role("button", name="Gå videre").click()  # nothing filled in
    page.get_by_role("alert").wait_for()
    assert_no_violations(page, axe_source, "the acquisition form with errors")
    page.get_by_role("link", name="Andelsnummer: Skriv andelsnummeret.").click()
    assert page.evaluate("document.activeElement.id") == "share_number"

    page.get_by_label("Borettslag").select_option(label="Kroken Terrasse borettslag")
    page.get_by_label("Andelsnummer").fill("4")
    page.get_by_label("Adresse").fill("Krokenveien 43, H0102")
    page.get_by_label("Planlagt dato for kjøpet").fill((local_today("Europe/Oslo") + dt.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Vis tall").click()
    page.get_by_role("heading", name="Kommunens andel i Kroken Terrasse borettslag").wait_for()
    assert page.get_by_label("Andelsnummer").input_value() == "4"  # kept
    assert "Ervervet vil gi offentlige eiere 2 av 12 boliger" in page.inner_text("main")
    assert_no_violations(page, axe_source, "the acquisition form with the figures and the warning")

    page.get_by_role("button", name="Gå videre").click()
    page.get_by_role("heading", name="Kontroller varselet om erverv").wait_for()
    assert "Over grensen:" in page.inner_text("main")
    assert_no_violations(page, axe_source, "the acquisition confirmation")

    page.get_by_role("button", name="Send varsel").click()
    page.get_by_role("heading", name="Varselet om erverv er sendt").wait_for()
    reference = page.locator("main strong").first.inner_text()
    case_link = page.get_by_role("link", name=f"Gå til saken {reference}")
    assert case_link.get_attribute("href") == f"/arbeid/saker/{reference}"
    assert_no_violations(page, axe_source, "the acquisition receipt")


def test_the_other_pages_have_no_violations(server, page, sessions, settings, axe_source):
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.goto(server.url + "/arbeid/framleie/ny")
    assert_no_violations(page, axe_source, "the sublet form")
    page.get_by_role("button", name="Send spørsmålet").click()
    page.get_by_role("alert").wait_for()
    assert_no_violations(page, axe_source, "the sublet form with errors")

    page.get_by_role("link", name="Be om møte").click()
    assert "Møtet skal holdes senest" in page.inner_text("main")
    assert_no_violations(page, axe_source, "the meeting request form")
    page.get_by_label("Hvorfor dere ber om møte").fill("Vi trenger å drøfte nye erverv.")
    page.get_by_label("Saker til møtet").fill("Erverv i Prestvannet\nFramleie i Stakkevollan")
    page.get_by_role("button", name="Be om møte").click()
    page.get_by_role("heading", name="Ønsket om møte er sendt").wait_for()
    assert_no_violations(page, axe_source, "the meeting request receipt")

    page.get_by_role("link", name="Fravær").click()
    page.get_by_label("Første fraværsdag").fill("2030-07-01")
    page.get_by_label("Siste fraværsdag").fill("2030-06-01")
    page.get_by_role("button", name="Registrer fraværet").click()
    page.get_by_role("alert").wait_for()
    assert_no_violations(page, axe_source, "the absence page with errors")
    page.get_by_label("Siste fraværsdag").fill("2030-07-21")
    page.get_by_label("Merknad").fill("Sommerferie")
    page.get_by_role("button", name="Registrer fraværet").click()
    page.get_by_text("Fraværet er registrert.").wait_for()
    assert "Ola Berg" in page.inner_text("main")
    assert_no_violations(page, axe_source, "the absence page with a period")
