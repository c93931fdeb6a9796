"""iCalendar invitations (RFC 5545/6047): REQUEST with a stable UID and rising SEQUENCE,
CANCEL on cancellation, TZID=Europe/Oslo with its VTIMEZONE, one ATTENDEE per member."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from .models import Meeting


@dataclass(frozen=True)
class Person:
    name: str
    email: str


def agenda_text(meeting: Meeting) -> str:
    lines = [f"{item.position}. {item.title}" for item in meeting.agenda]
    return "Dagsorden:\n" + "\n".join(lines) if lines else "Dagsorden kommer."


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name)
    for key, value in params.items():
        address.params[key.upper()] = vText(value)
    return address


def meeting_calendar(
    meeting: Meeting, *, organizer: Person, members: Sequence[Person], method: str, tz_name: str,
    now: dt.datetime,
) -> bytes:
    zone = ZoneInfo(tz_name)
    calendar = Calendar()
    calendar.add("prodid", "-//samhandling//samarbeidsutvalg//NO")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", meeting.title)
    event.add("location", meeting.location)
    event.add("description", agenda_text(meeting))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", _address(organizer))
    for member in members:
        event.add("attendee", _address(member, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION",
                                       rsvp="TRUE", cutype="INDIVIDUAL"), encode=False)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical
