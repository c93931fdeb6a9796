"""axe-core finds no WCAG 2.1 A/AA violations on the public pages, in each state a person sees."""
from __future__ import annotations

import pytest

from tests.browser.axe import axe_violations, describe
from tests.unit.test_action_links import link_path
from tests.unit.test_routing import route, submit

pytestmark = pytest.mark.browser


def fill_valid_form(page) -> None:
    page.get_by_label("Borettslag").select_option(label="Prestvannet borettslag")
    page.get_by_label("Kategori").select_option(label="Støy")
    page.get_by_label("Beskrivelse").fill("Det bråker hver natt fra leilighet 3B etter klokken 23.")
    page.get_by_label("Navn").fill("Kari Styreleder")
    page.get_by_label("E-postadresse").fill("kari@example.org")
    page.get_by_label("Du sender klagen som").select_option(label="Styret i borettslaget")


def assert_no_violations(page, axe_source: str, what: str) -> None:
    violations = axe_violations(page, axe_source)
    print(f"axe: {what}: {len(violations)} violations")
    assert not violations, f"axe found WCAG 2.1 AA violations on {what}:\n{describe(violations)}"


def test_empty_form(server, page, axe_source):
    page.goto(server.url + "/klage")
    assert_no_violations(page, axe_source, "the empty form")


def test_form_with_errors(server, page, axe_source):
    page.goto(server.url + "/klage")
    page.get_by_label("E-postadresse").fill("ikke-en-adresse")
    page.get_by_label("Beskrivelse").fill("kort")
    page.get_by_role("button", name="Send klagen").click()
    page.get_by_role("alert").wait_for()
    assert_no_violations(page, axe_source, "the form with errors")


def test_receipt_and_tracking_page(server, page, axe_source):
    page.goto(server.url + "/klage")
    fill_valid_form(page)
    page.get_by_role("button", name="Send klagen").click()
    page.locator(".reference").wait_for()
    assert_no_violations(page, axe_source, "the receipt")

    page.get_by_role("link", name="Se status for sak").click()
    page.locator(".status").wait_for()
    assert_no_violations(page, axe_source, "the tracking page")


@pytest.mark.parametrize("path", ["/finnes-ikke", "/sak/" + "x" * 43])
def test_not_found_pages(server, page, axe_source, path):
    page.goto(server.url + path)
    assert_no_violations(page, axe_source, path)


def test_compliance_page(server, page, axe_source, sessions):
    import datetime as dt

    from services.scheduler.annual import book_annual_meetings
    from shared.db import unit_of_work
    from tests.unit.test_booking import answer, request

    with unit_of_work(sessions) as session:
        book_annual_meetings(session, 2027, dt.datetime(2026, 10, 5, tzinfo=dt.UTC), "Europe/Oslo")
    answer(sessions, request(sessions, dt.date(2027, 3, 1)))
    request(sessions, dt.date(2027, 6, 1))
    page.goto(server.url + "/samsvar/2027")
    page.get_by_role("heading", name="Møteinnkallinger").wait_for()
    assert_no_violations(page, axe_source, "the compliance page")
    page.set_viewport_size({"width": 320, "height": 640})  # WCAG 1.4.10: tables scroll, the page does not
    assert_no_violations(page, axe_source, "the compliance page at 320 px")


def test_email_action_pages(server, page, axe_source, sessions, settings, complaint):
    case_id = submit(sessions, complaint)
    route(sessions, case_id)
    path = link_path(sessions, settings, case_id, "acknowledge")
    page.goto(server.url + path)
    assert_no_violations(page, axe_source, "an e-mail action's confirmation")
    # maxlength stops a person typing more; a value set by script goes to the server, which refuses it
    page.locator("#comment").evaluate("(field, max) => field.value = 'x'.repeat(Number(max) + 1)",
                                      page.locator("#comment").get_attribute("maxlength"))
    page.get_by_role("button", name="Bekreft: ta saken").click()
    page.get_by_role("alert").wait_for()
    assert_no_violations(page, axe_source, "an e-mail action's confirmation with an error")
    page.get_by_label("Kommentar").fill("")
    page.get_by_role("button", name="Bekreft: ta saken").click()
    page.get_by_role("heading", name="Du har tatt saken").wait_for()
    assert_no_violations(page, axe_source, "an e-mail action done, with the next links")
    page.goto(server.url + path)
    page.get_by_role("heading", name="Lenken er allerede brukt").wait_for()
    assert_no_violations(page, axe_source, "a used e-mail action link")
