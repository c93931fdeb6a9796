"""A person sends a complaint in a real browser, by keyboard, and follows the tracking link."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"KL-\d{4}-\d{4}")


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")


def type_into(page, label: str, text: str) -> None:
    page.get_by_label(label).click()
    page.keyboard.type(text)


def test_complaint_by_keyboard_then_receipt_then_tracking_page(server, page):
    from playwright.sync_api import expect

    page.goto(server.url + "/klage")
    page.keyboard.press("Tab")
    assert focused(page) == "Gå til hovedinnholdet"
    page.keyboard.press("Enter")
    assert focused(page) == "innhold"

    page.get_by_label("Borettslag").select_option(label="Prestvannet borettslag")
    page.get_by_label("Kategori").select_option(label="Støy")
    type_into(page, "Beskrivelse", "Det spilles høy musikk fra leilighet 3B hver natt.")
    page.keyboard.press("Enter")  # a second line: the browser sends it as CRLF
    page.keyboard.type("Det gjelder også helgene.")
    page.keyboard.press("Tab")  # out of the textarea, on to the next field
    assert focused(page) == "share_number"
    page.keyboard.type("17")
    type_into(page, "Navn", "Kari Styreleder")
    type_into(page, "E-postadresse", "kari@example.org")
    page.keyboard.press("Tab")
    assert focused(page) == "submitter_phone"
    page.keyboard.type("+47 900 00 000")
    page.keyboard.press("Tab")
    assert focused(page) == "submitter_role"
    page.keyboard.type("Styret")  # a closed select picks the option whose label starts so
    assert page.get_by_label("Du sender klagen som").input_value() == "board"
    page.keyboard.press("Tab")  # the honeypot is skipped: next the privacy link, then the button
    assert focused(page) == "Les mer om personvern, hvor lenge vi lagrer opplysningene og hvem du kan spørre"
    page.keyboard.press("Tab")
    assert focused(page) == "Send klagen"
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Klagen er sendt")
    reference = REFERENCE.search(page.locator(".reference").inner_text()).group(0)
    expect(page.get_by_text("kontaktperson", exact=False).first).to_be_visible()

    page.get_by_role("link", name=f"Se status for sak {reference}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sak {reference}")
    expect(page.locator(".status")).to_have_text("Mottatt")
    expect(page.locator(".description")).to_have_text(
        "Det spilles høy musikk fra leilighet 3B hver natt.\nDet gjelder også helgene."
    )


def test_error_summary_links_move_focus_to_the_field(server, page):
    from playwright.sync_api import expect

    page.goto(server.url + "/klage")
    page.get_by_label("E-postadresse").fill("ikke-en-adresse")
    page.get_by_role("button", name="Send klagen").click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading")).to_have_text("Skjemaet har feil")
    expect(page.get_by_label("E-postadresse")).to_have_value("ikke-en-adresse")
    summary.get_by_role("link", name=re.compile("^E-postadresse")).click()
    assert focused(page) == "submitter_email"
    expect(page.get_by_label("E-postadresse")).to_have_accessible_description(
        re.compile("E-postadressen er ikke gyldig")
    )


def test_form_works_without_javascript(server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False, locale="nb-NO")
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        page.get_by_label("Borettslag").select_option(label="Prestvannet borettslag")
        page.get_by_label("Kategori").select_option(label="Vedlikehold")
        page.get_by_label("Beskrivelse").fill("Taklekkasje i oppgang B siden forrige uke.")
        page.get_by_label("Navn").fill("Ola Beboer")
        page.get_by_label("E-postadresse").fill("ola@example.org")
        page.get_by_label("Du sender klagen som").select_option(label="Beboer")
        page.get_by_role("button", name="Send klagen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Klagen er sendt")
        expect(page.locator(".reference")).to_have_text(REFERENCE)
    finally:
        context.close()


def test_form_reflows_on_a_narrow_screen(server, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(server.url + "/klage")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320  # WCAG 1.4.10
    finally:
        context.close()


def test_focus_is_visible(server, page):
    page.goto(server.url + "/klage")
    page.get_by_label("Navn").focus()
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[0] != "none" and outline[1] != "0px"
