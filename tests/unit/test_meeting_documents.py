"""The committee's documents: the agenda and the minutes as PDF, read back as a member would."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from services.notifier.runner import consume
from services.scheduler.booking import BookingRules, add_to_agenda, try_book
from shared.db import unit_of_work
from shared.documents import agenda_pdf, minutes_pdf
from shared.messages import (
    MeetingReminderDue,
    MeetingScheduled,
    MinutesRecorded,
    NotificationRetried,
    record_event,
)
from shared.models import Meeting, Notification, OutboxEvent
from shared.runtime import Resources
from tests.support.api import auth
from tests.unit.test_delivery import RecordingMailer
from tests.unit.test_minutes import complaint_case

OSLO = ZoneInfo("Europe/Oslo")
HELD = dt.date(2027, 3, 9)  # a Tuesday
TITLE = "Vårmøte i samarbeidsutvalget 2027"
PARTIES = ("Tromsø kommune Boligkontoret", "BoNord")


def poppler() -> None:
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("pdftotext and pdfinfo (poppler-utils) are not installed: apt-get install poppler-utils")


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, whitespace (line breaks too) as single spaces."""
    poppler()
    assert pdf.startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True,
                          timeout=60).stdout.decode()
    return " ".join(text.split())


def in_order(text: str, parts: list[str]) -> bool:
    positions = [text.find(part) for part in parts]
    return -1 not in positions and positions == sorted(positions)


@pytest.fixture(autouse=True)
def the_day_after():
    with time_machine.travel(dt.datetime(2027, 3, 10, 9, 0, tzinfo=OSLO), tick=False):
        yield


@pytest.fixture
def meeting(sessions, complaint) -> int:
    """Held yesterday in Tromsø; item 1 an acknowledged complaint, item 2 a routed one, item 3 no case."""
    ready = complaint_case(sessions, complaint, acknowledged=True, event_id="e-1")
    routed = complaint_case(sessions, complaint, acknowledged=False, event_id="e-2")
    with unit_of_work(sessions) as session:
        booked = try_book(session, HELD, kind="annual", title=TITLE, rules=BookingRules(), tz_name="Europe/Oslo",
                          now=dt.datetime(2027, 2, 1, tzinfo=OSLO))
        booked.location = "Rådhuset, møterom Ørnen"
        add_to_agenda(session, booked, "Forsinket klage KL-2027-0001 – Breivang", "complaint", ready)
        add_to_agenda(session, booked, "Støy fra nabo – særlig om natten", "complaint", routed)
        add_to_agenda(session, booked, "Eventuelt", "request")
        return booked.id


PRESENT = ["kari.johansen@kommune.example", "anne.nilsen@bonord.example", "styret.fjellheisen@borettslag.example"]
MINUTES = {"summary": "Gjennomgang av klager i Breivang.\nNeste møte i september, på Tromsø rådhus.",
           "present": PRESENT,
           "decisions": [{"agenda_item": 1, "decision": "Beboeren har flyttet; saken avsluttes.",
                          "case_action": "resolve"},
                         {"agenda_item": 3, "decision": "Ingen øvrige saker ble tatt opp."}]}


@pytest.fixture
def minuted(client, tokens, meeting) -> int:
    answer = client.post(f"/api/v1/meetings/{meeting}/minutes", headers=auth(tokens["municipality"]), json=MINUTES)
    assert answer.status_code == 201, answer.get_json()
    return meeting


def agenda_of(sessions, settings, meeting_id):
    with sessions() as session:
        return agenda_pdf(session, session.get_one(Meeting, meeting_id), settings.tz_name)


def minutes_of(sessions, settings, meeting_id):
    with sessions() as session:
        return minutes_pdf(session, session.get_one(Meeting, meeting_id), settings.tz_name)


def test_the_agenda_lists_every_item_in_order_with_its_case(sessions, settings, meeting):
    document = agenda_of(sessions, settings, meeting)
    assert (document.filename, document.content_type) == ("dagsorden-2027-03-09.pdf", "application/pdf")
    text = pdf_text(document.content)
    assert f"Dagsorden: {TITLE}" in text
    assert "tirsdag 9. mars 2027 kl. 10.00–12.00" in text and "Rådhuset, møterom Ørnen" in text
    assert all(party in text for party in PARTIES)
    assert in_order(text, ["1. Forsinket klage KL-2027-0001 – Breivang KL-2027-0001",
                           "2. Støy fra nabo – særlig om natten KL-2027-0002", "3. Eventuelt"])
    assert "Side 1 av 1" in text


def test_a_long_agenda_numbers_its_pages(sessions, settings, meeting):
    with unit_of_work(sessions) as session:
        booked = session.get_one(Meeting, meeting)
        for n in range(4, 61):
            add_to_agenda(session, booked, f"Sak nummer {n} om vedlikehold av fellesareal på Kvaløya", "request")
    text = pdf_text(agenda_of(sessions, settings, meeting).content)
    pages = int(text.split("Side 1 av ")[1].split()[0])
    assert pages >= 2
    assert all(f"Side {page} av {pages}" in text for page in range(1, pages + 1))
    assert in_order(text, [f"{n}. Sak nummer {n} om" for n in range(4, 61)])
    assert text.count(PARTIES[0]) >= pages  # the parties head every page


def test_the_minutes_have_attendance_summary_and_every_decision(sessions, settings, minuted):
    document = minutes_of(sessions, settings, minuted)
    assert document.filename == "referat-2027-03-09.pdf"
    text = pdf_text(document.content)
    assert f"Referat: {TITLE}" in text and all(party in text for party in PARTIES)
    assert in_order(text, ["Til stede", "Kari Johansen (Tromsø kommune Boligkontoret)", "Forfall", "Oppsummering"])
    present = text[text.index("Til stede"):text.index("Forfall")]
    absent = text[text.index("Forfall"):text.index("Oppsummering")]
    assert all(name in present for name in ["Anne Nilsen (BoNord)", "Styret i Fjellheisen borettslag"])
    assert all(name in absent for name in ["Ingrid Solberg", "Styret i Prestvannet borettslag"])
    assert "Gjennomgang av klager i Breivang. Neste møte i september, på Tromsø rådhus." in text
    assert in_order(text, [
        "1. Forsinket klage KL-2027-0001 – Breivang KL-2027-0001",
        "Vedtak: Beboeren har flyttet; saken avsluttes.", "Saken er løst.",
        "2. Støy fra nabo – særlig om natten KL-2027-0002", "Ingen vedtak.",
        "3. Eventuelt", "Vedtak: Ingen øvrige saker ble tatt opp."])
    assert "Referatet er skrevet av Kari Johansen (10.03.2027 kl. 09.00)." in text
    assert "Side 1 av " in text


def test_minutes_without_attendance_say_so_and_name_the_members(client, tokens, sessions, settings, meeting):
    answer = client.post(f"/api/v1/meetings/{meeting}/minutes", headers=auth(tokens["municipality"]),
                         json={"summary": "Kort møte om særlige forhold på Kvaløya."})
    assert answer.status_code == 201
    text = pdf_text(minutes_of(sessions, settings, meeting).content)
    assert "Oppmøtet er ikke ført. Utvalgets medlemmer:" in text and "Ingrid Solberg" in text
    assert "Kort møte om særlige forhold på Kvaløya." in text
    assert text.count("Ingen vedtak.") == 3


def test_only_members_of_the_committee_can_be_present(client, tokens, sessions, meeting):
    answer = client.post(f"/api/v1/meetings/{meeting}/minutes", headers=auth(tokens["municipality"]),
                         json={**MINUTES, "present": ["kari.johansen@kommune.example", "ola.berg@kommune.example"]})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"] == {"present.1": [
        "ola.berg@kommune.example er ikke medlem av samarbeidsutvalget."]}
    with sessions() as session:
        assert session.get_one(Meeting, meeting).minutes is None


def test_a_meeting_without_minutes_has_no_minutes_document(sessions, settings, meeting):
    from shared.documents import NoMinutes

    with pytest.raises(NoMinutes):
        minutes_of(sessions, settings, meeting)


def test_the_same_meeting_makes_the_same_bytes(sessions, settings, minuted):
    from shared.documents import render_pdf

    poppler()
    first = minutes_of(sessions, settings, minuted).content
    render_pdf.cache_clear()  # made again, not taken from the cache
    with time_machine.travel(dt.datetime(2027, 4, 1, 12, 0, tzinfo=OSLO), tick=False):
        assert minutes_of(sessions, settings, minuted).content == first
    info = subprocess.run(["pdfinfo", "-isodates", "-"], input=first, capture_output=True, check=True,
                          timeout=60).stdout.decode()
    assert "2027-03-10T09:00:00+01" in info  # created when the minutes were written, not by the clock


def attachments(message) -> list[tuple[str, str, bytes]]:
    return [(part.get_filename(), part.get_content_type(), part.get_content())
            for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]


def outbox(sessions, event_type: str) -> list[dict]:
    with sessions() as session:
        return list(session.execute(select(OutboxEvent.payload).where(OutboxEvent.event_type == event_type)
                                    .order_by(OutboxEvent.created_at)).scalars())


def test_the_invitation_and_the_reminder_carry_the_agenda(sessions, settings, meeting):
    invited = MeetingScheduled(event_id="invited", meeting_id=meeting, sequence=0, method="REQUEST")
    reminded = MeetingReminderDue(event_id="reminded", meeting_id=meeting, reminder_id=1, days_before=7)
    with unit_of_work(sessions) as session:
        record_event(session, invited)
        record_event(session, reminded)
    invitations, reminders = RecordingMailer(), RecordingMailer()
    assert consume(Resources(settings), invited, invitations) == {"sent": 6}
    assert consume(Resources(settings), reminded, reminders) == {"sent": 6}
    expected = agenda_of(sessions, settings, meeting).content
    for message in [invitations.sent[0], reminders.sent[0]]:
        assert attachments(message) == [("dagsorden-2027-03-09.pdf", "application/pdf", expected)]
    assert "invitasjon.ics" in [part.get_filename() for part in invitations.sent[0].iter_attachments()]
    assert "1. Forsinket klage KL-2027-0001 – Breivang" in pdf_text(expected)


def test_a_cancellation_carries_no_agenda(sessions, settings, meeting):
    cancelled = MeetingScheduled(event_id="cancelled", meeting_id=meeting, sequence=1, method="CANCEL")
    with unit_of_work(sessions) as session:
        session.get_one(Meeting, meeting).status = "cancelled"
        record_event(session, cancelled)
    mailer = RecordingMailer()
    consume(Resources(settings), cancelled, mailer)
    assert mailer.sent and attachments(mailer.sent[0]) == []


def test_the_minutes_mail_carries_the_minutes_and_a_resent_one_the_same_bytes(sessions, settings, minuted):
    (recorded,) = outbox(sessions, "MinutesRecorded")
    mailer = RecordingMailer()
    assert consume(Resources(settings), MinutesRecorded(**recorded), mailer) == {"sent": 6}
    ((filename, content_type, first),) = attachments(mailer.sent[0])
    assert (filename, content_type) == ("referat-2027-03-09.pdf", "application/pdf")
    text = pdf_text(first)
    assert all(d["decision"] in text for d in MINUTES["decisions"])

    from sqlalchemy import update

    from shared.documents import render_pdf

    with unit_of_work(sessions) as session:
        sent = session.execute(select(Notification).where(Notification.kind == "minutes").limit(1)).scalar_one()
        session.execute(update(Notification).where(Notification.id == sent.id).values(status="pending"))
    render_pdf.cache_clear()
    with time_machine.travel(dt.datetime(2027, 3, 12, 14, 0, tzinfo=OSLO), tick=False):
        resent = RecordingMailer()
        consume(Resources(settings), NotificationRetried(event_id="retry", notification_id=sent.id), resent)
    ((_, _, again),) = attachments(resent.sent[0])
    assert again == first


# Downloads ---------------------------------------------------------------------------------------

BOARD = "styret.fjellheisen@borettslag.example"  # a borettslag board's member of the committee


def assert_pdf_download(response, filename: str) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    return pdf_text(response.get_data())


@pytest.mark.parametrize("caller", ["municipality", "association", "system"])
def test_the_api_serves_the_agenda_and_the_minutes(client, tokens, minuted, caller):
    headers = auth(tokens[caller])
    agenda = assert_pdf_download(client.get(f"/api/v1/meetings/{minuted}/agenda.pdf", headers=headers),
                                 "dagsorden-2027-03-09.pdf")
    assert "3. Eventuelt" in agenda
    minutes = assert_pdf_download(client.get(f"/api/v1/meetings/{minuted}/minutes.pdf", headers=headers),
                                  "referat-2027-03-09.pdf")
    assert "Vedtak: Beboeren har flyttet; saken avsluttes." in minutes


def test_the_api_refuses_what_is_not_there_or_not_theirs(client, tokens, sessions, meeting):
    from sqlalchemy import update

    from shared.models import Contact

    headers = auth(tokens["municipality"])
    missing = client.get(f"/api/v1/meetings/{meeting}/minutes.pdf", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["message"] == "Møtet har ikke noe referat ennå."
    assert client.get("/api/v1/meetings/424242/agenda.pdf", headers=headers).status_code == 404
    assert client.get("/api/v1/meetings/424242/minutes.pdf", headers=headers).status_code == 404
    assert client.get(f"/api/v1/meetings/{meeting}/agenda.pdf").status_code == 401
    # A board that has left the committee reads no meeting's documents.
    with unit_of_work(sessions) as session:
        session.execute(update(Contact).where(Contact.email == "styret.prestvannet@borettslag.example")
                        .values(committee_member=False))
    refused = client.get(f"/api/v1/meetings/{meeting}/agenda.pdf", headers=auth(tokens["cooperative"]))
    assert refused.status_code == 403


def test_a_committee_member_from_a_board_downloads_them_in_the_workspace(client, sessions, settings, minuted):
    from tests.support.workspace import sign_in_as

    signed_out = client.get(f"/arbeid/moter/{minuted}/dagsorden.pdf")
    assert signed_out.status_code == 303
    assert signed_out.headers["Location"].endswith(f"/logg-inn?neste=/arbeid/moter/{minuted}/dagsorden.pdf")
    sign_in_as(client, sessions, settings, BOARD)
    agenda = assert_pdf_download(client.get(f"/arbeid/moter/{minuted}/dagsorden.pdf"), "dagsorden-2027-03-09.pdf")
    assert all(party in agenda for party in PARTIES)
    minutes = assert_pdf_download(client.get(f"/arbeid/moter/{minuted}/referat.pdf"), "referat-2027-03-09.pdf")
    assert "Ingen øvrige saker ble tatt opp." in minutes
    assert client.get("/arbeid/moter/424242/referat.pdf").status_code == 404


def test_the_workspace_has_no_minutes_before_they_are_written(client, sessions, settings, meeting):
    from tests.support.workspace import sign_in_as

    sign_in_as(client, sessions, settings, "kari.johansen@kommune.example")
    assert client.get(f"/arbeid/moter/{meeting}/referat.pdf").status_code == 404
    assert client.get(f"/arbeid/moter/{meeting}/dagsorden.pdf").status_code == 200


def test_another_agreements_meeting_names_its_own_parties_and_members(sessions, settings, meeting):
    """A meeting of agreement 2 (Tromsø kommune and Ishavsbo, SPEC §8): its agenda names Ishavsbo,
    its minutes' member list and who may be marked present are agreement 2's committee, not BoNord's."""
    from services.intake.minutes import BadDecision, record_minutes
    from shared.demo import MORE_AGREEMENTS, load_demo

    with unit_of_work(sessions) as session:
        load_demo(session, MORE_AGREEMENTS)
        session.get_one(Meeting, meeting).agreement_id = 2
    agenda = pdf_text(agenda_of(sessions, settings, meeting).content)
    assert "Ishavsbo" in agenda and "BoNord" not in agenda

    now = dt.datetime(2027, 3, 10, 9, 0, tzinfo=OSLO)
    with pytest.raises(BadDecision) as refused, unit_of_work(sessions) as session:
        record_minutes(session, meeting, {"summary": "Kort møte.", "decisions": [],
                                          "present": ["kari.johansen@kommune.example"]},
                       actor="siri.eriksen@kommune.example", party="municipality", now=now, tz_name="Europe/Oslo")
    assert refused.value.field == "present.0"
    with unit_of_work(sessions) as session:
        record_minutes(session, meeting, {"summary": "Kort møte.", "decisions": []},
                       actor="siri.eriksen@kommune.example", party="municipality", now=now, tz_name="Europe/Oslo")
    minutes = pdf_text(minutes_of(sessions, settings, meeting).content)
    assert "Jonas Lie" in minutes and "Siri Eriksen" in minutes
    assert "Kari Johansen" not in minutes and "Anne Nilsen" not in minutes
