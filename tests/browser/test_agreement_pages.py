"""The handbook and the directory per agreement, in nynorsk, in a real browser (SPEC §8, §9): a contact
in two agreements chooses the agreement with the select, and every page has no axe-core WCAG 2.1 AA
violations; the sublet receipt for a sameie too."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from shared.db import unit_of_work
from shared.demo import MORE_AGREEMENTS, load_demo
from shared.directory_csv import COOPERATIVE_COLUMNS
from shared.models import Contact
from tests.browser.test_accessibility import assert_no_violations
from tests.browser.workspace import sign_in_page

pytestmark = pytest.mark.browser
OLA, SIRI = "ola.berg@kommune.example", "siri.eriksen@kommune.example"
ISHAVSBO = "Tromsø kommune og Ishavsbo"


@pytest.fixture
def nynorsk(sessions):
    """The demo's three agreements; Ola Berg (agreements 1 and 2) and Siri Eriksen (2) read nynorsk."""
    with unit_of_work(sessions) as session:
        load_demo(session, MORE_AGREEMENTS)
        session.execute(update(Contact).where(Contact.email.in_([OLA, SIRI])).values(language="nn"))


def test_the_handbook_s_agreement_select_and_pages_in_nynorsk(server, page, axe_source, sessions, settings, nynorsk):
    sign_in_page(page, server.url, sessions, settings, OLA)
    page.get_by_role("link", name="Handbok").click()
    page.get_by_role("heading", name="Rutinehandbok").wait_for()
    assert page.locator("html").get_attribute("lang") == "nn"
    assert_no_violations(page, axe_source, "the handbook with the agreement select (nn)")

    page.get_by_label("Avtale").select_option(label=ISHAVSBO)
    page.get_by_role("button", name="Vis handboka for avtalen").click()
    page.get_by_text("Handboka for avtalen mellom Tromsø kommune Boligkontoret og Ishavsbo.").wait_for()
    assert "avtale=2" in page.url

    page.get_by_role("link", name="Versjonar").click()
    page.get_by_role("heading", name="Versjonar av handboka").wait_for()
    assert "avtale=2" in page.url
    assert_no_violations(page, axe_source, "the handbook's versions (nn)")

    page.get_by_role("link", name="Endre", exact=True).click()
    page.get_by_role("heading", name="Endre rutinehandboka").wait_for()
    page.locator("#complaint-reminder_fraction").fill("2")
    page.get_by_role("button", name="Førehandsvis endringane i skjemaet").click()
    page.get_by_role("heading", name="Skjemaet har feil").wait_for()
    assert "Skriv eit tal mellom 0 og 1" in page.locator("#feilsammendrag").inner_text()
    assert_no_violations(page, axe_source, "the handbook form with an error (nn)")

    page.locator("#complaint-reminder_fraction").fill("0,8")
    page.get_by_role("button", name="Førehandsvis endringane i skjemaet").click()
    page.get_by_role("heading", name="Førehandsvising av ny versjon").wait_for()
    assert "Telegrafbukta borettslag" in page.locator("#borettslag").inner_text()
    assert_no_violations(page, axe_source, "the handbook preview (nn)")
    page.get_by_role("button", name="Lagre som ny versjon").click()
    page.get_by_text("av handboka er lagra og gjeld for nye saker frå no.").wait_for()
    assert "avtale=2" in page.url


def test_the_directory_s_agreement_select_and_pages_in_nynorsk(server, page, axe_source, sessions, settings,
                                                               nynorsk):
    sign_in_page(page, server.url, sessions, settings, OLA)
    page.get_by_role("link", name="Katalog").click()
    page.get_by_role("heading", name="Burettslag", exact=True).wait_for()
    assert page.locator("html").get_attribute("lang") == "nn"
    assert_no_violations(page, axe_source, "the housing companies with the agreement select (nn)")

    page.get_by_label("Avtale").select_option(label=ISHAVSBO)
    page.get_by_role("button", name="Søk").click()
    page.get_by_text("3 burettslag i katalogen.").wait_for()
    assert "Prestvannet" not in page.locator("main").inner_text()

    page.get_by_role("link", name="Kontaktpersonar").first.click()
    page.get_by_role("heading", name="Kontaktpersonar", exact=True).wait_for()
    assert_no_violations(page, axe_source, "the contacts (nn)")

    page.get_by_role("link", name="Endre språk for Siri Eriksen").click()
    page.get_by_role("heading", name="Språket til Siri Eriksen").wait_for()
    assert_no_violations(page, axe_source, "a contact's language (nn)")
    page.get_by_label("Bokmål").check()
    page.get_by_role("button", name="Lagre språket").click()
    page.get_by_text("Språket til Siri Eriksen er no bokmål.").wait_for()

    page.get_by_role("link", name="Deaktiver Siri Eriksen").click()
    page.get_by_role("heading", name="Deaktiver Siri Eriksen").wait_for()
    assert_no_violations(page, axe_source, "the deactivation page (nn)")

    page.goto(server.url + "/arbeid/katalog/borettslag/import")
    page.get_by_label("CSV-fil").set_input_files({"name": "b.csv", "mimeType": "text/csv", "buffer": (
        ";".join(COOPERATIVE_COLUMNS) + "\r\n974760673;Nytt burettslag;Nyvegen 1;9008;Tromsø;40;1;\r\n").encode()})
    page.get_by_role("button", name="Vis kva importen vil gjere").click()
    page.get_by_role("heading", name="Førehandsvising: import av burettslag").wait_for()
    assert "du er med i fleire avtalar" in page.locator("main").inner_text()
    assert_no_violations(page, axe_source, "the import preview (nn)")


def test_the_sublet_receipt_for_a_sameie_in_nynorsk(server, page, axe_source, sessions, settings, nynorsk):
    sign_in_page(page, server.url, sessions, settings, SIRI)
    page.goto(server.url + "/arbeid/framleie/ny")
    page.locator("#cooperative_orgnr").select_option(value="926345672")  # Sjøgata sameie
    page.locator("#share_number").fill("7")
    page.locator("#move_in_date").fill("2030-01-01")
    page.locator("#tenant_household").fill("To vaksne")
    page.locator("#question").fill("Ny kommunal leigetakar flyttar inn.")
    page.locator("button[type=submit]").last.click()
    page.get_by_role("heading", name="Varselet om framleige er sendt").wait_for()
    assert "Der trengst inga godkjenning frå styret" in page.locator("main").inner_text()
    assert_no_violations(page, axe_source, "the sublet receipt for a sameie (nn)")
