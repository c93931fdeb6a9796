"""The handbook in a real browser (issue 13): "editing the handbook with an error and then validly":
the error is shown at its line, fixed, previewed with the diff and routing, saved, and the version
list shows it; every handbook page has no axe-core WCAG 2.1 AA violations."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from shared.handbook import DEFAULT_PATH
from shared.models import HandbookVersion
from tests.browser.test_accessibility import assert_no_violations
from tests.browser.workspace import sign_in_page

pytestmark = pytest.mark.browser
KARI = "kari.johansen@kommune.example"
SHIPPED = DEFAULT_PATH.read_text(encoding="utf-8")
COMPLAINT_RESOLVE = "resolve_days: 20\n      templates:\n        notification: complaint"


def test_editing_the_handbook_with_an_error_and_then_validly(server, page, sessions, settings, axe_source):
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.get_by_role("link", name="Håndbok").click()
    page.get_by_role("heading", name="Rutinehåndbok", exact=True).wait_for()
    assert "Versjon 1, lagret av fil" in page.locator("#versjon").inner_text()
    assert_no_violations(page, axe_source, "the handbook in force")

    page.get_by_role("link", name="Endre håndboka").click()
    page.locator("#complaint-reminder_fraction").fill("1,5")
    page.get_by_role("button", name="Forhåndsvis endringene i skjemaet").click()
    summary = page.get_by_role("alert")
    assert "Klage: påminnelse (andel av fristen): Skriv et tall mellom 0 og 1" in summary.inner_text()
    assert page.locator("#complaint-reminder_fraction").input_value() == "1,5"
    assert_no_violations(page, axe_source, "the edit form with a field error")

    broken = SHIPPED.replace(COMPLAINT_RESOLVE, COMPLAINT_RESOLVE.replace("20", "tjue"), 1)
    line = broken.splitlines().index("      resolve_days: tjue") + 1
    page.get_by_label("Håndboka som YAML").fill(broken)
    page.get_by_role("button", name="Forhåndsvis endringene i YAML-teksten").click()
    error_link = page.get_by_role("link", name=f"Linje {line}: case_types.complaint.default.resolve_days")
    error_link.wait_for()
    assert "resolve_days: tjue" in page.locator("#yaml-feil").inner_text()
    assert_no_violations(page, axe_source, "the YAML editor with an error at its line")
    error_link.click()
    assert page.evaluate("document.activeElement.id") == "yaml"

    textarea = page.get_by_label("Håndboka som YAML")
    textarea.fill(textarea.input_value().replace("resolve_days: tjue", "resolve_days: 25", 1))
    page.get_by_role("button", name="Forhåndsvis endringene i YAML-teksten").click()
    page.get_by_role("heading", name="Forhåndsvisning av ny versjon").wait_for()
    changes = page.get_by_role("table", name="Linjer som er fjernet og lagt til, mot versjon 1")
    assert "Fjernet" in changes.get_by_role("row").filter(has_text="resolve_days: 20").inner_text()
    assert "Lagt til" in changes.get_by_role("row").filter(has_text="resolve_days: 25").inner_text()
    noise = page.get_by_role("row").filter(has_text="Støy")
    assert "Kari Johansen" in noise.inner_text() and "Nei" in noise.inner_text()
    assert_no_violations(page, axe_source, "the preview")
    with sessions() as session:
        assert session.scalar(select(HandbookVersion.id).order_by(HandbookVersion.id.desc())) == 1

    page.get_by_label("Hva endres og hvorfor").fill("Lengre frist for klager")
    page.get_by_role("button", name="Lagre som ny versjon").click()
    page.get_by_text("Versjon 2 av håndboka er lagret").wait_for()
    newest = page.get_by_role("row").filter(has_text="Versjon 2")
    assert "Kari Johansen" in newest.inner_text() and "Lengre frist for klager" in newest.inner_text()
    assert "complaint.resolve_days: 20 → 25" in newest.inner_text() and "Gjelder nå" in newest.inner_text()
    assert_no_violations(page, axe_source, "the version list")

    page.get_by_role("link", name="Versjon 1").click()
    page.get_by_role("heading", name="Versjon 1 av håndboka").wait_for()
    assert_no_violations(page, axe_source, "an older version")
    page.get_by_role("link", name="Alle versjoner").click()
    page.get_by_role("link", name="Versjon 2").click()
    page.get_by_role("heading", name="Forskjell fra versjon 1").wait_for()
    assert_no_violations(page, axe_source, "the newest version with its diff")


def test_editing_the_meeting_windows_and_notice_with_an_error_and_then_validly(server, page, sessions, settings,
                                                                                axe_source):
    sign_in_page(page, server.url, sessions, settings, KARI)
    page.goto(server.url + "/arbeid/handbok/endre")
    notice = page.get_by_label("Minste varsel før et møte (virkedager)")
    assert notice.input_value() == "5"
    notice.fill("11")
    page.get_by_role("button", name="Forhåndsvis endringene i skjemaet").click()
    summary = page.get_by_role("alert")
    assert "høyst 10 virkedager" in summary.inner_text()
    assert notice.input_value() == "11"
    assert_no_violations(page, axe_source, "the edit form with an error in the meetings fields")
    summary.get_by_role("link", name="Minste varsel før et møte (virkedager)").click()
    assert page.evaluate("document.activeElement.id") == "meetings-minimum_notice_days"

    notice.fill("3")
    page.locator("#meetings-spring_window-from").fill("15.03")
    page.get_by_role("button", name="Forhåndsvis endringene i skjemaet").click()
    page.get_by_role("heading", name="Forhåndsvisning av ny versjon").wait_for()
    page.get_by_role("button", name="Lagre som ny versjon").click()
    page.get_by_text("Versjon 2 av håndboka er lagret").wait_for()
    assert "meetings.minimum_notice_days: 5 → 3" in page.get_by_role("row").filter(has_text="Versjon 2").inner_text()
    page.goto(server.url + "/arbeid/handbok")
    rules = page.get_by_role("table", name="Møtevinduer og varsel")
    assert "15. mars–31. mai" in rules.get_by_role("row").filter(has_text="Vårmøte").inner_text()
    assert "3 virkedager" in rules.get_by_role("row").filter(has_text="Minste varsel").inner_text()
    assert_no_violations(page, axe_source, "the handbook in force with its meeting rules")
