"""The committee's meetings in chromium (issue 13): an open case put on the next meeting's agenda, the
updated agenda sent, minutes that resolve that case, and the case page shows it resolved; next year's
fixed meetings booked by the scheduler's annual booking, checked in the list and the month; axe-core
on the list, the month, a meeting page (as manager and as a board's committee member) and the minutes."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from services.scheduler.annual import book_annual_meetings
from shared.db import unit_of_work
from shared.models import Meeting
from tests.browser.axe import axe_violations, describe
from tests.browser.workspace import sign_in_page
from tests.unit.test_meeting_documents import pdf_text
from tests.unit.test_workspace_meetings import BOARD, KARI, MONDAY, OSLO, book_meetings

pytestmark = pytest.mark.browser


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def meetings(clock, sessions, complaint) -> dict[str, int]:
    return book_meetings(sessions, complaint)


def assert_no_violations(page, axe_source: str, what: str) -> None:
    violations = axe_violations(page, axe_source)
    assert not violations, f"axe found WCAG 2.1 AA violations on {what}:\n{describe(violations)}"


def test_an_open_case_on_the_agenda_and_minutes_that_resolve_it(clock, server, page, sessions, settings, meetings,
                                                                 axe_source):
    reference = meetings["reference"]
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.get_by_role("navigation", name="Arbeidsflate").get_by_role("link", name="Møter").click()
    page.get_by_role("heading", name="Kommende møter").wait_for()
    assert_no_violations(page, axe_source, "the meetings' list")
    page.get_by_role("link", name="16. mars 2027 kl. 10.00").click()
    page.get_by_role("heading", name="Vårmøte i samarbeidsutvalget 2027").wait_for()
    assert_no_violations(page, axe_source, "a meeting's page (manager)")

    page.get_by_label("Sak", exact=True).select_option(reference)
    page.get_by_role("button", name="Sett på dagsordenen").click()
    page.get_by_text("Saken er satt på dagsordenen.").wait_for()
    agenda = page.locator("table[aria-labelledby=dagsorden]").inner_text()
    assert f"Klage {reference} – Prestvannet borettslag" in agenda
    page.get_by_role("button", name="Send oppdatert dagsorden").click()
    page.get_by_text("Oppdatert dagsorden er sendt til alle medlemmene.").wait_for()
    with sessions() as session:
        assert session.get_one(Meeting, meetings["spring"]).sequence == 1
    # The agenda as the members get it, downloaded from the meeting's page.
    with page.expect_download() as download:
        page.get_by_role("link", name="Dagsorden (PDF)").click()
    assert download.value.suggested_filename == "dagsorden-2027-03-16.pdf"
    agenda_text = pdf_text(Path(download.value.path()).read_bytes())
    assert f"Klage {reference} – Prestvannet borettslag" in agenda_text and "Side 1 av" in agenda_text

    clock.move_to(dt.datetime(2027, 3, 16, 12, 30, tzinfo=OSLO))  # the meeting has been held
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.goto(f"{server.url}/arbeid/moter/{meetings['spring']}")
    page.get_by_role("link", name="Skriv referat").click()
    page.get_by_role("heading", name="Referat: Vårmøte i samarbeidsutvalget 2027").wait_for()
    assert_no_violations(page, axe_source, "the minutes' form")
    page.get_by_label("Kari Johansen").check()
    page.get_by_label("Styret i Fjellheisen borettslag").check()
    page.get_by_label("Oppsummering").fill("Gjennomgang av samarbeidet og klagen i Prestvannet.")
    page.locator("#vedtak-3").fill("Beboeren har flyttet; saken avsluttes.")
    page.locator("#sak-3").select_option(label="Løs saken")
    page.get_by_role("button", name="Lagre og send referatet").click()
    page.get_by_text("Referatet er lagret, møtet er merket som holdt").wait_for()
    assert "Saken er løst." in page.locator("table[aria-labelledby=vedtak]").inner_text()
    assert_no_violations(page, axe_source, "the minutes, read-only")

    page.goto(f"{server.url}/arbeid/saker/{reference}")
    assert page.locator("#status").inner_text() == "Løst"

    # The year's compliance shows the fixed meeting held.
    page.goto(f"{server.url}/arbeid/samsvar/2027")
    assert "1 holdt" in page.get_by_role("main").inner_text()


def test_next_years_fixed_meetings_in_the_list_and_the_month(clock, server, page, sessions, settings, meetings,
                                                             axe_source):
    with unit_of_work(sessions) as session:
        booked = book_annual_meetings(session, 2028, dt.datetime(2027, 10, 5, 12, tzinfo=OSLO), "Europe/Oslo")
    assert [b.outcome for b in booked] == ["booked", "booked"]
    with sessions() as session:
        days = {m.id: m.held_on for m in session.execute(select(Meeting).where(
            Meeting.annual_slot.in_(["2028-spring", "2028-autumn"]))).scalars()}
    sign_in_page(page, server.url, sessions, settings, BOARD)
    assert page.url.endswith("/arbeid/moter")  # a board's member lands on the meetings
    upcoming = page.locator("table[aria-labelledby=kommende]").inner_text()
    assert "Vårmøte i samarbeidsutvalget 2028" in upcoming and "Høstmøte i samarbeidsutvalget 2028" in upcoming
    for meeting_id, day in days.items():
        assert day.weekday() == 1  # a Tuesday, the annual booking's preferred weekday
        page.goto(f"{server.url}/arbeid/moter?maned={day:%Y-%m}")
        link = page.locator("table.meeting-calendar").get_by_role("link")
        assert link.count() == 1 and link.get_attribute("href") == f"/arbeid/moter/{meeting_id}"
        assert link.inner_text().startswith(str(day.day))
    assert_no_violations(page, axe_source, "the month view")
    page.get_by_role("link", name="Neste måned").focus()  # plain links, reached and followed by keyboard
    page.keyboard.press("Enter")
    following = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    page.wait_for_url(f"**/arbeid/moter?maned={following:%Y-%m}")
    assert page.locator("table.meeting-calendar").get_by_role("link").count() == 0
    page.goto(f"{server.url}/arbeid/moter/{meetings['spring']}")
    assert page.get_by_role("button", name="Send oppdatert dagsorden").count() == 0
    assert_no_violations(page, axe_source, "a meeting's page (a board's committee member)")
