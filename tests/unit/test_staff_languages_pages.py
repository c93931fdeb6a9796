"""The workspace's compliance, access, absence and personal-data pages (and their PDF and CSV) in the
signed-in contact's language (SPEC §9): nynorsk for a contact with language nn, bokmål unchanged for
the others."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
import time_machine
from sqlalchemy import select

from shared.documents import compliance_pdf
from shared.formats import date_time, written_date_time
from shared.models import Absence, ApiToken
from tests.support.workspace import csrf, sign_in_as
from tests.support.workspace_forms import form
from tests.unit.test_compliance import NEW_YEARS_EVE, year_2027  # noqa: F401
from tests.unit.test_meeting_documents import pdf_text
from tests.unit.test_staff_languages import speaks
from tests.unit.test_workspace_privacy import two_cases  # noqa: F401

KARI = "kari.johansen@kommune.example"  # the municipality's main contact: may open all four pages
PAGES = ("/arbeid/samsvar/2027", "/arbeid/tilgang", "/arbeid/fravaer", "/arbeid/personvern")


def words(response) -> str:
    """The page's text as a reader sees it: no tags, entities read, whitespace as single spaces."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def lang(response) -> str:
    match = re.search(r'<html lang="(\w+)"', response.get_data(as_text=True))
    assert match
    return match.group(1)


@pytest.fixture
def nynorsk(client, sessions, settings):
    """Kari, who reads nynorsk, signed in."""
    speaks(sessions, KARI, "nn")
    sign_in_as(client, sessions, settings, KARI)
    return client


def on_new_years_eve(client, sessions, settings, path: str):
    """Kari, who reads nynorsk, reads `path` at the end of 2027 (year_2027's figures are for then)."""
    speaks(sessions, KARI, "nn")
    with time_machine.travel(NEW_YEARS_EVE, tick=False):
        sign_in_as(client, sessions, settings, KARI)
        return client.get(path)


def test_the_compliance_page_in_nynorsk(client, sessions, settings, year_2027):  # noqa: F811
    page = on_new_years_eve(client, sessions, settings, "/arbeid/samsvar/2027")
    html, said = page.get_data(as_text=True), words(page)
    assert lang(page) == "nn"
    for text in ("Samsvar med samhandlingsavtalen 2027",
                 "Faste møte, møteinnkallingar innan 21 dagar og fristar i saker.",
                 "Last ned tala som CSV eller rapporten som PDF til årsmøtet.",
                 "Avtalen krev 2 faste møte i året. Halde: 1 , planlagt: 1 .", "Møteinnkallingar i 2027, eldste først",
                 "og varselet skal kome minst", "Innkalla", "Varsla i tide", "Fristar per sakstype", "Frist for å",
                 "Klage løyse saka 0 1 0 1", "Ikkje forfallen", "Meldt til leiar", "Fristar per burettslag",
                 "Opne saker no, etter alder", "0–7 dagar", "over 90 dagar", "I alt"):
        assert text in said, text
    # The charts' summaries and legends, which a screen reader and the eye get instead of the table.
    assert 'aria-label="Fristar i 2027 per sakstype: haldne, overskridne og ikkje forfalne.' in html
    assert ">Overskriden</text>" in html and ">Klage: løyse saka</text>" in html
    assert 'href="/arbeid/samsvar/2027.csv"' in html
    for bokmal in ("Frister per sakstype", "Ikke forfalt", "løse saken", "Åpne saker", "Last ned tallene"):
        assert bokmal not in said, bokmal


def test_the_compliance_csv_in_nynorsk_keeps_its_columns_and_figures(client, sessions, settings,
                                                                      year_2027):  # noqa: F811
    answer = on_new_years_eve(client, sessions, settings, "/arbeid/samsvar/2027.csv")
    text = answer.get_data(as_text=True)
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert header == ["del", "kva", "burettslag", "halden", "overskriden", "ikkje forfallen", "meldt til leiar",
                      "innkalla", "frist", "møtedato", "dagar", "innan fristen"]
    by_section = {(row[0], row[1]): row for row in rows}
    assert by_section[("faste møte", "krav 2")][3] == "1"
    assert by_section[("fristar per sakstype", "Klage: løyse saka")][3:7] == ["0", "1", "0", "1"]
    assert by_section[("fristar per burettslag", "997273354")][2] == "Prestvannet borettslag"
    requests = [row for row in rows if row[0] == "møteinnkallingar"]
    assert [(row[1], row[-1]) for row in requests] == [("MO-2027-0001", "ja"), ("MO-2027-0002", "nei"),
                                                       ("MO-2027-0003", "ja")]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", row[7]) for row in requests)  # ISO dates in every language
    assert {row[2] for row in rows if row[0] == "opne saker etter alder"} == {"0–7 dagar", "8–30 dagar",
                                                                            "31–90 dagar", "over 90 dagar"}


def test_the_compliance_pdf_in_nynorsk(client, sessions, settings, year_2027):  # noqa: F811
    answer = on_new_years_eve(client, sessions, settings, "/arbeid/samsvar/2027.pdf")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == 'attachment; filename="samsvar-2027.pdf"'
    text = pdf_text(answer.get_data())
    made = date_time(NEW_YEARS_EVE, "Europe/Oslo", language="nn")
    for words_ in ("Samarbeidsutvalet", "Samsvar med samhandlingsavtalen 2027",
                   f"Rapport til årsmøtet i samarbeidsutvalet, laga {made}.", "Faste møte",
                   "Avtalen krev 2 faste møte i året. Halde: 1, planlagt: 1.", "Halde", "Planlagt",
                   "Møteinnkallingar", "Innkalla", "Oppfylt", "Fristar per sakstype", "Klage løyse saka 0 1 0 1",
                   "Fristar per burettslag", "Prestvannet borettslag 997273354 1 1 0", "Opne saker etter alder",
                   "Side 1 av"):
        assert words_ in text, words_
    assert "Samarbeidsutvalget" not in text and "Frister per sakstype" not in text


def test_the_compliance_pdf_is_bokmal_unless_asked_for_nynorsk(sessions):
    """The document's own words and dates follow `language`; the default is bokmål."""
    figures = {"report": None, "cooperatives": [], "ages": [], "kinds": {}, "case_types": {}, "age_buckets": [],
               "deadline_chart": "", "request_days": 21, "minimum_notice": 5}
    from services.intake.compliance import ComplianceReport

    figures["report"] = ComplianceReport(2030, 2, [], [], [], 5)
    made = dt.datetime(2030, 3, 4, 9, 30, tzinfo=dt.UTC)
    with sessions() as session:
        bokmal = pdf_text(compliance_pdf(session, 2030, figures, made_at=made, tz_name="Europe/Oslo").content)
        nynorsk = pdf_text(compliance_pdf(session, 2030, figures, made_at=made, tz_name="Europe/Oslo",
                                          language="nn").content)
    assert "Ingen parter har bedt om møte i 2030." in bokmal and "laget 04.03.2030 kl. 10.30" in bokmal
    assert "Ingen av partane har bede om møte i 2030." in nynorsk and "laga 04.03.2030 kl. 10.30" in nynorsk
    assert "Ingen saker er opne." in nynorsk and "Ingen fristar forfell i 2030." in nynorsk


def test_the_access_page_in_nynorsk(nynorsk, sessions):
    page = nynorsk.get("/arbeid/tilgang")
    said = words(page)
    assert lang(page) == "nn"
    for text in ("Tilgang for fagsystem", "Eit API-token lèt eit fagsystem i parten din bruke API-et",
                 "Kva skal tokenet brukast til?", "Høgst 100 teikn.", "Lag token", "Tokena til parten",
                 "Parten din har ingen API-token for fagsystem.", "Logg, nyaste først", "Hending", "Kven",
                 "Logga inn"):
        assert text in said, text

    empty = nynorsk.post("/arbeid/tilgang/tokens", data={"navn": "", "csrf_token": csrf(nynorsk, "/arbeid/tilgang")})
    assert empty.status_code == 400
    assert "Noko må rettast Skriv kva tokenet skal brukast til, til dømes namnet på fagsystemet." in words(empty)

    made = nynorsk.post("/arbeid/tilgang/tokens", data={"navn": "Bustadsystemet",
                                                        "csrf_token": csrf(nynorsk, "/arbeid/tilgang")})
    assert made.status_code == 201
    assert "Tokenet for Bustadsystemet er laga Kopier det no. Det blir ikkje vist igjen." in words(made)
    with sessions() as session:
        token_id = session.execute(select(ApiToken.id)).scalar_one()
    revoked = nynorsk.post(f"/arbeid/tilgang/tokens/{token_id}/trekk-tilbake",
                           data={"csrf_token": csrf(nynorsk, "/arbeid/tilgang")}, follow_redirects=True)
    said = words(revoked)
    assert "Tokenet er trekt tilbake." in said
    with sessions() as session:
        when = session.get(ApiToken, token_id).revoked_at
    written = written_date_time(when.replace(tzinfo=when.tzinfo or dt.UTC), "Europe/Oslo", language="nn")
    assert "API-token oppretta: Bustadsystemet" in said and "API-token trekt tilbake: Bustadsystemet" in said
    assert f"Trekt tilbake {written}" in said
    assert "Trukket tilbake" not in said and "Logget inn" not in said


def test_the_absence_page_in_nynorsk(nynorsk, sessions):
    page = nynorsk.get("/arbeid/fravaer")
    said = words(page)
    assert lang(page) == "nn"
    for text in ("Fråvær", "Stadfortredar", "Fråværsperiodane dine", "Du har ikkje registrert noko fråvær.",
                 "Registrer fråvær", "Første fråværsdag (må fyllast ut)", "Skriv datoen som ÅÅÅÅ-MM-DD",
                 "Merknad (valfritt)", "Til dømes «Ferie». Høgst 500 teikn.", "Registrer fråværet"):
        assert text in said, text
    assert "Fravær" not in said and "Stedfortreder" not in said

    hidden = form(nynorsk, "/arbeid/fravaer")
    wrong = nynorsk.post("/arbeid/fravaer", data={**hidden, "starts_on": "2030-05-10", "ends_on": "2030-05-01"})
    assert wrong.status_code == 422
    assert "Siste fråværsdag: Siste fråværsdag kan ikkje vere før den første." in words(wrong)
    missing = nynorsk.post("/arbeid/fravaer", data={**hidden, "starts_on": "", "ends_on": "10.05.2030"})
    said = words(missing)
    assert "Skjemaet har feil" in said and "Første fråværsdag: Skriv første fråværsdag." in said
    assert "Siste fråværsdag: Datoen må skrivast som ÅÅÅÅ-MM-DD." in said

    added = nynorsk.post("/arbeid/fravaer", data={**hidden, "starts_on": "2030-05-01", "ends_on": "2030-05-10"},
                         follow_redirects=True)
    said = words(added)
    assert "Fråværet er registrert." in said and "1. mai 2030" in said and "10. mai 2030" in said
    assert "Slett fråværet 1. mai 2030–10. mai 2030" in said
    with sessions() as session:
        absence_id = session.execute(select(Absence.id)).scalar_one()
    gone = nynorsk.post(f"/arbeid/fravaer/{absence_id}/slett", data={"csrf_token": hidden["csrf_token"]},
                        follow_redirects=True)
    assert "Fråværsperioden er sletta." in words(gone)
    again = nynorsk.post(f"/arbeid/fravaer/{absence_id}/slett", data={"csrf_token": hidden["csrf_token"]},
                         follow_redirects=True)
    assert "Fann ikkje fråværsperioden. Han kan alt vere sletta." in words(again)


def post_privacy(client, path: str, **data: str):
    return client.post("/arbeid/personvern" + path, data={"csrf_token": csrf(client, "/arbeid/personvern"), **data})


def test_the_personal_data_page_and_its_pdf_in_nynorsk(nynorsk, two_cases):  # noqa: F811
    page = nynorsk.get("/arbeid/personvern")
    said = words(page)
    assert lang(page) == "nn"
    for text in ("Personvern: innsyn og sletting", "skriv du inn e-postadressa deira her.",
                 "Alt du gjer på denne sida, blir ført i loggen under Tilgang.", "Hent ut alt vi har lagra",
                 "Slett på førespurnad", "Personen har bede om at opplysningane blir sletta", "Slett opplysningane"):
        assert text in said, text

    wrong = post_privacy(nynorsk, "/eksport", epost="ikkje-ei-adresse", format="doc")
    assert wrong.status_code == 400
    said = words(wrong)
    assert "Skriv ei gyldig e-postadresse, til dømes namn@eksempel.no." in said and "Vel JSON eller PDF." in said
    unconfirmed = post_privacy(nynorsk, "/slett", epost="")
    said = words(unconfirmed)
    assert "Skriv e-postadressa som opplysningane gjeld." in said
    assert "Stadfest at personen har bede om sletting." in said

    exported = post_privacy(nynorsk, "/eksport", epost="kari@example.org", format="pdf")
    assert exported.status_code == 200
    assert re.fullmatch(r'attachment; filename="personopplysningar-\d{4}-\d\d-\d\d\.pdf"',
                        exported.headers["Content-Disposition"])
    text = pdf_text(exported.data)
    for words_ in ("Personopplysningar om kari@example.org", "Alt samhandling har lagra om e-postadressa, henta ut",
                   "Saker (2)", "Status Løyst", "Kategori Støy", "Burettslag Prestvannet borettslag", "Skildring",
                   "Hending", "E-postar sende til adressa (2)", "Type e-post", "complaint_receipt",
                   "Ola Nordmann har lovet ro etter klokken 23."):
        assert words_ in text, words_
    assert "Personopplysninger" not in text and "Beskrivelse" not in text

    erased = post_privacy(nynorsk, "/slett", epost="kari@example.org", bekreft="ja")
    said = words(nynorsk.get(erased.headers["Location"]))
    assert "Opplysningane om kari@example.org er sletta frå 1 avslutta sak(er): KL-2027-0001." in said
    assert "Ikkje sletta frå opne saker: KL-2027-0002. Saka treng innsendaren medan ho blir behandla" in said

    log = nynorsk.get("/arbeid/tilgang").get_data(as_text=True)
    # The audit event's detail was written in bokmål when it happened, and says so.
    assert "Personopplysningar henta ut om kari@example.org (<span lang=\"nb\">PDF: 2 sak(er), 2 e-post(er)</span>)" \
        in log
    assert "Personopplysningar sletta om kari@example.org" in log


@pytest.mark.parametrize(("path", "words_"), [
    (PAGES[0], ("Samsvar med samhandlingsavtalen 2027", "Frister per sakstype", "Ingen frister forfaller i 2027.",
                "Åpne saker nå, etter alder", "Ingen saker er åpne.")),
    (PAGES[1], ("Tilgang for fagsystemer", "Hva skal tokenet brukes til?", "Logget inn", "Partens tokens")),
    (PAGES[2], ("Fravær", "Stedfortreder", "Du har ikke registrert noe fravær.", "Første fraværsdag (må fylles ut)")),
    (PAGES[3], ("Personvern: innsyn og sletting", "Hent ut alt vi har lagret", "Slett på forespørsel")),
])
def test_a_bokmal_contact_keeps_these_pages_in_bokmal(client, sessions, settings, path, words_):
    with time_machine.travel(NEW_YEARS_EVE, tick=False):
        sign_in_as(client, sessions, settings, KARI)
        page = client.get(path)
    said = words(page)
    assert page.status_code == 200 and lang(page) == "nb"
    for text in words_:
        assert text in said, text
    assert "ikkje" not in said and "Fråvær" not in said

