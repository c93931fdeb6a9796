"""A case worked in the staff workspace, in a real browser (SPEC §7, issue 12): the municipality's
contact acknowledges, notes, comments and resolves; the copied case officer finds it under
"Kopi til meg"; a leader finds an overdue case under "Forfalt". axe-core on the signed-in pages."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from shared.db import unit_of_work
from shared.models import Case, Deadline, utcnow
from tests.browser.axe import axe_violations, describe
from tests.browser.workspace import sign_in_page
from tests.unit.test_workspace_cases import KARI, LEADER, PER, new_case

pytestmark = pytest.mark.browser


def history_text(page) -> str:
    return page.locator("table[aria-labelledby=historikk]").inner_text()


def test_a_complaint_worked_in_the_workspace(server, browser, page, sessions, settings, complaint):
    reference = new_case(sessions, complaint)
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.get_by_role("link", name=reference).click()
    page.get_by_role("heading", name=f"Klage {reference}").wait_for()
    assert "Kari Styreleder" in page.content()

    page.get_by_role("button", name="Kvitter ut").click()
    page.get_by_text("Saken er kvittert ut.").wait_for()
    assert page.locator("#status").inner_text() == "Under behandling"

    page.get_by_label("Notat").fill("Ringte styreleder, venter svar.")
    page.get_by_role("button", name="Lagre internt notat").click()
    page.get_by_text("Det interne notatet er lagret.").wait_for()
    page.get_by_label("Kommentar", exact=True).fill("Vi har kontaktet styret i borettslaget.")
    page.get_by_role("button", name="Send kommentaren").click()
    page.get_by_text("Kommentaren er lagret og sendt til innsenderen.").wait_for()
    page.get_by_role("button", name="Løs saken").click()
    page.get_by_text("Saken er løst.").wait_for()
    assert page.locator("#status").inner_text() == "Løst"
    history = history_text(page)
    assert "Internt notat" in history and "Ringte styreleder" in history
    assert "Vi har kontaktet styret i borettslaget." in history

    # The submitter's page has the comment, not the note.
    with sessions() as session:
        token = session.execute(select(Case.tracking_token).where(Case.reference == reference)).scalar_one()
    page.goto(f"{server.url}/sak/{token}")
    tracking = page.locator("main").inner_text()
    assert "Vi har kontaktet styret i borettslaget." in tracking and "Ringte styreleder" not in tracking

    # The case officer copied on it finds it under "Kopi til meg" (closed now: all statuses).
    per = browser.new_context(locale="nb-NO").new_page()
    sign_in_page(per, server.url, sessions, settings, PER)
    per.get_by_role("link", name="Kopi til meg").click()
    per.get_by_label("Status").select_option(label="Alle, også lukkede")
    per.get_by_role("button", name="Vis saker").click()
    per.get_by_role("link", name=reference).wait_for()
    per.context.close()


def test_a_leader_finds_an_overdue_case(server, page, sessions, settings, complaint):
    reference = new_case(sessions, complaint)
    with unit_of_work(sessions) as session:
        case_id = session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        session.execute(update(Deadline).where(Deadline.case_id == case_id, Deadline.kind == "acknowledge")
                        .values(due_at=utcnow() - dt.timedelta(hours=1)))
    sign_in_page(page, server.url, sessions, settings, LEADER)
    page.get_by_role("link", name="Forfalt").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))
    row.wait_for()
    assert "Forfalt" in row.inner_text()


def assert_no_violations(page, axe_source: str, what: str) -> None:
    violations = axe_violations(page, axe_source)
    assert not violations, f"axe found WCAG 2.1 AA violations on {what}:\n{describe(violations)}"


def test_the_signed_in_pages_pass_axe(server, page, axe_source, sessions, settings, complaint):
    reference = new_case(sessions, complaint)
    with unit_of_work(sessions) as session:
        session.execute(update(Deadline).values(due_at=utcnow() - dt.timedelta(hours=1)))
    sign_in_page(page, server.url, sessions, settings, KARI)
    assert_no_violations(page, axe_source, "the inbox")
    page.goto(server.url + "/arbeid?type=tull")
    assert_no_violations(page, axe_source, "the inbox with an error")
    page.goto(f"{server.url}/arbeid/saker/{reference}")
    assert_no_violations(page, axe_source, "the case page")
    page.get_by_role("button", name="Send kommentaren").click()  # no text: the error summary
    page.get_by_role("alert").wait_for()
    assert_no_violations(page, axe_source, "the case page with an error")
