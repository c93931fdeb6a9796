"""The directory in a real browser (issue 13): a borettslag file with one bad row is previewed with
the reason, imported, and every directory page has no axe-core WCAG 2.1 AA violations."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from shared.directory_csv import COOPERATIVE_COLUMNS
from shared.models import Cooperative
from tests.browser.test_accessibility import assert_no_violations
from tests.browser.workspace import sign_in_page

pytestmark = pytest.mark.browser
KARI = "kari.johansen@kommune.example"
ANNE = "anne.nilsen@bonord.example"
ONE_BAD_ROW = ("\ufeff" + ";".join(COOPERATIVE_COLUMNS) + "\r\n"
               "974760673;Nytt borettslag;Nyveien 1;9008;Tromsø;40;1;per.hansen@bonord.example\r\n"
               "942474602;Feil borettslag;Veien 2;9008;Tromsø;10;0;\r\n").encode()


def test_import_a_file_with_one_bad_row(server, page, sessions, settings, axe_source):
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.get_by_role("link", name="Katalog").click()
    page.get_by_role("heading", name="Borettslag").wait_for()
    assert_no_violations(page, axe_source, "the borettslag list")

    page.get_by_role("link", name="Importer borettslag fra CSV").click()
    assert_no_violations(page, axe_source, "the upload form")
    page.get_by_label("CSV-fil").set_input_files(
        {"name": "borettslag.csv", "mimeType": "text/csv", "buffer": ONE_BAD_ROW})
    page.get_by_role("button", name="Vis hva importen vil gjøre").click()

    page.get_by_role("heading", name="Forhåndsvisning: import av borettslag").wait_for()
    rows = page.get_by_role("row")
    bad = rows.filter(has_text="942474602")
    assert "Avvist" in bad.inner_text() and "riktig kontrollsiffer" in bad.inner_text()
    assert "Ny" in rows.filter(has_text="974760673").inner_text()
    assert page.locator("#oppsummering li").all_inner_texts() == ["1 nye", "0 endrede", "0 uendrede", "1 avviste"]
    assert_no_violations(page, axe_source, "the import preview")
    with sessions() as session:
        assert session.scalar(select(Cooperative).where(Cooperative.orgnr == "974760673")) is None

    page.get_by_role("button", name="Importer").click()
    page.get_by_text("Importen er fullført: 1 rad skrevet.").wait_for()
    with sessions() as session:
        orgnrs = set(session.scalars(select(Cooperative.orgnr)))
    assert "974760673" in orgnrs and "942474602" not in orgnrs

    page.get_by_label("Søk i navn, organisasjonsnummer, adresse eller saksbehandler").fill("Nytt")
    page.get_by_role("button", name="Søk").click()
    page.get_by_text("1 borettslag passer med «Nytt»").wait_for()
    assert_no_violations(page, axe_source, "the borettslag list searched")


def test_the_contact_pages_have_no_violations(server, page, sessions, settings, axe_source):
    sign_in_page(page, server.url, sessions, settings, ANNE)
    page.goto(server.url + "/arbeid/katalog/kontakter")
    assert_no_violations(page, axe_source, "the contacts list")
    page.get_by_role("link", name="Deaktiver Per Hansen").click()
    page.get_by_role("heading", name="Deaktiver Per Hansen").wait_for()
    assert_no_violations(page, axe_source, "the deactivation page")
    page.goto(server.url + "/arbeid/katalog/kontakter/import")
    page.get_by_label("CSV-fil").set_input_files(
        {"name": "k.csv", "mimeType": "text/csv", "buffer": b"email;name\nx@y.example;X\n"})
    page.get_by_role("button", name="Vis hva importen vil gjøre").click()
    page.get_by_role("alert").wait_for()
    assert "Filen mangler kolonnene" in page.get_by_role("alert").inner_text()
    assert_no_violations(page, axe_source, "the upload form with an error")
