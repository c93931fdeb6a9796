"""The committee's meeting pages for a nynorsk contact in chromium (SPEC §9, issue 15): the list, the
month, a meeting's page with a refused move, the cancel confirmation, the minutes' form and the
minutes read-only, and a board's committee member's view; each says lang="nn", reads in nynorsk
and has axe-core 0 violations."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import update

from shared.db import unit_of_work
from shared.models import Contact
from tests.browser.test_accessibility import assert_no_violations
from tests.browser.workspace import sign_in_page
from tests.unit.test_workspace_meetings import BOARD, KARI, MONDAY, OSLO, book_meetings

pytestmark = pytest.mark.browser

SPRING = "Vårmøte i samarbeidsutvalet 2027"


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def meetings(clock, sessions, complaint) -> dict[str, int]:
    made = book_meetings(sessions, complaint)
    with unit_of_work(sessions) as session:
        session.execute(update(Contact).where(Contact.email.in_([KARI, BOARD])).values(language="nn"))
    return made


def in_nynorsk(page, what: str, axe_source: str) -> None:
    assert page.locator("html").get_attribute("lang") == "nn", what
    assert_no_violations(page, axe_source, f"{what} (nn)")


def test_the_meeting_pages_for_a_nynorsk_contact(clock, server, page, sessions, settings, meetings, axe_source):
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.get_by_role("navigation", name="Arbeidsflate").get_by_role("link", name="Møte", exact=True).click()
    page.get_by_role("heading", name="Komande møte").wait_for()
    assert "Frist for ønskt møte" in page.locator("table[aria-labelledby=kommende]").inner_text()
    in_nynorsk(page, "the meetings' list", axe_source)

    page.get_by_role("link", name="Månadsvising").click()
    page.get_by_role("heading", name="Møte i mars 2027").wait_for()
    in_nynorsk(page, "the month", axe_source)

    page.get_by_role("link", name="16. mars 2027 kl. 10.00").click()
    page.get_by_role("heading", name=SPRING).wait_for()
    assert "tysdag 16. mars 2027 kl. 10.00–12.00" in page.get_by_role("main").inner_text()
    in_nynorsk(page, "a meeting's page (manager)", axe_source)

    page.get_by_label("Dato", exact=True).fill("2027-03-20")  # a Saturday
    page.get_by_role("button", name="Flytt møtet").click()
    page.get_by_role("alert").wait_for()
    assert "20.03.2027 er ikkje ein møtedag" in page.get_by_role("alert").inner_text()
    in_nynorsk(page, "a refused move", axe_source)

    page.goto(f"{server.url}/arbeid/moter/{meetings['spring']}")
    page.get_by_role("link", name="Avlys møtet").click()
    page.get_by_role("button", name="Ja, avlys møtet").wait_for()
    in_nynorsk(page, "the cancel confirmation", axe_source)
    page.get_by_role("link", name="Nei, behald møtet").click()

    clock.move_to(dt.datetime(2027, 3, 16, 12, 30, tzinfo=OSLO))  # the meeting has begun
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.goto(f"{server.url}/arbeid/moter/{meetings['spring']}")
    page.get_by_role("link", name="Skriv referat").click()
    page.get_by_role("heading", name=f"Referat: {SPRING}").wait_for()
    in_nynorsk(page, "the minutes' form", axe_source)
    page.get_by_role("button", name="Lagre og send referatet").click()  # no summary
    page.get_by_role("alert").wait_for()
    assert "Feltet må fyllast ut." in page.get_by_role("alert").inner_text()
    in_nynorsk(page, "the minutes' form with errors", axe_source)
    page.get_by_label("Kari Johansen").check()
    page.get_by_label("Oppsummering").fill("Gjennomgang av samarbeidet.")
    page.locator("#vedtak-1").fill("Samarbeidet held fram som før.")
    page.get_by_role("button", name="Lagre og send referatet").click()
    page.get_by_text("Referatet er lagra, møtet er merkt som halde").wait_for()
    assert "Kari Johansen (Tromsø kommune Boligkontoret): til stades" in page.get_by_role("main").inner_text()
    in_nynorsk(page, "the minutes, read-only", axe_source)


def test_a_board_member_reads_a_meeting_in_nynorsk(clock, server, page, sessions, settings, meetings, axe_source):
    sign_in_page(page, server.url, sessions, settings, BOARD)
    assert page.url.endswith("/arbeid/moter")  # a board's member lands on the meetings
    page.get_by_role("heading", name="Møte i samarbeidsutvalet").wait_for()
    page.goto(f"{server.url}/arbeid/moter/{meetings['requested']}")
    page.get_by_role("heading", name="Møte i samarbeidsutvalet (etter ønske)").wait_for()
    assert page.get_by_role("button", name="Send oppdatert dagsorden").count() == 0
    assert "MO-2027-0001: seinast 22. mars 2027" in page.get_by_role("main").inner_text()
    in_nynorsk(page, "a meeting's page (a board's committee member)", axe_source)
