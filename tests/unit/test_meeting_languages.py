"""The committee's meetings in each reader's language (SPEC §9, issue 15): the workspace's meeting
pages, their messages and dates for a nynorsk contact (a board's committee member too); every
meeting e-mail in its recipient's language, with the agenda or minutes PDF and the calendar file in
that language, and a resent one the same bytes; the API's documents with ?lang=nn."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select, update

from services.notifier.runner import consume
from shared.db import unit_of_work
from shared.documents import NoMinutes, agenda_pdf, minutes_pdf, render_pdf
from shared.i18n import DEFAULT_LANGUAGE
from shared.meeting_texts import in_language
from shared.messages import (
    MeetingReminderDue,
    MeetingRequestAnswered,
    MeetingScheduled,
    MinutesRecorded,
    NotificationRetried,
    record_event,
)
from shared.models import Contact, Meeting, Notification
from shared.runtime import Resources
from tests.support.api import auth
from tests.support.workspace import csrf
from tests.unit.test_delivery import RecordingMailer
from tests.unit.test_meeting_documents import attachments, outbox, pdf_text
from tests.unit.test_submitter_languages import html, plain
from tests.unit.test_workspace_meetings import ANNE, BOARD, KARI, MONDAY, OSLO, book_meetings, post, text, version

SPRING_NN = "Vårmøte i samarbeidsutvalet 2027"
SPRING_NB = "Vårmøte i samarbeidsutvalget 2027"


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def meetings(sessions, complaint) -> dict[str, int]:
    """The spring meeting on Tuesday 16 March and a requested one on Monday 8 March (test_workspace_meetings)."""
    return book_meetings(sessions, complaint)


def speaks(sessions, language: str, *emails: str) -> None:
    with unit_of_work(sessions) as session:
        session.execute(update(Contact).where(Contact.email.in_(emails)).values(language=language))


@pytest.fixture
def nynorsk(sessions) -> None:
    """Kari (the municipality) and the Fjellheisen board read nynorsk; the others bokmål."""
    speaks(sessions, "nn", KARI, BOARD)


# --- what the system writes on a meeting -----------------------------------------------------------------

@pytest.mark.parametrize(("stored", "nynorsk"), [
    ("Vårmøte i samarbeidsutvalget 2027", "Vårmøte i samarbeidsutvalet 2027"),
    ("Høstmøte i samarbeidsutvalget 2028", "Haustmøte i samarbeidsutvalet 2028"),
    ("Møte i samarbeidsutvalget (etter ønske)", "Møte i samarbeidsutvalet (etter ønske)"),
    ("Hvordan samarbeidet fungerer (samhandlingsavtalen)", "Korleis samarbeidet fungerer (samhandlingsavtalen)"),
    ("Avtales i innkallingen (møterom eller Teams)", "Blir avtalt i innkallinga (møterom eller Teams)"),
    ("Forsinket klage KL-2027-0001 – Breivang", "Forseinka klage KL-2027-0001 – Breivang"),
    ("Framleie FR-2027-0003 – Prestvannet borettslag", "Framleige FR-2027-0003 – Prestvannet borettslag"),
    ("Varsel om erverv ER-2027-0012", "Varsel om erverv ER-2027-0012"),
    # What people wrote stays as they wrote it, even when it starts like a title.
    ("Erverv i Prestvannet", "Erverv i Prestvannet"),
    ("Vårmøte i samarbeidsutvalget neste år", "Vårmøte i samarbeidsutvalget neste år"),
    ("Rådhuset, møterom Ørnen", "Rådhuset, møterom Ørnen"),
])
def test_what_the_system_stored_is_shown_in_the_readers_language(stored, nynorsk):
    assert in_language(stored, "nn") == nynorsk
    assert in_language(stored, DEFAULT_LANGUAGE) == stored


# --- the workspace's pages ----------------------------------------------------------------------------------

def test_the_list_and_the_month_for_a_nynorsk_contact(browsers, nynorsk, meetings):
    kari = browsers(KARI)
    page = text(kari.get("/arbeid/moter"))
    assert '<html lang="nn">' in page
    for words in (">Møte i samarbeidsutvalet</h1>", ">Komande møte</h2>", ">Tidlegare og avlyste møte</h2>",
                  ">Månadsvising</a>", "Frist for ønskt møte", SPRING_NN, "Møte i samarbeidsutvalet (etter ønske)",
                  ">Fast møte<", ">Etter ønske<", ">Planlagt<", "MO-2027-0001: seinast 22. mars 2027",
                  "Innanfor fristen", "16. mars 2027 kl. 10.00"):
        assert words in page, words
    assert "Kommende møter" not in page and "samarbeidsutvalget" not in page

    month = text(kari.get("/arbeid/moter?maned=2027-03"))
    for words in (">Mars 2027</h2>", 'title="måndag">mån<', 'title="tysdag">tys<', 'title="laurdag">lau<',
                  "Førre månad", "Neste månad", "Møte i mars 2027", f"16<span class=\"ds-sr-only\">. mars 2027: "
                  f"{SPRING_NN}</span>"):
        assert words in month, words
    assert "Ingen møte denne månaden." in text(kari.get("/arbeid/moter?maned=2027-04"))
    wrong = kari.get("/arbeid/moter?maned=mars")
    assert wrong.status_code == 400
    assert "Månaden finst ikkje" in text(wrong) and "Skriv månaden som ÅÅÅÅ-MM, til dømes 2027-03." in text(wrong)


def test_a_meeting_page_for_a_nynorsk_contact(browsers, nynorsk, meetings):
    kari = browsers(KARI)
    page = text(kari.get(f"/arbeid/moter/{meetings['spring']}"))
    assert '<html lang="nn">' in page
    for words in (f"<h1 class=\"ds-heading\" data-size=\"lg\">{SPRING_NN}</h1>", "Alle møte", ">Tid<",
                  "tysdag 16. mars 2027 kl. 10.00–12.00", ">Stad<", "Blir avtalt i innkallinga (møterom eller Teams)",
                  ">Dokument<", "Dagsorden (PDF)", "Legg møtet i kalenderen (.ics)", "Skriv referat",
                  ">Medlemmer<", ">Namn<", "Svar på innkallinga", "Ikkje registrert",
                  "Medlemmene svarer i sin eigen kalender", "Korleis samarbeidet fungerer (samhandlingsavtalen)",
                  "Flytt ned", "Set ei open sak på dagsordenen", "Vel sak", "Set på dagsordenen",
                  "Endringar i dagsordenen blir ikkje sende før du ber om det.", "Send oppdatert dagsorden",
                  "Møtet må liggje på ein arbeidsdag i arbeidstida", ">Klokkeslett<", "Samtykke til kortare varsel",
                  "(valfritt)", "Blir møtet flytt nærmare enn 5 arbeidsdagar fram", "Marit Eriksen (BoNord)",
                  "Overstyr fristen på 21 dagar for ønskt møte", "Grunngjeving for å overstyre fristen",
                  "(du får stadfeste først)."):
        assert words in page, words
    for bokmal in ("Sted", "Dokumenter", "Navn", "Ikke registrert", "Hvordan samarbeidet", "Velg sak", "Avtales"):
        assert f">{bokmal}" not in page, bokmal
    assert f"<title>{SPRING_NN}, 16. mars 2027 – samhandling</title>" in page


def test_a_board_member_reads_the_meeting_and_minutes_in_nynorsk(browsers, nynorsk, meetings):
    board = browsers(BOARD)
    path = f"/arbeid/moter/{meetings['requested']}"
    page = text(board.get(path))
    assert '<html lang="nn">' in page and ">Møte</a>" in page  # the menu: meetings only
    assert "måndag 8. mars 2027 kl. 10.00–12.00" in page and "Erverv i Prestvannet" in page
    assert "MO-2027-0001: seinast 22. mars 2027" in page and "Flytt møtet" not in page
    minutes = text(board.get(f"{path}/referat"))
    assert '<html lang="nn">' in minutes
    assert "Referat: Møte i samarbeidsutvalet (etter ønske)" in minutes
    assert "Referatet er ikkje skrive enno." in minutes and "Tilbake til møtet" in minutes


def test_the_refusals_and_what_changed_in_nynorsk(browsers, nynorsk, meetings):
    kari, path = browsers(KARI), f"/arbeid/moter/{meetings['spring']}"
    saturday = post(kari, f"{path}/flytt", path, dato="2027-03-20", klokkeslett="10:00")
    assert saturday.status_code == 422
    page = text(saturday)
    assert "Endringa vart ikkje lagra" in page
    assert "20.03.2027 er ikkje ein møtedag (helg, heilagdag, fellesferien i veke 28–31" in page
    late = post(kari, f"{path}/flytt", path, dato="2027-03-16", klokkeslett="15:30")
    assert "Møtet må liggje innanfor arbeidstida 08.00–16.00." in text(late)
    short = post(kari, f"{path}/flytt", path, dato="2027-03-03", klokkeslett="10:00")
    assert short.status_code == 409
    assert ("Møtet kan ikkje flyttast til 03.03.2027: det gir kortare varsel enn 5 arbeidsdagar (tidlegast "
            "08.03.2027). Kortare varsel krev samtykke frå bustadbyggjelaget: vel kontaktpersonen som har samtykt."
            in text(short))
    own = post(kari, f"{path}/flytt", path, dato="2027-03-03", klokkeslett="10:00", samtykke="ola.berg@kommune.example")
    assert "Samtykket må kome frå ein kontaktperson hos den andre parten (bustadbyggjelaget)." in text(own)
    bad = post(kari, f"{path}/flytt", path, dato="16.03", klokkeslett="ti", overstyr="ja")
    assert bad.status_code == 400
    for words in ("Skriv datoen som dd.mm.åååå.", "Skriv klokkeslettet som tt:mm, til dømes 10:00.",
                  "Skriv kvifor fristen blir overstyrt."):
        assert words in text(bad), words
    requested = f"/arbeid/moter/{meetings['requested']}"
    after = post(kari, f"{requested}/flytt", requested, dato="2027-03-23", klokkeslett="10:00")
    assert "Møtet ville bli halde etter fristen 22.03.2027 for MO-2027-0001." in text(after)
    unknown = post(kari, f"{path}/dagsorden", path, handling="legg_til", sak="KL-2027-9999")
    assert unknown.status_code == 422 and "Fann ikkje saka." in text(unknown)
    empty = post(kari, f"{path}/dagsorden", path, handling="legg_til", sak="")
    assert "Vel ei sak frå lista." in text(empty)

    token, shown = csrf(kari, path), version(kari, path)
    anne = browsers(ANNE)  # bokmål: her page and messages stay bokmål
    added = post(anne, f"{path}/dagsorden", path, handling="legg_til", sak=meetings["reference"])
    assert "Saken er satt på dagsordenen." in text(anne.get(added.headers["Location"]))
    stale = kari.post(f"{path}/dagsorden", data={"csrf_token": token, "versjon": shown, "handling": "send"})
    assert stale.status_code == 409
    page = text(stale)
    assert "Møtet er endra sidan du opna sida. Ingenting er lagra" in page
    assert "Dette er endra sidan du opna sida" in page
    assert f"Punktet «Klage {meetings['reference']} – Prestvannet borettslag» er sett på dagsordenen." in page
    sent = post(kari, f"{path}/dagsorden", path, handling="send")
    assert "Oppdatert dagsorden er send til alle medlemmene." in text(kari.get(sent.headers["Location"]))


def test_cancelling_in_nynorsk(browsers, nynorsk, meetings):
    kari, path = browsers(KARI), f"/arbeid/moter/{meetings['spring']}"
    confirm = text(kari.get(f"{path}/avlys"))
    assert '<html lang="nn">' in confirm
    for words in ("Avlys vårmøte i samarbeidsutvalet 2027 16. mars 2027?", "Alle dei 6 medlemmene i samarbeidsutvalet "
                  "får avlysinga i kalenderen sin.", "Ja, avlys møtet", "Nei, behald møtet", "Tilbake til møtet"):
        assert words in confirm, words
    done = post(kari, f"{path}/avlys", f"{path}/avlys")
    page = text(kari.get(done.headers["Location"]))
    assert "Møtet er avlyst, og medlemmene får avlysinga." in page and ">Avlyst<" in page
    assert "Møtet er avlyst og kan ikkje avlysast." in text(kari.get(f"{path}/avlys"))


@pytest.fixture
def begun(browsers, nynorsk, meetings, monday) -> str:
    """The complaint on the spring meeting's agenda (item 3) and the clock at the meeting: its path."""
    kari, path = browsers(KARI), f"/arbeid/moter/{meetings['spring']}"
    post(kari, f"{path}/dagsorden", path, handling="legg_til", sak=meetings["reference"])
    monday.move_to(dt.datetime(2027, 3, 16, 12, 30, tzinfo=OSLO))  # sessions have ended: sign in again
    return path


def minutes_form(browser, path: str, **fields):
    return post(browser, f"{path}/referat", f"{path}/referat", **fields)


def test_writing_and_confirming_minutes_in_nynorsk(browsers, sessions, meetings, begun):
    anne, kari, path = browsers(ANNE), browsers(KARI), begun
    form = text(kari.get(f"{path}/referat"))
    for words in ("Til stades", "Kryss av for medlemmene som var med.", "(må fyllast ut)",
                  "Punkt 1: Korleis samarbeidet fungerer (samhandlingsavtalen)",
                  f"Punkt 3: Klage {meetings['reference']} – Prestvannet borettslag", "Kva vedtaket gjer med saka",
                  ">Ingenting<", ">Løys saka<", ">Avvis saka<", "Lagre og send referatet"):
        assert words in form, words
    missing = minutes_form(kari, path, **{"vedtak-3": "", "sak-3": "resolve"})
    assert missing.status_code == 400
    assert "Skriv vedtaket for punkt 3 når saka skal løysast eller avvisast." in text(missing)
    no_summary = minutes_form(kari, path, **{"vedtak-3": "Løyst."})
    assert no_summary.status_code == 422 and "Feltet må fyllast ut." in text(no_summary)

    # The association writes them (in bokmål); the complaint is the municipality's: a proposal until Kari confirms.
    assert minutes_form(anne, path, oppsummering="Godt samarbeid.", til_stede=[KARI, BOARD],
                        **{"vedtak-3": "Avsluttes.", "sak-3": "resolve"}).status_code == 303
    page = text(kari.get(f"{path}/referat"))
    for words in (">Oppsummering<", "Godt samarbeid.", "Kari Johansen (Tromsø kommune Boligkontoret): til stades",
                  "Ingrid Solberg (Tromsø kommune Boligkontoret): ikkje til stades",
                  "Forslag: saka blir løyst når kommunen har stadfesta referatet.",
                  "Skrive av anne.nilsen@bonord.example (bustadbyggjelaget).", "Stadfest referatet",
                  "Vedtak som gjeld sakene til kommunen, blir gjennomførte når du stadfestar.",
                  "Last ned referatet (PDF)", ">Halde<"):
        assert words in page, words
    confirmed = post(kari, f"{path}/referat/bekreft", f"{path}/referat", merknader="Einig.")
    page = text(kari.get(confirmed.headers["Location"]))
    assert "Referatet er stadfesta." in page and "Saka er løyst." in page
    assert "Stadfesta av kari.johansen@kommune.example (kommunen), med merknad: «Einig.»." in page
    assert "Saken er løst." in text(anne.get(f"{path}/referat"))  # Anne reads bokmål


# --- documents and calendar files -------------------------------------------------------------------------

def test_the_workspace_documents_and_ics_follow_the_contact(browsers, nynorsk, meetings):
    path = f"/arbeid/moter/{meetings['spring']}"
    kari, anne = browsers(KARI), browsers(ANNE)
    agenda = pdf_text(kari.get(f"{path}/dagsorden.pdf").get_data())
    for words in (f"Dagsorden: {SPRING_NN}", "tysdag 16. mars 2027 kl. 10.00–12.00", "Stad",
                  "Blir avtalt i innkallinga (møterom eller Teams)", "Partar", "Samarbeidsutvalet",
                  "1. Korleis samarbeidet fungerer (samhandlingsavtalen)", "2. Eventuelt", "Side 1 av 1"):
        assert words in agenda, words
    assert f"Dagsorden: {SPRING_NB}" in pdf_text(anne.get(f"{path}/dagsorden.pdf").get_data())

    ics = kari.get(f"{path}.ics").get_data(as_text=True).replace("\r\n ", "")
    assert f"SUMMARY;LANGUAGE=nn:{SPRING_NN}" in ics
    assert "DESCRIPTION;LANGUAGE=nn:Dagsorden:\\n1. Korleis samarbeidet fungerer (samhandlingsavtalen)" in ics
    assert "LOCATION;LANGUAGE=nn:Blir avtalt i innkallinga (møterom eller Teams)" in ics
    assert f"SUMMARY;LANGUAGE=nb:{SPRING_NB}" in anne.get(f"{path}.ics").get_data(as_text=True).replace("\r\n ", "")


def test_another_agreements_meeting_has_no_documents_for_them(browsers, sessions, meetings):
    """The workspace's PDFs, like its pages, are of the signed-in contact's own agreements only."""
    from shared.models import Agreement

    with unit_of_work(sessions) as session:
        other = Agreement(name="Balsfjord – BoNord", municipality="Balsfjord kommune", association="BoNord")
        session.add(other)
        session.flush()
        session.execute(update(Meeting).where(Meeting.id == meetings["spring"]).values(agreement_id=other.id))
    kari = browsers(KARI)
    assert kari.get(f"/arbeid/moter/{meetings['spring']}").status_code == 404
    assert kari.get(f"/arbeid/moter/{meetings['spring']}/dagsorden.pdf").status_code == 404


def test_the_api_documents_take_lang(client, tokens, meetings):
    headers, path = auth(tokens["municipality"]), f"/api/v1/meetings/{meetings['spring']}"
    assert f"Dagsorden: {SPRING_NB}" in pdf_text(client.get(f"{path}/agenda.pdf", headers=headers).get_data())
    nynorsk = client.get(f"{path}/agenda.pdf?lang=nn", headers=headers)
    assert nynorsk.headers["Content-Disposition"] == 'attachment; filename="dagsorden-2027-03-16.pdf"'
    assert f"Dagsorden: {SPRING_NN}" in pdf_text(nynorsk.get_data())
    ics = client.get(f"{path}.ics?lang=nn", headers=headers).get_data(as_text=True).replace("\r\n ", "")
    assert f"SUMMARY;LANGUAGE=nn:{SPRING_NN}" in ics
    english = client.get(f"{path}/agenda.pdf?lang=en", headers=headers)
    assert english.status_code == 422 and english.get_json()["error"]["fields"] == {"lang": ["Velg en av: nb, nn."]}
    assert client.get(f"{path}/minutes.pdf?lang=nn", headers=headers).status_code == 404  # none yet


# --- e-mails -------------------------------------------------------------------------------------------------

def sent(settings, event) -> dict[str, object]:
    """The event's e-mails by recipient."""
    mailer = RecordingMailer()
    consume(Resources(settings), event, mailer)
    return {message["To"].addresses[0].addr_spec: message for message in mailer.sent}


def calendar_of(message) -> str:
    (part,) = [p for p in message.iter_attachments() if p.get_filename() == "invitasjon.ics"]
    return part.get_content().decode().replace("\r\n ", "")


def test_the_invitation_is_in_each_members_language(sessions, settings, nynorsk, meetings):
    invited = MeetingScheduled(event_id="invited", meeting_id=meetings["spring"], sequence=0, method="REQUEST")
    with unit_of_work(sessions) as session:
        record_event(session, invited)
    mails = sent(settings, invited)
    kari, anne = mails[KARI], mails[ANNE]
    assert kari["Content-Language"] == "nn" and '<html lang="nn">' in html(kari)
    assert kari["Subject"] == f"Innkalling: {SPRING_NN} 16.03.2027 kl. 10.00"
    for words in ("Hei Kari Johansen,", "Du er kalla inn til møte i samarbeidsutvalet 16.03.2027 kl. 10.00 "
                  "(2 timar).", "Stad: Blir avtalt i innkallinga (møterom eller Teams)", "Dagsorden:\n1. Korleis "
                  "samarbeidet fungerer (samhandlingsavtalen)\n2. Eventuelt",
                  "Invitasjonen ligg ved som kalenderfil (invitasjon.ics).", "Helsing"):
        assert words in plain(kari), words
    assert "<strong>16.03.2027 kl. 10.00</strong>" in html(kari) and "Denne e-posten er send automatisk" in html(kari)
    assert f"SUMMARY;LANGUAGE=nn:{SPRING_NN}" in calendar_of(kari)
    ((filename, _, agenda),) = attachments(kari)
    assert filename == "dagsorden-2027-03-16.pdf" and f"Dagsorden: {SPRING_NN}" in pdf_text(agenda)

    assert anne["Content-Language"] == "nb" and anne["Subject"] == f"Innkalling: {SPRING_NB} 16.03.2027 kl. 10.00"
    assert "Du er innkalt til møte i samarbeidsutvalget 16.03.2027 kl. 10.00 (2 timer)." in plain(anne)
    assert f"SUMMARY;LANGUAGE=nb:{SPRING_NB}" in calendar_of(anne)
    assert f"Dagsorden: {SPRING_NB}" in pdf_text(attachments(anne)[0][2])
    assert attachments(mails[BOARD])[0][2] == agenda  # the same language, the same document


def test_the_update_and_the_cancellation_in_nynorsk(sessions, settings, nynorsk, meetings):
    updated = MeetingScheduled(event_id="updated", meeting_id=meetings["spring"], sequence=1, method="REQUEST")
    cancelled = MeetingScheduled(event_id="cancelled", meeting_id=meetings["spring"], sequence=2, method="CANCEL")
    with unit_of_work(sessions) as session:
        session.get_one(Meeting, meetings["spring"]).sequence = 1
        record_event(session, updated)
    mail = sent(settings, updated)[KARI]
    assert mail["Subject"] == f"Oppdatert innkalling: {SPRING_NN} 16.03.2027 kl. 10.00"
    assert "Innkallinga er oppdatert. Du er kalla inn til møte i samarbeidsutvalet" in plain(mail)
    with unit_of_work(sessions) as session:
        meeting = session.get_one(Meeting, meetings["spring"])
        meeting.sequence, meeting.status = 2, "cancelled"
        record_event(session, cancelled)
    mail = sent(settings, cancelled)[KARI]
    assert mail["Subject"] == f"Avlyst: {SPRING_NN} 16.03.2027 kl. 10.00"
    assert "Møtet i samarbeidsutvalet 16.03.2027 kl. 10.00 er avlyst." in plain(mail)
    assert "METHOD:CANCEL" in calendar_of(mail) and attachments(mail) == []


@pytest.mark.parametrize(("days", "subject", "sentence"), [
    (7, f"Påminning: {SPRING_NN} om 7 dagar, 16.03.2027 kl. 10.00",
     "Påminning: samarbeidsutvalet har møte 16.03.2027 kl. 10.00, om 7 dagar."),
    (1, f"Påminning: {SPRING_NN} i morgon, 16.03.2027 kl. 10.00",
     "Påminning: samarbeidsutvalet har møte 16.03.2027 kl. 10.00, i morgon."),
])
def test_the_reminders_in_nynorsk(sessions, settings, nynorsk, meetings, days, subject, sentence):
    reminded = MeetingReminderDue(event_id=f"reminded-{days}", meeting_id=meetings["spring"], reminder_id=days,
                                  days_before=days)
    with unit_of_work(sessions) as session:
        record_event(session, reminded)
    mails = sent(settings, reminded)
    mail = mails[KARI]
    assert mail["Subject"] == subject and mail["Content-Language"] == "nn"
    for words in (sentence, "Dagsorden slik han er no:\n1. Korleis samarbeidet fungerer",
                  "Innkallinga med kalenderfila kom tidlegare; ho gjeld framleis."):
        assert words in plain(mail), words
    assert f"Dagsorden: {SPRING_NN}" in pdf_text(attachments(mail)[0][2])
    assert mails[ANNE]["Subject"].startswith(f"Påminnelse: {SPRING_NB} ")


def test_the_minutes_mail_in_each_language_and_a_resent_one_the_same_bytes(client, tokens, sessions, settings,
                                                                           nynorsk, meetings, monday):
    monday.move_to(dt.datetime(2027, 3, 16, 12, 30, tzinfo=OSLO))
    answer = client.post(f"/api/v1/meetings/{meetings['spring']}/minutes", headers=auth(tokens["association"]),
                         json={"summary": "Godt samarbeid.", "present": [KARI, ANNE],
                               "decisions": [{"agenda_item": 1, "decision": "Fortsetter som før."}]})
    assert answer.status_code == 201, answer.get_json()
    (recorded,) = outbox(sessions, "MinutesRecorded")
    mails = sent(settings, MinutesRecorded(**recorded))
    kari = mails[KARI]
    assert kari["Subject"] == f"Referat: {SPRING_NN} 16.03.2027 kl. 10.00"
    assert "Her er referatet frå møtet i samarbeidsutvalet 16.03.2027 kl. 10.00." in plain(kari)
    assert "Punkt 1: Korleis samarbeidet fungerer (samhandlingsavtalen)\nFortsetter som før." in plain(kari)
    ((filename, _, first),) = attachments(kari)
    minutes = pdf_text(first)
    assert filename == "referat-2027-03-16.pdf"
    for words in (f"Referat: {SPRING_NN}", "tysdag 16. mars 2027", "Til stades", "Forfall", "Oppsummering",
                  "Saker og vedtak", "Vedtak: Fortsetter som før.", "Ingen vedtak.", "Godkjenning",
                  "Referatet er skrive av Anne Nilsen (16.03.2027 kl. 12.30).",
                  "Ikkje stadfesta av den andre parten enno."):
        assert words in minutes, words
    assert "Referatet er skrevet av Anne Nilsen" in pdf_text(attachments(mails[ANNE])[0][2])

    with unit_of_work(sessions) as session:
        again = session.execute(select(Notification).where(Notification.kind == "minutes",
                                                           Notification.recipient == KARI)).scalar_one()
        again.status = "pending"
    render_pdf.cache_clear()  # made again, not taken from the cache
    with time_machine.travel(dt.datetime(2027, 3, 18, 14, 0, tzinfo=OSLO), tick=False):
        resent = sent(settings, NotificationRetried(event_id="retry", notification_id=again.id))[KARI]
    assert attachments(resent)[0][2] == first and resent["Content-Language"] == "nn"


def test_the_documents_differ_by_language_and_each_is_stable(sessions, settings, meetings):
    with sessions() as session:
        meeting = session.get_one(Meeting, meetings["spring"])
        bokmal, nynorsk = (agenda_pdf(session, meeting, settings.tz_name, lang).content for lang in ("nb", "nn"))
        render_pdf.cache_clear()
        assert agenda_pdf(session, meeting, settings.tz_name, "nn").content == nynorsk != bokmal
        with pytest.raises(NoMinutes):
            minutes_pdf(session, meeting, settings.tz_name, "nn")  # no minutes yet


def test_the_answers_to_a_meeting_request_in_each_recipients_language(sessions, settings, nynorsk, meetings):
    """Kari asked for the meeting (nynorsk); with no day free, the leaders hear of it too (bokmål)."""
    booked = MeetingRequestAnswered(event_id="booked", case_id=meetings["request"], outcome="booked",
                                    meeting_id=meetings["requested"])
    no_slot = MeetingRequestAnswered(event_id="no-slot", case_id=meetings["request"], outcome="no_slot")
    with unit_of_work(sessions) as session:
        record_event(session, booked)
        record_event(session, no_slot)
    mail = sent(settings, booked)[KARI]
    assert mail["Subject"] == "Møte i samarbeidsutvalet 08.03.2027 kl. 10.00 (MO-2027-0001)"
    assert ("Ønsket om møte (MO-2027-0001) er innfridd: samarbeidsutvalet møtest 08.03.2027 kl. 10.00. Sakene dine "
            "står på dagsordenen, og medlemmene har fått innkalling.") in plain(mail)
    assert "møtest <strong>08.03.2027 kl. 10.00</strong>." in html(mail)
    mails = sent(settings, no_slot)
    assert mails[KARI]["Subject"] == "Ingen ledig møtedag innan fristen for MO-2027-0001"
    assert ("Det finst ingen ledig møtedag innan fristen 22.03.2027 for ønsket om møte MO-2027-0001. Leiarane hos "
            "begge partar er varsla") in plain(mails[KARI])
    leader = mails["leder.boligkontoret@kommune.example"]
    assert leader["Content-Language"] == "nb" and "innen fristen 22.03.2027 for ønsket om møte" in plain(leader)
