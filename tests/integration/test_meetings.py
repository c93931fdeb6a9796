"""A meeting request becomes an invitation in every committee member's inbox, with a .ics file."""
from __future__ import annotations

import datetime as dt
import json
import urllib.request
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from services.intake.tokens import create_token
from shared.db import unit_of_work
from shared.models import utcnow

pytestmark = pytest.mark.integration
MEMBERS = {"kari.johansen@kommune.example", "leder.boligkontoret@kommune.example",
           "anne.nilsen@bonord.example", "direktor@bonord.example",
           "styret.fjellheisen@borettslag.example", "styret.prestvannet@borettslag.example"}


def call(stack, token, method, path, body=None):
    request = urllib.request.Request(
        stack.intake.url + path, method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", **({"Content-Type": "application/json"} if body else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()


def test_every_member_gets_an_invitation_within_21_days(stack, sessions):
    with unit_of_work(sessions) as session:
        token, _ = create_token(session, now=utcnow(), contact_email="anne.nilsen@bonord.example")
    status, _, raw = call(stack, token, "POST", "/api/v1/meeting-requests", {
        "party": "association", "reason": "Mange klager fra Breivang denne høsten.",
        "topics": ["Klager i Breivang", "Rutiner for framleie"]})
    assert status == 201
    requested = json.loads(raw)

    def invitations():
        return [m for m in stack.sink.messages() if m.subject.startswith("Innkalling")]

    from tests.support.processes import wait_until
    wait_until(lambda: len(invitations()) >= len(MEMBERS), 60, "an invitation to every member")
    assert {m.rcpt_tos[0] for m in invitations()} == MEMBERS

    mail = invitations()[0]
    calendar_part = next(p for p in mail.parsed.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "REQUEST"
    ics = calendar_part.get_content()
    ics = ics if isinstance(ics, bytes) else ics.encode()
    parsed = icalendar.Calendar.from_ical(ics)
    event = parsed.walk("VEVENT")[0]
    assert str(parsed["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == 0
    assert any(c.name == "VTIMEZONE" and str(c["TZID"]) == "Europe/Oslo" for c in parsed.walk())
    starts = event.decoded("DTSTART")
    assert str(starts.tzinfo) == "Europe/Oslo" and starts.time() == dt.time(10, 0)
    deadline = dt.date.fromisoformat(requested["deadline"])
    assert starts.date() <= deadline
    attendees = {str(a).removeprefix("mailto:") for a in event.get("ATTENDEE")}
    assert attendees == MEMBERS
    assert str(event["ORGANIZER"]) == "mailto:kari.johansen@kommune.example"

    # A second, independent parser reads the same file the same way.
    other = vobject.readOne(ics.decode())
    assert other.vevent.uid.value == str(event["UID"])
    assert other.vevent.dtstart.value.astimezone(ZoneInfo("Europe/Oslo")) == starts
    assert len(other.vevent.contents["attendee"]) == len(MEMBERS)

    meetings = json.loads(call(stack, token, "GET", "/api/v1/meetings")[2])["items"]
    (meeting,) = meetings
    detail = json.loads(call(stack, token, "GET", f"/api/v1/meetings/{meeting['id']}")[2])
    assert [item["title"] for item in detail["agenda"]][:2] == ["Klager i Breivang", "Rutiner for framleie"]
    status, headers, served = call(stack, token, "GET", f"/api/v1/meetings/{meeting['id']}.ics")
    assert headers["Content-Type"].startswith("text/calendar; method=REQUEST")
    assert str(icalendar.Calendar.from_ical(served).walk("VEVENT")[0]["UID"]) == str(event["UID"])

    wait_until(lambda: any(m.subject.startswith("Møte i samarbeidsutvalget") and
                           m.rcpt_tos == ["anne.nilsen@bonord.example"] for m in stack.sink.messages()),
               30, "the answer to the requester")
