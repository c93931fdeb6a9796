"""A meeting moved and then cancelled: every member gets the update, then METHOD:CANCEL, over SMTP."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import icalendar
import pytest

from services.intake.tokens import create_token
from services.scheduler.booking import BookingRules, free_days, try_book
from shared.calendar import local_today
from shared.db import unit_of_work
from shared.messages import MeetingScheduled, new_event_id, record_event
from shared.models import utcnow
from tests.integration.test_meetings import MEMBERS, call
from tests.support.processes import wait_until

pytestmark = pytest.mark.integration
OSLO = ZoneInfo("Europe/Oslo")


def calendar_of(message) -> tuple[str, icalendar.Calendar]:  # type: ignore[no-untyped-def]
    part = next(p for p in message.parsed.walk() if p.get_content_type() == "text/calendar")
    ics = part.get_content()
    return part.get_param("method"), icalendar.Calendar.from_ical(ics if isinstance(ics, bytes) else ics.encode())


def mails(stack, prefix: str) -> list:  # type: ignore[type-arg]
    return [m for m in stack.sink.messages() if m.subject.startswith(prefix)]


def every_member_got(stack, prefix: str, what: str) -> list:  # type: ignore[type-arg]
    wait_until(lambda: {m.rcpt_tos[0] for m in mails(stack, prefix)} >= MEMBERS, 60, what)
    return mails(stack, prefix)


def test_a_cancellation_reaches_every_member(stack, sessions):
    today = local_today("Europe/Oslo")
    with unit_of_work(sessions) as session:
        first, second = free_days(session, today + dt.timedelta(days=14), today + dt.timedelta(days=90))[:2]
        meeting = try_book(session, first, kind="annual", title="Høstmøte i samarbeidsutvalget",
                           rules=BookingRules(), tz_name="Europe/Oslo", now=utcnow())
        record_event(session, MeetingScheduled(event_id=new_event_id(), meeting_id=meeting.id, sequence=0))
        token, _ = create_token(session, now=utcnow(), contact_email="kari.johansen@kommune.example")
    invitation = every_member_got(stack, "Innkalling:", "an invitation to every member")[0]
    uid = str(calendar_of(invitation)[1].walk("VEVENT")[0]["UID"])

    starts = dt.datetime.combine(second, dt.time(12, 30), tzinfo=OSLO)
    status, _, raw = call(stack, token, "PATCH", f"/api/v1/meetings/{meeting.id}",
                          {"starts_at": starts.isoformat()})
    assert status == 200 and json.loads(raw)["sequence"] == 1
    for update in every_member_got(stack, "Oppdatert innkalling:", "the update to every member"):
        method, calendar = calendar_of(update)
        event = calendar.walk("VEVENT")[0]
        assert method == "REQUEST" and str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART") == starts

    status, _, raw = call(stack, token, "DELETE", f"/api/v1/meetings/{meeting.id}")
    assert status == 200 and json.loads(raw)["status"] == "cancelled"
    cancellations = every_member_got(stack, "Avlyst:", "the cancellation to every member")
    assert sorted(m.rcpt_tos[0] for m in cancellations) == sorted(MEMBERS)  # each member once
    for cancellation in cancellations:
        method, calendar = calendar_of(cancellation)
        event = calendar.walk("VEVENT")[0]
        assert method == "CANCEL" and str(calendar["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED" and str(event["UID"]) == uid
        assert int(event["SEQUENCE"]) == 2
        assert {str(a).removeprefix("mailto:") for a in event.get("ATTENDEE")} == MEMBERS
        assert "er avlyst" in cancellation.text
