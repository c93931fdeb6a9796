"""A contact's language is a directory field (nb or nn, SPEC §9): every e-mail to a contact is
written in it (the case notification, the reminder, the escalation, the handover, the board's
summary, the sign-in link), whatever the submitter wrote in; English is for submitters only."""
from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from sqlalchemy import select, update

from services.intake.case_actions import change_case
from services.intake.directory import export
from services.intake.directory_import import CONTACTS, plan
from services.notifier.runner import consume
from shared.agreement import meeting_deadline
from shared.db import unit_of_work
from shared.deadlines import fire_due
from shared.directory_csv import RowError, contact_values
from shared.formats import long_date
from shared.messages import CaseStatusChanged, DeadlineMissed, DeadlineReminderDue, SignInRequested
from shared.models import Case, Contact, Deadline, OutboxEvent, utcnow
from shared.runtime import Resources
from tests.support.workspace import ask_link, sign_in_as
from tests.support.workspace_forms import form
from tests.unit.test_delivery import RecordingMailer
from tests.unit.test_submitter_languages import SUBMITTER, handle, html, plain, submit
from tests.unit.test_workspace_cases import KARI, PER, new_case
from tests.unit.test_workspace_mail_links import LEADER, consume_events, sent_to
from tests.unit.test_workspace_notices import KROKEN, PRESTVANNET, acquisition, in_days

STAFF = "kari.johansen@kommune.example"
ROW = {"email": "ola@bbl.example", "name": "Ola", "party": "association", "role": "case_officer",
       "organisation": "BBL", "deputy": "", "leader": "", "committee_member": "no"}


def speaks(sessions, email: str, language: str) -> None:
    with unit_of_work(sessions) as session:
        session.execute(update(Contact).where(Contact.email == email).values(language=language))


def test_a_contact_is_bokmal_unless_the_directory_says_nynorsk(sessions):
    with sessions() as session:
        assert set(session.scalars(select(Contact.language))) == {"nb"}
    assert "language" not in contact_values(ROW)  # no column: the contact's language is kept
    assert contact_values({**ROW, "language": "NN"})["language"] == "nn"
    for wrong in ("en", "nynorsk"):
        with pytest.raises(RowError, match="«nb» \\(bokmål\\) eller «nn» \\(nynorsk\\)"):
            contact_values({**ROW, "language": wrong})


def test_the_export_writes_the_language_and_the_import_reads_it_back(sessions):
    speaks(sessions, STAFF, "nn")
    with sessions() as session:
        text = export(session, CONTACTS)
        header, *rows = text.removeprefix("\ufeff").splitlines()
        assert header.endswith(";committee_member;agreements;language")
        assert any(row.startswith(STAFF + ";") and row.endswith(";nn") for row in rows)
        assert plan(session, CONTACTS, text).writes == []  # the file is the directory as it is
        nb_again = "\r\n".join(line[:-2] + "nb" if line.startswith(STAFF + ";") else line
                               for line in text.split("\r\n"))
        (write,) = plan(session, CONTACTS, nb_again).writes
        assert [(c.field, c.old, c.new) for c in write.changes] == [("language", "nn", "nb")]


def test_the_case_mails_to_a_nynorsk_contact_are_nynorsk_and_the_submitter_keeps_english(
        client, sessions, settings, complaint):
    speaks(sessions, STAFF, "nn")
    mails = handle(sessions, settings, submit(client, complaint, "en"))
    staff = mails[(STAFF, "receipt")]
    assert staff["Content-Language"] == "nn" and '<html lang="nn">' in html(staff)
    assert staff["Subject"].startswith("Ny klage ") and "(støy)" in staff["Subject"]
    text = plain(staff)
    for words in ("Hei ", "Ei ny klage er registrert i samhandling, og du er ansvarleg kontaktperson.",
                  "Burettslag:", "Opplysningar frå innsendaren (skrivne av innsendaren):", "Namn:",
                  "Skildringa frå innsendaren", "Sjå saka:", "Behandle saka:", "Ta saka (kvitter ut):",
                  "Lenkjene opnar ei side der du stadfestar handlinga.", "Helsing"):
        assert words in text, words
    assert "Behandle saka" in html(staff) and "Frå innsendaren" in html(staff)
    assert "Denne e-posten er send automatisk" in html(staff)
    assert mails[(SUBMITTER, "receipt")]["Content-Language"] == "en"
    # The copy to the association's contact, who has not chosen nynorsk, stays bokmål.
    others = [message for (to, step), message in mails.items() if step == "receipt" and to not in (STAFF, SUBMITTER)]
    assert others
    for message in others:
        assert message["Content-Language"] == "nb" and "En ny klage er registrert i samhandling" in plain(message)


def test_reminder_escalation_and_handover_in_each_contacts_language(sessions, settings, complaint):
    speaks(sessions, KARI, "nn")
    speaks(sessions, PER, "nn")
    reference = new_case(sessions, complaint)
    with unit_of_work(sessions) as session:
        session.execute(update(Deadline).where(Deadline.kind == "acknowledge")
                        .values(remind_at=utcnow() - dt.timedelta(hours=2), due_at=utcnow() - dt.timedelta(hours=1)))
    assert fire_due(sessions, utcnow())["escalations"] == 1
    reminder = sent_to(consume_events(settings, sessions, "DeadlineReminderDue", DeadlineReminderDue), KARI)
    assert reminder["Subject"].startswith("Påminning: frist ") and reminder["Content-Language"] == "nn"
    assert f"Saka {reference} " in plain(reminder) and "for å kvittere ut. Status no:" in plain(reminder)
    assert "Går han ut, får leiaren din melding." in plain(reminder)
    assert f"<strong>{reference}</strong>" in html(reminder)
    escalation = sent_to(consume_events(settings, sessions, "DeadlineMissed", DeadlineMissed), LEADER)
    assert escalation["Content-Language"] == "nb"  # the leader reads bokmål
    assert escalation["Subject"] == f"Frist oversittet: {reference} er ikke kvittert ut"

    with unit_of_work(sessions) as session:
        case = session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        change_case(session, case, "reassign", actor=KARI, now=utcnow(), to=PER)
    assigned = sent_to(consume_events(settings, sessions, "CaseStatusChanged", CaseStatusChanged), PER)
    assert assigned["Content-Language"] == "nn" and "Opne saka i arbeidsflata: " in plain(assigned)


@pytest.mark.parametrize(("language", "words"), [
    ("nb", ["Logg inn i samhandling", "Lenken gjelder i 15 minutter", "Hilsen"]),
    ("nn", ["Logg inn i samhandling", "Lenkja gjeld i 15 minutt", "Helsing", "Opne lenkja i den same nettlesaren"]),
])
def test_the_sign_in_mail_is_in_the_contacts_language_not_the_pages(client, sessions, settings, language, words):
    speaks(sessions, KARI, language)
    client.get("/logg-inn?lang=en")  # the page was read in English: the mail still goes in the contact's
    ask_link(client, KARI)
    with sessions() as session:
        event = session.execute(select(OutboxEvent).where(OutboxEvent.event_type == "SignInRequested")).scalar_one()
        message = SignInRequested.from_payload(event.payload)
    mailer = RecordingMailer()
    consume(Resources(settings), message, mailer)
    (mail,) = mailer.sent
    assert mail["Content-Language"] == language and mail["Subject"] == words[0]
    for word in words[1:]:
        assert word in plain(mail), word


def test_the_workspace_follows_the_signed_in_contacts_language(client, sessions, settings, complaint):
    """The inbox and the case page in nynorsk for a contact with language nn; bokmål for the others."""
    reference = new_case(sessions, complaint)
    speaks(sessions, KARI, "nn")
    sign_in_as(client, sessions, settings, KARI)
    inbox = client.get("/arbeid?lang=en")  # a public page's switch does not reach the workspace
    page = unescape(inbox.get_data(as_text=True))
    assert inbox.status_code == 200 and '<html lang="nn">' in page and "?lang=" not in page
    for words in (">Saker</h1>", ">Mine saker</a>", ">Alle opne</a>", ">Forfallen</a>", ">Møte</a>", ">Handbok</a>",
                  "Saksnummer, burettslag eller tekst i skildringa.", "Alle typar", "Alle burettslag",
                  "Mine saker: 1 sak", "Send til kontaktperson", "Neste frist", "Logg ut"):
        assert words in page, words
    assert "Alle åpne" not in page and "Håndbok" not in page

    case = unescape(client.get(f"/arbeid/saker/{reference}").get_data(as_text=True))
    assert '<html lang="nn">' in case
    for words in ("Tilbake til sakene", f"Klage {reference}", "Om saka", "Type sak", "Ansvarleg", "Innsendar",
                  "Fristar", "Behandle saka", "Kommentar til endringa (valfritt)", "Overfør saka", "Internt notat",
                  "Kommentar til innsendaren", "Historikk", "Hending", "vyrkedagar", "Går"):
        assert words in case, words
    assert "Behandle saken" not in case and "Om saken" not in case

    missing = client.get("/arbeid/saker/KL-1999-0001")
    assert missing.status_code == 404 and "Fann ikkje saka" in unescape(missing.get_data(as_text=True))

    searched = client.get("/arbeid?side=null")
    assert searched.status_code == 400
    assert "Sidenummeret må vere eit heilt tal frå 1 og oppover." in unescape(searched.get_data(as_text=True))


def test_a_bokmal_contact_keeps_the_workspace_in_bokmal(client, sessions, settings, complaint):
    new_case(sessions, complaint)
    sign_in_as(client, sessions, settings, KARI)
    page = unescape(client.get("/arbeid").get_data(as_text=True))
    assert '<html lang="nb">' in page and ">Alle åpne</a>" in page and "Mine saker: 1 sak" in page


def test_the_notice_forms_follow_a_nynorsk_contact(client, sessions, settings):
    """Erverv, framleige and the meeting request in nynorsk: texts, figures, field messages, dates."""
    speaks(sessions, KARI, "nn")
    sign_in_as(client, sessions, settings, KARI)
    hidden = form(client, "/arbeid/erverv/ny")
    empty = client.get("/arbeid/erverv/ny")
    page = unescape(empty.get_data(as_text=True))
    assert '<html lang="nn">' in page
    for words in ("Varsle om planlagt erverv", "Vel burettslaget og trykk «Vis tal»", "Planlagd dato for kjøpet",
                  "(må fyllast ut)", "Gå vidare"):
        assert words in page, words
    assert "Velg borettslaget" not in page and "Gå videre" not in page

    shown = unescape(client.post("/arbeid/erverv/ny", data={**hidden, **acquisition(), "handling": "vis"})
                     .get_data(as_text=True))
    for words in ("Delen til kommunen i Prestvannet borettslag", "Bustader i burettslaget",
                  "15 bustader (10 % av bustadene, alltid minst éin (burettslagslova § 4-2))",
                  "Kjøpet held seg innanfor grensa."):
        assert words in shown, words
    over = unescape(client.post("/arbeid/erverv/ny", data={**hidden, **acquisition(cooperative_orgnr=KROKEN),
                                                           "handling": "kontroller"}).get_data(as_text=True))
    assert "Over grensa:" in over and "Ervervet vil gje offentlege eigarar 2 av 12 bustader, over grensa på 1" in over
    assert "Kontroller varselet om erverv" in over and "Send varsel" in over

    wrong = client.post("/arbeid/erverv/ny", data={**hidden, **acquisition(share_number="", planned_date=in_days(-1)),
                                                   "handling": "kontroller"})
    assert wrong.status_code == 422
    errors = unescape(wrong.get_data(as_text=True))
    assert "Skjemaet har feil" in errors and "Andelsnummer: Skriv andelsnummeret." in errors
    assert "Planlagd dato for kjøpet: Datoen kan ikkje vere tilbake i tid." in errors

    sent = client.post("/arbeid/erverv/ny", data={**hidden, **acquisition(cooperative_orgnr=PRESTVANNET),
                                                  "handling": "send"})
    receipt = unescape(client.get(sent.headers["Location"]).get_data(as_text=True))
    assert '<html lang="nn">' in receipt and "Varselet om erverv er sendt" in receipt
    assert "blir godkjenninga rekna som gitt" in receipt and "Gå til saka ER-" in receipt

    sublet = unescape(client.get("/arbeid/framleie/ny").get_data(as_text=True))
    assert "Spør styret om framleige" in sublet and "Hushaldet som skal leige" in sublet

    request = unescape(client.get("/arbeid/moter/ny").get_data(as_text=True))
    deadline = long_date(meeting_deadline(utcnow(), "Europe/Oslo"), "nn")
    assert "Be om møte i samarbeidsutvalet" in request and "på vegner av kommunen" in request
    assert f"Møtet skal haldast seinast <strong>{deadline}</strong> viss du sender no." in request
    many = client.post("/arbeid/moter/ny", data={**form(client, "/arbeid/moter/ny"), "reason": "Nye erverv i år.",
                                                 "topics": "Erverv\n" + "x" * 301})
    assert many.status_code == 422 and "Linje 2: " in unescape(many.get_data(as_text=True))


def test_every_workspace_page_follows_the_contacts_language(app):
    """A new /arbeid page whose blueprint is not in STAFF_PAGE_BLUEPRINTS would be bokmål for a
    nynorsk contact, and say lang=nb; sign-in is public (the reader's choice)."""
    from services.intake.languages import PUBLIC_BLUEPRINTS, STAFF_PAGE_BLUEPRINTS

    blueprints = {rule.endpoint.split(".")[0] for rule in app.url_map.iter_rules()
                  if rule.rule.startswith("/arbeid") and "." in rule.endpoint}
    assert blueprints
    assert blueprints - STAFF_PAGE_BLUEPRINTS - PUBLIC_BLUEPRINTS == set()
