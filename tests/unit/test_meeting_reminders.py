"""Reminders 7 and 1 days before a meeting: rows planned at booking, each fired exactly once."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update

from services.notifier.runner import consume
from services.scheduler.booking import BookingRules, try_book
from services.scheduler.meeting_reminders import fire_meeting_reminders
from shared.db import unit_of_work
from shared.messages import MeetingReminderDue
from shared.models import AgendaItem, Cooperative, Meeting, MeetingReminder, OutboxEvent
from shared.runtime import Resources
from tests.support.database import at_once
from tests.unit.test_delivery import RecordingMailer
from tests.unit.test_routing import open_staff_case

OSLO = ZoneInfo("Europe/Oslo")
MEETING_DAY = dt.date(2027, 3, 2)  # Tuesday, 10:00


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=OSLO)


def book(sessions, day=MEETING_DAY, now=None) -> int:
    now = now or at("2027-02-01")
    with unit_of_work(sessions) as session:
        return try_book(session, day, kind="annual", title="Vårmøte i samarbeidsutvalget 2027",
                        rules=BookingRules(), tz_name="Europe/Oslo", now=now).id


def fire(sessions, now: dt.datetime) -> dict[str, int]:
    return fire_meeting_reminders(sessions, now, "Europe/Oslo")


def reminder_events(sessions) -> list[dict]:
    with sessions() as session:
        return list(session.execute(select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "MeetingReminderDue").order_by(OutboxEvent.created_at)).scalars())


def reminders(sessions) -> dict[int, MeetingReminder]:
    with sessions() as session:
        return {r.days_before: r for r in session.execute(select(MeetingReminder)).scalars()}


def test_booking_plans_two_reminders_at_eight_in_the_morning(sessions):
    book(sessions)
    planned = reminders(sessions)
    assert planned[7].due_at.astimezone(OSLO) == at("2027-02-23", 8)
    assert planned[1].due_at.astimezone(OSLO) == at("2027-03-01", 8)
    assert all(r.sent_at is None and r.skipped_at is None for r in planned.values())


def test_a_reminder_already_past_at_booking_is_skipped(sessions):
    book(sessions, now=at("2027-02-25"))  # five days ahead: the invitation carries the agenda
    planned = reminders(sessions)
    assert planned[7].skipped_at is not None and planned[1].skipped_at is None
    assert fire(sessions, at("2027-02-26")) == {"planned": 0, "reminders": 0}


def test_each_fires_once_and_the_seven_day_one_refreshes_the_agenda(sessions):
    meeting_id = book(sessions)
    with sessions() as session:
        stakkevollan = session.execute(select(Cooperative.id).where(Cooperative.orgnr == "942581521")).scalar_one()
    open_staff_case(sessions, "acquisition", cooperative_id=stakkevollan, share_number="7")  # after booking
    assert fire(sessions, at("2027-02-23", 7)) == {"planned": 0, "reminders": 0}  # not yet 08:00
    assert fire(sessions, at("2027-02-23")) == {"planned": 0, "reminders": 1}
    assert fire(sessions, at("2027-02-24")) == {"planned": 0, "reminders": 0}
    with sessions() as session:
        titles = session.execute(select(AgendaItem.title).where(AgendaItem.meeting_id == meeting_id)).scalars().all()
    assert any(title.startswith("Varsel om erverv ER-2027-") for title in titles)
    assert fire(sessions, at("2027-03-01")) == {"planned": 0, "reminders": 1}
    assert [(e["days_before"], e["meeting_id"]) for e in reminder_events(sessions)] == [
        (7, meeting_id), (1, meeting_id)]


def test_two_schedulers_at_once_fire_each_reminder_once(sessions, base_settings):
    book(sessions)
    results = at_once(base_settings.database_url, [lambda own: fire(own, at("2027-03-01"))] * 4)
    assert sum(r["reminders"] for r in results) == 2
    assert sorted(e["days_before"] for e in reminder_events(sessions)) == [1, 7]


def test_a_cancelled_or_past_meeting_gets_no_reminder(sessions):
    meeting_id = book(sessions)
    with unit_of_work(sessions) as session:
        session.execute(update(Meeting).where(Meeting.id == meeting_id).values(status="cancelled"))
    assert fire(sessions, at("2027-03-01")) == {"planned": 0, "reminders": 0}
    assert all(r.skipped_at is not None for r in reminders(sessions).values())
    book(sessions, day=dt.date(2027, 3, 3))
    assert fire(sessions, at("2027-03-04")) == {"planned": 0, "reminders": 0}  # beat was down all week
    assert reminder_events(sessions) == []


def test_meetings_booked_before_reminders_existed_get_them_lazily(sessions):
    meeting_id = book(sessions)
    with unit_of_work(sessions) as session:
        session.execute(delete(MeetingReminder))
    assert fire(sessions, at("2027-02-23")) == {"planned": 1, "reminders": 1}
    assert fire(sessions, at("2027-02-23")) == {"planned": 0, "reminders": 0}
    assert [e["meeting_id"] for e in reminder_events(sessions)] == [meeting_id]


def test_every_member_gets_the_reminder_with_the_agenda(sessions, settings):
    book(sessions)
    with sessions() as session:
        prestvannet = session.execute(select(Cooperative.id).where(Cooperative.orgnr == "997273354")).scalar_one()
    open_staff_case(sessions, "sublet", cooperative_id=prestvannet, share_number="12")
    fire(sessions, at("2027-02-23"))
    (payload,) = reminder_events(sessions)
    mailer = RecordingMailer()
    event = MeetingReminderDue(**payload)
    assert consume(Resources(settings), event, mailer) == {"sent": 6}
    assert consume(Resources(settings), event, mailer) == {}  # redelivered
    message = mailer.sent[0]
    assert message["Subject"] == "Påminnelse: Vårmøte i samarbeidsutvalget 2027 om 7 dager, 02.03.2027 kl. 10.00"
    text = message.get_body(("plain",)).get_content()
    assert "Dagsorden slik den er nå:\n1. Framleie FR-2027-0001 – Prestvannet borettslag" in text
    assert {m["To"].addresses[0].addr_spec for m in mailer.sent} >= {"kari.johansen@kommune.example",
                                                                      "direktor@bonord.example"}
