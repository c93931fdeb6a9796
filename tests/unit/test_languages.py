"""The public pages in bokmål, nynorsk and English: the reader's choice (?lang=, kept in the
session), else Accept-Language, else bokmål; `<html lang>` says which. Staff pages stay bokmål."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shared.models import Case
from tests.support.workspace import csrf
from tests.unit.test_web_form import FORM, post, text, tracking_path

HTML_LANG = re.compile(r'<html lang="([a-z]+)">')


def lang_of(html: str) -> str:
    match = HTML_LANG.search(html)
    assert match, "the page has no <html lang>"
    return match.group(1)


# Words a reader of each language would look for on the form, and the bokmål they replace.
FORM_WORDS = {
    "nb": ["Send en klage", "Borettslag", "(må fylles ut)", "Beskrivelse", "Send klagen"],
    "nn": ["Send ei klage", "Burettslag", "(må fyllast ut)", "Skildring", "Send klaga", "Vel kva klaga gjeld",
           "Brot på husordensreglar", "Leigetakar"],
    "en": ["Submit a complaint", "Housing cooperative", "(required)", "Description", "Submit the complaint",
           "Breach of house rules", "Tenant", "How we use your information"],
}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_form_in_each_language(client, language):
    html = text(client.get(f"{FORM}?lang={language}"))
    assert lang_of(html) == language
    for word in FORM_WORDS[language]:
        assert word in html, word
    if language != "nb":
        assert "Send en klage" not in html and "(må fylles ut)" not in html


def test_bokmal_is_the_default_without_accept_language(client):
    html = text(client.get(FORM))
    assert lang_of(html) == "nb" and "Send en klage" in html


@pytest.mark.parametrize(("header", "language"), [
    ("en-GB,en;q=0.9", "en"), ("nn-NO, nb;q=0.8", "nn"), ("no", "nb"), ("de-DE, fr", "nb"), ("sv, en;q=0.5", "en"),
])
def test_accept_language_decides_when_nothing_is_chosen(client, header, language):
    assert lang_of(text(client.get(FORM, headers={"Accept-Language": header}))) == language


def test_the_switch_is_remembered_and_beats_accept_language(client):
    english = {"Accept-Language": "en"}
    html = text(client.get(FORM, headers=english))
    assert 'href="/klage?lang=nn"' in html and 'lang="nn"' in html and ">Nynorsk</a>" in html
    client.get(f"{FORM}?lang=nn", headers=english)
    again = text(client.get(FORM, headers=english))
    assert lang_of(again) == "nn" and "Send ei klage" in again
    assert ">English</a>" in again and ">Bokmål</a>" in again and ">Nynorsk</a>" not in again


def test_an_unknown_language_is_ignored(client):
    html = text(client.get(f"{FORM}?lang=sv"))
    assert lang_of(html) == "nb" and "Send en klage" in html


@pytest.mark.parametrize(("language", "summary", "messages"), [
    ("nn", "Skjemaet har feil", ["Namn: Skriv namnet ditt.", "Vel kva klaga gjeld.", "Må vere mellom 10 og 5000 teikn.",
                                 "E-postadressa er ikkje gyldig."]),
    ("en", "The form has errors", ["Name: Enter your name.", "Choose what the complaint is about.",
                                   "Must be between 10 and 5000 characters.", "The e-mail address is not valid."]),
])
def test_validation_messages_in_the_chosen_language(client, language, summary, messages):
    client.get(f"{FORM}?lang={language}")
    response = post(client, submitter_name="", category="", description="kort", submitter_email="ikke-en-adresse")
    html = text(response)
    assert response.status_code == 422 and summary in html
    for message in messages:
        assert message in html, message


@pytest.mark.parametrize(("language", "words"), [
    ("nb", ["Klagen er sendt", "Saksnummeret ditt er", "Hva skjer nå?", "arbeidsdager"]),
    ("nn", ["Klaga er send", "Kva skjer no?", "innan 2 arbeidsdagar", "Følg saka", "Sjå status for sak"]),
    ("en", ["Your complaint has been sent", "Your case number is", "within 2 working days", "Follow the case"]),
])
def test_the_receipt_in_each_language(client, language, words):
    client.get(f"{FORM}?lang={language}")
    receipt = client.get(post(client).headers["Location"])
    html = text(receipt)
    assert lang_of(html) == language
    for word in words:
        assert word in html, word
    assert 'href="/klage/kvittering?lang=' not in html  # a reload would lose the one-time link


@pytest.mark.parametrize(("language", "words"), [
    ("nb", ["Om saken", "Type sak", "Klage", "Støy", "Mottatt", "Historikk"]),
    ("nn", ["Om saka", "Type sak", "Klage", "Støy", "Motteken", "Hending"]),
    ("en", ["About the case", "Type of case", "Complaint", "Noise", "Received", "History", "Event"]),
])
def test_the_tracking_page_in_each_language(client, sessions, language, words):
    receipt = text(client.get(post(client, occurred_on="2026-01-05").headers["Location"]))
    html = text(client.get(f"{tracking_path(receipt)}?lang={language}"))
    assert lang_of(html) == language
    for word in words:
        assert word in html, word
    written = {"nb": "5. januar 2026", "nn": "5. januar 2026", "en": "5 January 2026"}[language]
    assert written in html


def test_the_language_the_form_was_filled_in_is_stored_on_the_case(client, sessions):
    client.get(f"{FORM}?lang=en")
    post(client, submitter_email="english@example.org")
    client.get(f"{FORM}?lang=nb")
    post(client, submitter_email="bokmal@example.org")
    with sessions() as session:
        languages = dict(session.execute(select(Case.submitter_email, Case.language).where(
            Case.submitter_email.in_(["english@example.org", "bokmal@example.org"]))).all())
    assert languages == {"english@example.org": "en", "bokmal@example.org": "nb"}


@pytest.mark.parametrize(("language", "heading"), [("nn", "Fann ikkje sida"), ("en", "Page not found")])
def test_error_pages_in_the_chosen_language(client, language, heading):
    client.get(f"{FORM}?lang={language}")
    response = client.get("/finnes-ikke")
    assert response.status_code == 404 and heading in text(response) and lang_of(text(response)) == language


SIGN_IN_WORDS = {
    "nb": ["Logg inn i samhandling", "E-postadresse", "Send meg en innloggingslenke"],
    "nn": ["Logg inn i samhandling", "E-postadresse", "Send meg ei innloggingslenkje", "bustadbyggjelaget"],
    "en": ["Sign in to samhandling", "E-mail address", "Send me a sign-in link", "housing association"],
}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_sign_in_page_follows_the_reader(client, language):
    client.get(f"{FORM}?lang={language}")
    html = text(client.get("/logg-inn"))
    assert lang_of(html) == language
    for word in SIGN_IN_WORDS[language]:
        assert word in html, word


def test_the_sign_in_page_takes_accept_language_and_its_switch(client):
    html = text(client.get("/logg-inn", headers={"Accept-Language": "nn-NO,nb;q=0.8"}))
    assert lang_of(html) == "nn" and "Send meg ei innloggingslenkje" in html
    assert "/logg-inn?lang=en" in html
    client.get("/logg-inn?lang=en")
    sent = client.post("/logg-inn", data={"epost": "", "csrf_token": csrf(client, "/logg-inn")})
    assert sent.status_code == 400 and "Enter your e-mail address." in text(sent)
