"""Issue 12's "done when", as a new user does it: `make run` (dev.run with embedded defaults), sign
in as the municipality's contact from the link in the mail viewer, find the demo complaint in the
inbox and take it from received to resolved in chromium; the submitter's tracking page and
e-mails show it."""
from __future__ import annotations

import re
from typing import Any

import pytest

from tests.integration.test_make_run import DevRun, dev_run, wait_for_banner, wait_for_messages  # noqa: F401
from tests.support.processes import wait_until

pytestmark = pytest.mark.integration

KARI = "kari.johansen@kommune.example"
SUBMITTER = "kari@example.org"


def open_newest_mail(page: Any, run: DevRun, subject: str) -> None:
    """From the viewer's inbox, open the newest e-mail whose subject has `subject`."""

    def listed() -> bool:
        page.goto(run.mail_url("/"))
        return page.get_by_role("link", name=re.compile(re.escape(subject))).count() > 0

    wait_until(listed, timeout=30, what=f"an e-mail '{subject}' in the viewer")
    page.get_by_role("link", name=re.compile(re.escape(subject))).first.click()


def test_a_new_user_signs_in_from_the_mail_viewer_and_resolves_the_demo_complaint(dev_run: DevRun, page: Any):  # noqa: F811
    wait_for_banner(dev_run)
    reference = re.search(r"Demoklagen (\S+) er sendt inn", dev_run.log()).group(1)
    wait_for_messages(dev_run, 3)

    page.goto(dev_run.url("/logg-inn"))
    page.get_by_label("E-postadresse").fill(KARI)
    page.get_by_role("button", name="Send meg en innloggingslenke").click()
    assert page.get_by_role("heading", name="Sjekk e-posten din").is_visible()

    open_newest_mail(page, dev_run, "Logg inn i samhandling")
    page.locator('a[href*="/logg-inn/"]').first.click()
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(re.compile(r"/arbeid$"))
    assert "Kari Johansen" in page.content()

    assert page.get_by_role("link", name=reference).first.is_visible()  # the demo complaint is in the inbox

    # The case is opened from the link in the notification e-mail, as the contact would.
    open_newest_mail(page, dev_run, f"Ny klage {reference}")
    page.locator(f'a[href$="/arbeid/saker/{reference}"]').first.click()
    page.wait_for_url(re.compile(rf"/arbeid/saker/{reference}$"))
    page.get_by_role("button", name="Kvitter ut").click()
    page.get_by_text("Saken er kvittert ut.").wait_for()
    page.get_by_label("Kommentar", exact=True).fill("Vi har snakket med beboerne i 3B.")
    page.get_by_role("button", name="Send kommentaren").click()
    page.get_by_text("Kommentaren er lagret og sendt til innsenderen.").wait_for()
    page.get_by_role("button", name="Løs saken").click()
    page.get_by_text("Saken er løst.").wait_for()
    assert page.locator("#status").inner_text() == "Løst"

    # The submitter's e-mails say so: acknowledged, the comment, resolved, each to kari@example.org.
    def submitter_subjects() -> list[str]:
        messages = wait_for_messages(dev_run, 1)
        return [m["Subject"] for m in messages if any(to["Address"] == SUBMITTER for to in m["To"])]

    wait_until(lambda: any("løst" in subject for subject in submitter_subjects()), timeout=30,
               what="the resolved e-mail to the submitter")
    subjects = submitter_subjects()
    assert any("under behandling" in s for s in subjects), subjects
    assert any(s.startswith("Ny kommentar i saken din") for s in subjects), subjects

    # And so does the tracking page, opened from the link in the receipt as the submitter would.
    open_newest_mail(page, dev_run, f"Kvittering: klagen din er mottatt ({reference})")
    page.locator('a[href*="/sak/"]').first.click()
    tracking = page.locator("main").inner_text()
    assert "Løst" in tracking and "Vi har snakket med beboerne i 3B." in tracking
