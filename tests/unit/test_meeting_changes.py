"""Moving and cancelling a meeting: same UID, rising SEQUENCE, REQUEST or CANCEL to every member."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from sqlalchemy import select

from services.intake.tokens import create_token
from services.notifier.runner import consume
from services.scheduler.booking import BookingRules, try_book
from shared.db import unit_of_work
from shared.messages import MeetingScheduled
from shared.models import CaseHistory, Meeting, MeetingReminder, OutboxEvent, utcnow
from shared.runtime import Resources
from tests.support.api import auth
from tests.unit.test_booking import answer, request
from tests.unit.test_delivery import RecordingMailer

OSLO = ZoneInfo("Europe/Oslo")
TODAY = dt.datetime(2027, 2, 1, 10, 0, tzinfo=OSLO)
MEMBERS = 6


@pytest.fixture(autouse=True)
def in_february_2027():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def token(sessions) -> str:
    with unit_of_work(sessions) as session:
        made, _ = create_token(session, now=utcnow(), contact_email="kari.johansen@kommune.example")
    return made


def book(sessions, day: dt.date, kind: str = "annual") -> int:
    with unit_of_work(sessions) as session:
        return try_book(session, day, kind=kind, title="Vårmøte i samarbeidsutvalget 2027", rules=BookingRules(),
                        tz_name="Europe/Oslo", now=utcnow()).id


def scheduled(sessions) -> list[dict]:
    with sessions() as session:
        return list(session.execute(select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "MeetingScheduled").order_by(OutboxEvent.created_at)).scalars())


def ics(client, token, meeting_id) -> icalendar.Calendar:
    answer_ = client.get(f"/api/v1/meetings/{meeting_id}.ics", headers=auth(token))
    assert answer_.status_code == 200
    return icalendar.Calendar.from_ical(answer_.data)


def test_a_move_raises_the_sequence_and_keeps_the_uid(client, sessions, token):
    meeting_id = book(sessions, dt.date(2027, 3, 2))
    before = ics(client, token, meeting_id).walk("VEVENT")[0]
    moved = client.patch(f"/api/v1/meetings/{meeting_id}", headers=auth(token),
                         json={"starts_at": "2027-03-04T13:00:00+01:00", "location": "Rådhuset, møterom 3"})
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert body["sequence"] == 1 and body["location"] == "Rådhuset, møterom 3"
    calendar = ics(client, token, meeting_id)
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == str(before["UID"])
    starts = event.decoded("DTSTART")
    assert starts == dt.datetime(2027, 3, 4, 13, 0, tzinfo=OSLO) and str(starts.tzinfo) == "Europe/Oslo"
    assert event.decoded("DTEND") - starts == dt.timedelta(hours=2)
    assert str(event["LOCATION"]) == "Rådhuset, møterom 3"
    assert [(e["method"], e["sequence"]) for e in scheduled(sessions)] == [("REQUEST", 1)]
    with sessions() as session:
        reminders = dict(session.execute(select(MeetingReminder.days_before, MeetingReminder.due_at)).all())
    assert reminders[7].astimezone(OSLO) == dt.datetime(2027, 2, 25, 8, 0, tzinfo=OSLO)
    assert reminders[1].astimezone(OSLO) == dt.datetime(2027, 3, 3, 8, 0, tzinfo=OSLO)


@pytest.mark.parametrize(("starts_at", "why"), [
    ("2027-03-06T10:00:00+01:00", "møtedag"),          # a Saturday
    ("2027-05-17T10:00:00+02:00", "møtedag"),          # Grunnlovsdag and Andre pinsedag
    ("2027-07-13T10:00:00+02:00", "møtedag"),          # week 28, the common summer holiday
    ("2027-12-28T10:00:00+01:00", "møtedag"),          # the Christmas break
    ("2027-03-04T15:00:00+01:00", "arbeidstiden"),     # would end at 17.00
    ("2027-03-04T07:00:00+01:00", "arbeidstiden"),
    ("2027-01-26T10:00:00+01:00", "fram i tid"),       # last week
    ("2027-03-04T10:00:00", "tidssone"),               # no offset
])
def test_a_move_must_land_on_a_meeting_day_in_working_hours(client, sessions, token, starts_at, why):
    meeting_id = book(sessions, dt.date(2027, 3, 2))
    answer_ = client.patch(f"/api/v1/meetings/{meeting_id}", headers=auth(token), json={"starts_at": starts_at})
    assert answer_.status_code == 422
    assert why in " ".join(answer_.get_json()["error"]["fields"]["starts_at"])
    assert scheduled(sessions) == []


def test_a_taken_day_is_a_conflict(client, sessions, token):
    meeting_id = book(sessions, dt.date(2027, 3, 2))
    book(sessions, dt.date(2027, 3, 4), kind="requested")
    answer_ = client.patch(f"/api/v1/meetings/{meeting_id}", headers=auth(token),
                           json={"starts_at": "2027-03-04T12:00:00+01:00"})
    assert answer_.status_code == 409 and answer_.get_json()["error"]["code"] == "day_taken"
    with sessions() as session:
        assert session.get_one(Meeting, meeting_id).sequence == 0


def test_the_same_time_again_changes_nothing(client, sessions, token):
    meeting_id = book(sessions, dt.date(2027, 3, 2))
    answer_ = client.patch(f"/api/v1/meetings/{meeting_id}", headers=auth(token),
                           json={"starts_at": "2027-03-02T09:00:00+00:00"})
    assert answer_.status_code == 200 and answer_.get_json()["sequence"] == 0
    assert scheduled(sessions) == []


def test_a_requested_meeting_is_not_moved_past_its_deadline_without_an_override(client, sessions, token):
    case_id = request(sessions, dt.date(2027, 3, 1))  # deadline 22 March
    assert answer(sessions, case_id) == "booked"
    with sessions() as session:
        meeting = session.execute(select(Meeting)).scalar_one()
    assert meeting.held_on == dt.date(2027, 3, 8)
    late = {"starts_at": "2027-03-23T10:00:00+01:00"}
    refused = client.patch(f"/api/v1/meetings/{meeting.id}", headers=auth(token), json=late)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "after_deadline"
    assert "22.03.2027" in refused.get_json()["error"]["message"]
    within = client.patch(f"/api/v1/meetings/{meeting.id}", headers=auth(token),
                          json={"starts_at": "2027-03-22T10:00:00+01:00"})
    assert within.status_code == 200 and within.get_json()["sequence"] == 1  # on the deadline is in time
    overridden = client.patch(f"/api/v1/meetings/{meeting.id}", headers=auth(token),
                              json={**late, "override_deadline": True})
    assert overridden.status_code == 200
    with sessions() as session:
        history = session.execute(select(CaseHistory).where(CaseHistory.case_id == case_id)
                                  .order_by(CaseHistory.id)).scalars().all()
    override = [h for h in history if h.action == "deadline_overridden"]
    assert len(override) == 1 and override[0].actor == "kari.johansen@kommune.example"
    assert "22.03.2027" in override[0].comment
    assert [h.action for h in history].count("meeting_moved") == 2


def test_cancel_sends_method_cancel(client, sessions, token):
    meeting_id = book(sessions, dt.date(2027, 3, 2))
    uid = str(ics(client, token, meeting_id).walk("VEVENT")[0]["UID"])
    cancelled = client.delete(f"/api/v1/meetings/{meeting_id}", headers=auth(token))
    assert cancelled.status_code == 200
    assert (cancelled.get_json()["status"], cancelled.get_json()["sequence"]) == ("cancelled", 1)
    calendar = ics(client, token, meeting_id)
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    assert [(e["method"], e["sequence"]) for e in scheduled(sessions)] == [("CANCEL", 1)]
    with sessions() as session:
        reminders = session.execute(select(MeetingReminder)).scalars().all()
    assert reminders and all(r.skipped_at is not None and r.sent_at is None for r in reminders)
    assert client.delete(f"/api/v1/meetings/{meeting_id}", headers=auth(token)).status_code == 409
    assert client.patch(f"/api/v1/meetings/{meeting_id}", headers=auth(token),
                        json={"starts_at": "2027-03-04T10:00:00+01:00"}).status_code == 409
    assert client.delete("/api/v1/meetings/999999", headers=auth(token)).status_code == 404
    book(sessions, dt.date(2027, 3, 2))  # the day is free again


def test_every_member_gets_the_cancellation_and_a_stale_update_is_dropped(client, sessions, token, settings):
    meeting_id = book(sessions, dt.date(2027, 3, 2))
    client.patch(f"/api/v1/meetings/{meeting_id}", headers=auth(token), json={"starts_at": "2027-03-03T10:00:00+01:00"})
    client.delete(f"/api/v1/meetings/{meeting_id}", headers=auth(token))
    resources, mailer = Resources(settings), RecordingMailer()
    update, cancel = [MeetingScheduled(**{k: e[k] for k in ("event_id", "meeting_id", "sequence", "method")})
                      for e in scheduled(sessions)]
    assert consume(resources, update, mailer) == {}  # superseded by the cancellation
    assert consume(resources, cancel, mailer) == {"sent": MEMBERS}
    for message in mailer.sent:
        assert message["Subject"].startswith("Avlyst:")
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        assert part.get_param("method") == "CANCEL"
        assert str(icalendar.Calendar.from_ical(part.get_content())["METHOD"]) == "CANCEL"
