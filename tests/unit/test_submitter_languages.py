"""Every e-mail to the submitter in the language the case was submitted in (SPEC §9): the receipt,
the status mails and the comment mail; the staff's mails about the same case stay bokmål."""
from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from services.notifier.runner import consume
from shared.db import unit_of_work
from shared.deadlines import received_note
from shared.messages import CaseStatusChanged, CaseSubmitted, record_event
from shared.models import Case
from shared.runtime import Resources
from tests.unit.test_delivery import RecordingMailer

SUBMITTER = "kari@example.org"
STAFF = "kari.johansen@kommune.example"
# (event, action, comment): what the staff do to the case, in order.
CHANGES = [("e-ack", "acknowledge", ""), ("e-note", "comment", "Vi har snakket med styret."),
           ("e-done", "resolve", "Saken er løst.")]
STATUS_AFTER = {"acknowledge": "acknowledged", "resolve": "resolved"}

# Each language's real words, per e-mail: the subject's start, then words of the text part.
WORDS = {
    "nb": {
        "receipt": ("Kvittering: klagen din er mottatt",
                    ["Hei Kari Styreleder,", "Takk for klagen.", "Kategori: Støy", "Borettslag:", "Hilsen"]),
        "status_acknowledge": ("Saken din er under behandling", ["behandler den nå", "Ny status: Under behandling"]),
        "status_comment": ("Ny kommentar i saken din", ["Saksbehandleren har skrevet en kommentar",
                                                        "Kommentar fra saksbehandler:", "Vi har snakket med styret."]),
        "status_resolve": ("Saken din er løst", ["er løst.", "Ny status: Løst"]),
    },
    "nn": {
        "receipt": ("Kvittering: klaga di er motteken",
                    ["Hei Kari Styreleder,", "Takk for klaga. Ho er registrert", "Kategori: Støy", "Burettslag:",
                     "Helsing", "Du kan følgje saka her:"]),
        "status_acknowledge": ("Saka di er under behandling",
                               ["har teke imot saka di", "behandlar ho no", "Ny status: Under behandling"]),
        "status_comment": ("Ny kommentar i saka di", ["Saksbehandlaren har skrive ein kommentar",
                                                      "Kommentar frå saksbehandlaren:", "Vi har snakket med styret."]),
        "status_resolve": ("Saka di er løyst", ["er løyst.", "Ny status: Løyst", "Følg saka:"]),
    },
    "en": {
        "receipt": ("Receipt: your complaint has been received",
                    ["Hello Kari Styreleder,", "Thank you for your complaint.", "Category: Noise",
                     "Housing cooperative:", "Kind regards"]),
        "status_acknowledge": ("Your case is being handled", ["has taken on your case", "New status: Being handled"]),
        "status_comment": ("New comment on your case",
                           ["The case officer has written a comment", "Comment from the case officer:",
                            "Vi har snakket med styret."]),
        "status_resolve": ("Your case has been resolved",
                           ["has been resolved.", "New status: Resolved", "Follow the case:"]),
    },
}
FOOTER = {"nb": "Denne e-posten er sendt automatisk", "nn": "Denne e-posten er send automatisk",
          "en": "This e-mail was sent automatically"}


def submit(client, complaint, language: str | None, accept: str | None = None) -> str:
    body = {**complaint, **({"language": language} if language else {})}
    headers = {"Accept-Language": accept} if accept else {}
    response = client.post("/api/v1/complaints", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"]


def handle(sessions, settings, reference: str) -> dict[tuple[str, str], EmailMessage]:
    """Route the case and act on it as CHANGES says, through the notifier: the e-mails it sent, by
    (recipient, the step that sent it: "receipt" or status_<action>)."""
    with sessions() as session:
        case_id = session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
    sent: dict[tuple[str, str], EmailMessage] = {}
    steps = [("receipt", CaseSubmitted(event_id="e-route", case_id=case_id, reference=reference))]
    for event_id, action, comment in CHANGES:
        event = CaseStatusChanged(event_id=event_id, case_id=case_id, reference=reference, action=action,
                                  comment=comment)
        steps.append((f"status_{action}", event))
    for step, event in steps:
        with unit_of_work(sessions) as session:
            if isinstance(event, CaseStatusChanged):
                case = session.get_one(Case, case_id)
                case.status = STATUS_AFTER.get(event.action, case.status)
                record_event(session, event)
        mailer = RecordingMailer()
        consume(Resources(settings), event, mailer)
        sent |= {(message["To"].addresses[0].addr_spec, step): message for message in mailer.sent}
    return sent


def plain(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_every_mail_to_the_submitter_is_in_the_case_language(client, sessions, settings, complaint, language):
    mails = handle(sessions, settings, submit(client, complaint, language))
    for kind, (subject, words) in WORDS[language].items():
        message = mails[(SUBMITTER, kind)]
        assert message["Subject"].startswith(subject), (kind, message["Subject"])
        assert message["Content-Language"] == language
        for word in words:
            assert word in plain(message), (kind, word)
        assert f'<html lang="{language}">' in html(message) and FOOTER[language] in html(message)
        assert words[0] in html(message)
    # The staff's notification of the same case stays bokmål.
    staff = mails[(STAFF, "receipt")]
    assert staff["Content-Language"] == "nb" and '<html lang="nb">' in html(staff)


def test_the_receipt_html_keeps_the_reference_strong_in_every_language(client, sessions, settings, complaint):
    reference = submit(client, complaint, "nn")
    receipt = handle(sessions, settings, reference)[(SUBMITTER, "receipt")]
    assert f"registrert med saksnummer <strong>{reference}</strong> og send til" in html(receipt)


@pytest.mark.parametrize(("accept", "language"), [("en-GB,en;q=0.8", "en"), ("nn", "nn"), (None, "nb"),
                                                   ("fr", "nb")])
def test_the_api_language_defaults_from_accept_language(client, sessions, complaint, accept, language):
    reference = submit(client, complaint, None, accept)
    with sessions() as session:
        stored = session.execute(select(Case.language).where(Case.reference == reference)).scalar_one()
    assert stored == language


def test_the_api_refuses_a_language_it_does_not_have(client, complaint):
    response = client.post("/api/v1/complaints", json={**complaint, "language": "sv"})
    assert response.status_code == 422
    assert "language" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(("arrived", "language", "note"), [
    (dt.datetime(2026, 5, 17, 10, tzinfo=dt.UTC), "nn",
     "Klaga kom inn på ein heilagdag (Grunnlovsdagen) og blir rekna som motteken måndag 18. mai 2026."),
    (dt.datetime(2026, 5, 17, 10, tzinfo=dt.UTC), "en",
     "Your complaint arrived on a public holiday (Constitution Day) and counts as received on Monday 18 May 2026."),
    (dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC), "nn",
     "Klaga kom inn på ein laurdag og blir rekna som motteken måndag 30. november 2026."),
    (dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC), "en",
     "Your complaint arrived after 16:00 and counts as received on Tuesday 1 December 2026."),
    (dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC), "nb",
     "Klagen kom inn etter kl. 16.00 og regnes som mottatt tirsdag 1. desember 2026."),
])
def test_the_received_note_in_each_language(arrived, language, note):
    assert received_note(arrived, "Europe/Oslo", language) == note
